"""``klayr-py console``: a Python console with a client of the node and the chain's schemas."""

from __future__ import annotations

import code
from typing import Any

import click

from klayr_py import codec
from klayr_py.api_client import command_params_schema, decode_params, encode_params
from klayr_py.chain import Transaction
from klayr_py.cli._keys import private_key_from_passphrase
from klayr_py.cli._target import NodeTarget, connect_node, node_options

__all__ = ["console"]

_BANNER = """klayr-py console: chain {chain_id} at height {height} ({address})
  client      the node's API (client.invoke("hello_getHello", {{...}}), client.get_last_block() ...)
  metadata    system_getMetadata; schema: system_getSchema
  params_schema(module, command), encode_params(schema, json), decode_params(schema, bytes)
  codec, Transaction, private_key_from_passphrase(passphrase, derivation_path=None)
Ctrl-D leaves."""


@click.command()
@node_options
def console(node: NodeTarget) -> None:
    """Open a Python console connected to the node.

    The console holds a client of the node, its metadata and schemas, and the codec: for
    trying endpoints and building transactions by hand.

    \b
    klayr-py console --url ws://127.0.0.1:7887/rpc-ws
    """
    with connect_node(node) as client:
        metadata = client.get_metadata()
        info = client.get_node_info()

        def params_schema(module: str, command: str) -> dict[str, Any]:
            return command_params_schema(metadata, module, command)

        namespace: dict[str, Any] = {
            "client": client,
            "metadata": metadata,
            "schema": client.get_schema(),
            "params_schema": params_schema,
            "encode_params": encode_params,
            "decode_params": decode_params,
            "codec": codec,
            "Transaction": Transaction,
            "private_key_from_passphrase": private_key_from_passphrase,
        }
        banner = _BANNER.format(
            chain_id=info["chainID"], height=info["height"], address=client.client.address
        )
        code.interact(banner=banner, local=namespace, exitmsg="")
