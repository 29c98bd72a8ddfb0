"""Commands that talk to a running node: ``endpoint invoke``, ``block get``, ``transaction``."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import click

from klayr_py.api_client import (
    RpcClientError,
    SyncAPIClient,
    build_transaction,
    command_params_schema,
    decode_params,
    encode_params,
    parse_private_key,
)
from klayr_py.chain import Transaction
from klayr_py.cli._common import app_options, echo_json, load_app, parse_json_object, read_config
from klayr_py.cli._keys import ask_passphrase, private_key_from_passphrase
from klayr_py.cli._target import NodeTarget, connect_node, node_options, node_options_with_app
from klayr_py.crypto.address import get_klayr32_address_from_public_key
from klayr_py.errors import KlayrError

__all__ = ["block", "endpoint", "transaction"]

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@click.group()
def endpoint() -> None:
    """Endpoints of the running node."""


@endpoint.command("invoke")
@node_options
@click.argument("name")
@click.argument("params_json", default="{}")
def invoke(node: NodeTarget, name: str, params_json: str) -> None:
    """Call an endpoint and print its result.

    Endpoint NAME with PARAMS_JSON (a JSON object).

    \b
    klayr-py endpoint invoke system_getNodeInfo
    klayr-py endpoint invoke token_getBalance '{"address": "kly...", "tokenID": "0400000000000000"}'
    """
    params = parse_json_object(params_json, "PARAMS_JSON")
    with connect_node(node) as client:
        echo_json(client.invoke(name, params))


@endpoint.command("list")
@node_options
def list_endpoints(node: NodeTarget) -> None:
    """List the modules' endpoints the node serves.

    From the node's metadata: each module's endpoints as module_endpoint names, with the
    request properties they take. The framework's system_, chain_ and txpool_ methods are in
    docs/rpc.md.

    \b
    klayr-py endpoint list
    """
    with connect_node(node) as client:
        metadata = client.get_metadata()
    listed = []
    for module in metadata.get("modules", []):
        for entry in module.get("endpoints", []):
            request = entry.get("request") or {}
            listed.append(
                {
                    "name": f"{module['name']}_{entry['name']}",
                    "params": sorted(request.get("properties", {})),
                }
            )
    echo_json(sorted(listed, key=lambda item: item["name"]))


@click.group()
def block() -> None:
    """Blocks of the running node."""


@block.command("get")
@node_options
@click.argument("height_or_id")
def get(node: NodeTarget, height_or_id: str) -> None:
    """Print a block: by height, by ID, or the last one.

    HEIGHT_OR_ID is a height, a block ID (64 hex digits) or "last".

    \b
    klayr-py block get 12
    klayr-py block get last
    """
    if not (height_or_id == "last" or height_or_id.isdigit() or _HEX64.match(height_or_id)):
        raise click.BadParameter(
            "a height, a block ID (64 hex digits) or 'last'", param_hint="HEIGHT_OR_ID"
        )
    with connect_node(node) as client:
        if height_or_id == "last":
            echo_json(client.get_last_block())
        elif height_or_id.isdigit():
            echo_json(client.get_block_by_height(int(height_or_id)))
        else:
            echo_json(client.get_block_by_id(height_or_id))


@block.command("events")
@node_options
@click.argument("height", type=click.IntRange(min=0))
def events(node: NodeTarget, height: int) -> None:
    """Print the events of a block, data decoded.

    The events of the block at HEIGHT.

    chain_getEvents sends each event's data as hex, as Klayr does; this decodes it with the
    schemas of the node's metadata (commandExecutionResult: {"success": true|false}).

    \b
    klayr-py block events 12
    """
    with connect_node(node) as client:
        echo_json(client.get_events(height))


# -- transactions -------------------------------------------------------------------------------


def _signing_key(
    passphrase: str | None, private_key: str | None, derivation_path: str | None
) -> bytes | None:
    if passphrase is not None and private_key is not None:
        raise click.UsageError("give --passphrase or --private-key, not both")
    if private_key is not None:
        return parse_private_key(private_key)
    if passphrase is not None:
        return private_key_from_passphrase(passphrase, derivation_path)
    return None


def _transaction_output(transaction: Transaction, schema: dict[str, Any] | None) -> None:
    value = transaction.to_json()
    if schema is not None:
        value["params"] = decode_params(schema, transaction.params)
    echo_json({"transaction": transaction.get_bytes().hex(), "id": value["id"], "json": value})


def _key_options(function: Any) -> Any:
    function = click.option(
        "--key-derivation-path",
        metavar="PATH",
        help="Derive the key from --passphrase as Klayr does (e.g. \"m/44'/134'/0'\").",
    )(function)
    function = click.option(
        "--private-key", metavar="HEX", help="The sender's private key (64 or 32 bytes, hex)."
    )(function)
    return click.option("--passphrase", help="The sender's passphrase.")(function)


@click.group()
def transaction() -> None:
    """Create, sign and send transactions."""


@transaction.command("create")
@node_options_with_app
@app_options
@_key_options
@click.argument("module")
@click.argument("command")
@click.argument("params_json")
@click.option("--sender-public-key", metavar="HEX", help="Create it unsigned for this sender.")
@click.option("--fee", type=click.IntRange(min=0), help="Fee in beddows [default: the minimum].")
@click.option("--nonce", type=click.IntRange(min=0), help="[default: the account's, from the node]")
@click.option(
    "--offline",
    is_flag=True,
    help="Do not ask the node: schemas from --app/--config, needs --chain-id and --nonce.",
)
@click.option(
    "--chain-id",
    metavar="HEX",
    help="With --offline, the chain to sign for; otherwise the chain the node must run.",
)
@click.option("--send", is_flag=True, help="Also post it to the node and say what it did.")
def create(
    node: NodeTarget,
    config_path: str | None,
    app_spec: str | None,
    passphrase: str | None,
    private_key: str | None,
    key_derivation_path: str | None,
    module: str,
    command: str,
    params_json: str,
    sender_public_key: str | None,
    fee: int | None,
    nonce: int | None,
    offline: bool,
    chain_id: str | None,
    send: bool,
) -> None:
    """Create (and with --send, post) a transaction.

    MODULE:COMMAND with PARAMS_JSON in Klayr's JSON form (hex bytes, kly... addresses). Prints
    the transaction's hex bytes and its JSON (params decoded).

    \b
    klayr-py transaction create hello createHello '{"message": "hi"}' \\
        --passphrase "klayr_py dev account 0" --send
    klayr-py transaction create token transfer '{...}' --private-key HEX \\
        --offline --chain-id 04000000 --nonce 0
    """
    params = parse_json_object(params_json, "PARAMS_JSON")
    key = _signing_key(passphrase, private_key, key_derivation_path)
    public_key = None
    if sender_public_key is not None:
        try:
            public_key = bytes.fromhex(sender_public_key)
        except ValueError:
            raise click.BadParameter("not hex", param_hint="--sender-public-key") from None
    if key is None and public_key is None:
        if offline:
            raise click.UsageError("give --passphrase, --private-key or --sender-public-key")
        key = private_key_from_passphrase(ask_passphrase(), key_derivation_path)
    if offline:
        if chain_id is None or nonce is None:
            raise click.UsageError("--offline needs --chain-id and --nonce")
        config, config_dir = read_config(config_path, required=False)
        app = load_app(app_spec, config, config_dir)
        app.init_modules()
        metadata = {"modules": [m.metadata().to_json(m.name) for m in app.modules]}
        schema = command_params_schema(metadata, module, command)
        fee_config = config.modules.get("fee", {})
        min_fee = int(fee_config.get("minFeePerByte", config.genesis.min_fee_per_byte))
        tx = _build(
            module,
            command,
            encode_params(schema, params),
            nonce,
            chain_id,
            min_fee,
            key,
            public_key,
            fee,
        )
        if send:
            raise click.UsageError("--send needs the node: leave out --offline")
        _transaction_output(tx, schema)
        return
    if chain_id is not None:
        node = replace(node, chain_id=_chain_id(chain_id).hex(), expected_by="--chain-id")
    with connect_node(node) as client:
        schema = command_params_schema(client.get_metadata(), module, command)
        if key is not None:
            tx = client.create_transaction(module, command, params, key, fee=fee, nonce=nonce)
        else:
            assert public_key is not None
            info = client.get_node_info()
            if nonce is None:
                nonce = client.next_nonce(get_klayr32_address_from_public_key(public_key))
            min_fee = int(info.get("genesis", {}).get("minFeePerByte", 1000))
            tx = _build(
                module,
                command,
                encode_params(schema, params),
                nonce,
                info["chainID"],
                min_fee,
                None,
                public_key,
                fee,
            )
        _transaction_output(tx, schema)
        if send:
            _send(client, tx)


def _send(client: SyncAPIClient, tx: Transaction) -> str:
    """Post ``tx`` and tell the user what the node did with it, on stderr (stdout stays JSON);
    its ID."""
    try:
        transaction_id = client.send_transaction(tx)
    except RpcClientError as error:
        raise KlayrError(
            f"the node refused transaction {tx.id.hex()} (nonce {tx.nonce}): {error.message}"
        ) from None
    click.echo(
        f"transaction {transaction_id} (nonce {tx.nonce}) accepted into the pool; "
        "it is final once a block includes it",
        err=True,
    )
    return transaction_id


def _chain_id(text: str) -> bytes:
    try:
        chain = bytes.fromhex(text)
    except ValueError:
        raise click.BadParameter("not hex", param_hint="--chain-id") from None
    if len(chain) != 4:
        raise click.BadParameter("must be 4 bytes (8 hex digits)", param_hint="--chain-id")
    return chain


def _build(
    module: str,
    command: str,
    params: bytes,
    nonce: int,
    chain_id: str,
    min_fee_per_byte: int,
    key: bytes | None,
    public_key: bytes | None,
    fee: int | None,
) -> Transaction:
    chain = _chain_id(chain_id)
    return build_transaction(
        module=module,
        command=command,
        params=params,
        nonce=nonce,
        chain_id=chain,
        min_fee_per_byte=min_fee_per_byte,
        private_key=key,
        sender_public_key=public_key,
        fee=fee,
    )


def _decode_transaction(text: str) -> Transaction:
    try:
        return Transaction.from_bytes(bytes.fromhex(text.strip()))
    except ValueError as error:
        if isinstance(error, KlayrError):
            raise click.BadParameter(f"not a transaction: {error}", param_hint="HEX") from None
        raise click.BadParameter("not hex", param_hint="HEX") from None


@transaction.command("get")
@node_options
@click.argument("transaction_id", metavar="ID")
def get_transaction(node: NodeTarget, transaction_id: str) -> None:
    """Print a transaction by ID, from the chain or the pool.

    Its JSON with params decoded, and where it is: "in a block" or "in the pool".

    \b
    klayr-py transaction get 6c6e...
    """
    if not _HEX64.match(transaction_id):
        raise click.BadParameter("a transaction ID is 64 hex digits", param_hint="ID")
    wanted = transaction_id.lower()
    with connect_node(node) as client:
        found, status = _find_transaction(client, wanted)
        metadata = client.get_metadata()
    try:
        schema = command_params_schema(metadata, found["module"], found["command"])
        found = {**found, "params": decode_params(schema, bytes.fromhex(found["params"]))}
    except (KlayrError, ValueError):
        pass  # a command the metadata does not describe: params stay hex
    echo_json({"status": status, "transaction": found})


def _find_transaction(client: SyncAPIClient, wanted: str) -> tuple[dict[str, Any], str]:
    """The transaction and where it is. The chain is asked again after the pool: a block may
    take it out of the pool between the first two questions."""
    for ask_pool in (True, False):
        try:
            return client.invoke("chain_getTransactionByID", {"id": wanted}), "in a block"
        except RpcClientError:
            if not ask_pool:
                break
        pending = client.invoke("txpool_getTransactionsFromPool", {})
        found = next((tx for tx in pending if tx.get("id") == wanted), None)
        if found is not None:
            return found, "in the pool"
    raise KlayrError(f"no transaction {wanted} on the chain or in the node's pool")


@transaction.command("sign")
@node_options
@_key_options
@click.argument("transaction_hex", metavar="HEX")
@click.option("--chain-id", metavar="HEX", help="The chain ID [default: the node's].")
def sign(
    node: NodeTarget,
    passphrase: str | None,
    private_key: str | None,
    key_derivation_path: str | None,
    transaction_hex: str,
    chain_id: str | None,
) -> None:
    """Add a signature to a transaction.

    Prints the transaction HEX with the signature added, as hex and JSON.

    \b
    klayr-py transaction sign 0a0568656c6c6f... --passphrase "..." --chain-id 04000000
    """
    tx = _decode_transaction(transaction_hex)
    key = _signing_key(passphrase, private_key, key_derivation_path)
    if key is None:
        key = private_key_from_passphrase(ask_passphrase(), key_derivation_path)
    if chain_id is None:
        with connect_node(node) as client:
            chain_id = str(client.get_node_info()["chainID"])
    try:
        chain = bytes.fromhex(chain_id)
    except ValueError:
        raise click.BadParameter("not hex", param_hint="--chain-id") from None
    _transaction_output(tx.sign(chain, key), None)


@transaction.command("send")
@node_options
@click.argument("transaction_hex", metavar="HEX")
def send_command(node: NodeTarget, transaction_hex: str) -> None:
    """Post a signed transaction to the node's pool.

    Prints the ID of the transaction HEX, and on stderr what the node did with it.

    \b
    klayr-py transaction send 0a0568656c6c6f...
    """
    tx = _decode_transaction(transaction_hex)
    with connect_node(node) as client:
        echo_json({"transactionId": _send(client, tx)})
