"""The node a command talks to, and the chain that node must run.

``--url`` or ``--data-path`` name the node; otherwise the project's config (``--config``, or
``./config/config.json``) does. Whenever a config is in play, the node must run that config's
chain ID and genesis block, or the command refuses naming both: two dev chains on one machine
share the dev accounts and often the port, and a command meant for one must never read from, or
post to, the other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from klayr_py.api_client import APIClient, SyncAPIClient
from klayr_py.cli._common import DEFAULT_CONFIG
from klayr_py.errors import KlayrError
from klayr_py.node import ApplicationConfig, ConfigError, load_config
from klayr_py.node.genesis import read_genesis_block

__all__ = [
    "DEFAULT_URL",
    "NodeTarget",
    "connect_node",
    "node_options",
    "node_options_with_app",
]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_URL = "ws://127.0.0.1:7887/rpc-ws"
CLIENT_TIMEOUT = 15.0


@dataclass(frozen=True)
class NodeTarget:
    """Where the node is (a URL or an IPC socket) and the chain it must run, if known."""

    address: str
    chain_id: str | None = None
    genesis_block_id: str | None = None
    expected_by: str = ""


def node_options(function: F) -> F:
    """``--url``, ``--data-path`` and ``--config`` to find the node."""
    return _node_options(function, own_config=True)


def node_options_with_app(function: F) -> F:
    """``--url`` and ``--data-path``; ``--config`` comes from :func:`app_options`."""
    return _node_options(function, own_config=False)


def _node_options(function: F, *, own_config: bool) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, url: str | None, node_data_path: str | None, **kwargs: Any) -> Any:
        config = kwargs.pop("node_config") if own_config else kwargs.get("config_path")
        kwargs["node"] = node_target(url, node_data_path, config)
        return function(*args, **kwargs)

    decorated: Any = wrapper
    if own_config:
        decorated = click.option(
            "--config",
            "node_config",
            type=click.Path(dir_okay=False),
            help="Find the node from this config (IPC if enabled, else ws/http) and require "
            f"its chain [default: ./{DEFAULT_CONFIG} if present, else {DEFAULT_URL}].",
        )(decorated)
    decorated = click.option(
        "--data-path",
        "node_data_path",
        type=click.Path(file_okay=False),
        help="Talk to the node over IPC: <data-path>/rpc.sock.",
    )(decorated)
    decorated = click.option(
        "--url", metavar="URL", help="The node's ws://HOST:PORT/rpc-ws or http://HOST:PORT/rpc."
    )(decorated)
    return decorated  # type: ignore[no-any-return]


def node_target(url: str | None, data_path: str | None, config_path: str | None) -> NodeTarget:
    """The node named by the options, with the chain the config in play (if any) requires."""
    file = Path(config_path) if config_path else DEFAULT_CONFIG
    if not file.is_file():
        if config_path:
            raise ConfigError(f"no config file at {file}")
        if url:
            return NodeTarget(url)
        if data_path:
            return NodeTarget(str(Path(data_path) / "rpc.sock"))
        return NodeTarget(DEFAULT_URL)
    config = load_config(file)
    base = file.resolve().parent
    if url:
        address = url
    elif data_path:
        address = str(Path(data_path) / "rpc.sock")
    else:
        address = _address_from_config(config, base, file)
    return NodeTarget(
        address,
        chain_id=config.genesis.chain_id,
        genesis_block_id=_genesis_block_id(config, base),
        expected_by=str(file),
    )


def _address_from_config(config: ApplicationConfig, base: Path, file: Path) -> str:
    rpc = config.rpc
    if "ipc" in rpc.modes:
        return str(config.resolve_path(config.system.data_path, base) / "rpc.sock")
    if "ws" in rpc.modes:
        return f"ws://{rpc.host}:{rpc.port}/rpc-ws"
    if "http" in rpc.modes:
        return f"http://{rpc.host}:{rpc.port}/rpc"
    raise ConfigError(f"{file}: rpc.modes is empty: the node serves no RPC")


def _genesis_block_id(config: ApplicationConfig, base: Path) -> str | None:
    """The ID of the config's genesis block; None when the file is not there (yet)."""
    path = config.resolve_path(config.genesis.block.from_file, base)
    if not path.is_file():
        return None
    try:
        return read_genesis_block(path).id.hex()
    except KlayrError:
        return None  # the node would not start from it either; it says why


def connect_node(target: NodeTarget) -> SyncAPIClient:
    """A client of the node at ``target``, once it has shown that it runs the expected chain."""
    if "://" in target.address:
        client = SyncAPIClient(APIClient.from_url(target.address, timeout=CLIENT_TIMEOUT))
    else:
        client = SyncAPIClient(APIClient.from_ipc(target.address, timeout=CLIENT_TIMEOUT))
    if target.chain_id is not None:
        try:
            client.verify_chain(
                target.chain_id, target.genesis_block_id, expected_by=target.expected_by
            )
        except BaseException:
            client.close()
            raise
    return client
