"""``klayr-py start`` and ``klayr-py chain revert``: the commands that own the data path."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from klayr_py.chain import Block
from klayr_py.cli._common import app_options, load_app, read_config
from klayr_py.cli._genesis import create_dev_chain
from klayr_py.db import LevelDB
from klayr_py.errors import KlayrError
from klayr_py.node import Application, ApplicationConfig, ConfigError, Engine
from klayr_py.node.rpc.zmq_ipc import sockets_dir

__all__ = ["chain", "start"]

_MODES = ("ipc", "ws", "http")
_DATABASES = ("blockchain.db", "offchain.db")  # what Application.start opens in the data path


def _rpc_overrides(
    config: ApplicationConfig,
    rpc_modes: str | None,
    enable_ws: bool,
    enable_http: bool,
    port: int | None,
    host: str | None,
    dev: bool,
) -> dict[str, Any]:
    modes: list[str] = [str(mode) for mode in config.rpc.modes]
    if rpc_modes is not None:
        modes = [mode.strip() for mode in rpc_modes.split(",") if mode.strip()]
        unknown = [mode for mode in modes if mode not in _MODES]
        if unknown:
            raise click.BadParameter(
                f"unknown mode(s) {', '.join(unknown)}; use {', '.join(_MODES)}",
                param_hint="--rpc-modes",
            )
    if dev and rpc_modes is None and "ws" not in modes:
        modes.append("ws")  # a throw-away chain is reached over ws://, not its temp socket
    for wanted, mode in ((enable_ws, "ws"), (enable_http, "http")):
        if wanted and mode not in modes:
            modes.append(mode)
    overrides: dict[str, Any] = {"modes": modes}
    if port is not None:
        overrides["port"] = port
    if host is not None:
        overrides["host"] = host
    return overrides


@click.command()
@app_options
@click.option(
    "--data-path",
    type=click.Path(file_okay=False),
    help="Override system.dataPath (with --dev: keep the chain there).",
)
@click.option(
    "--dev",
    is_flag=True,
    help="A throw-away single-node chain in a temporary data path; a dev genesis block and "
    "keys are generated when the config has none.",
)
@click.option("--port", type=click.IntRange(1, 65535), help="Override rpc.port.")
@click.option("--host", help="Override rpc.host.")
@click.option("--rpc-modes", metavar="MODES", help="Override rpc.modes, e.g. ipc,ws,http.")
@click.option("--enable-ws", is_flag=True, help="Add the WebSocket mode (/rpc-ws).")
@click.option("--enable-http", is_flag=True, help="Add the HTTP mode (POST /rpc).")
@click.option(
    "--log-level",
    type=click.Choice(["trace", "debug", "info", "warn", "error", "fatal", "none"]),
    help="Override system.logLevel.",
)
@click.option(
    "--cometbft",
    is_flag=True,
    help="Run as a validator of a CometBFT network (see `klayr-py testnet`, docs/network.md).",
)
@click.option(
    "--cometbft-home",
    type=click.Path(file_okay=False),
    help="With --cometbft: the CometBFT home directory [default: consensus.cometbftHome].",
)
@click.option(
    "--abci-port",
    type=click.IntRange(1, 65535),
    help="With --cometbft: the ABCI server's port [default: consensus.abciPort].",
)
def start(
    config_path: str | None,
    app_spec: str | None,
    data_path: str | None,
    dev: bool,
    port: int | None,
    host: str | None,
    rpc_modes: str | None,
    enable_ws: bool,
    enable_http: bool,
    log_level: str | None,
    cometbft: bool,
    cometbft_home: str | None,
    abci_port: int | None,
) -> None:
    """Run the node until Ctrl-C (SIGINT) or SIGTERM.

    \b
    klayr-py start                                  # ./config/config.json, ./app.py
    klayr-py start --dev --port 7888                # a throw-away dev chain
    klayr-py start --config my.json --app app.py:create_app --enable-ws
    """
    config, config_dir = read_config(config_path, required=not dev)
    system: dict[str, Any] = {}
    throwaway: Path | None = None
    if data_path is not None:
        system["dataPath"] = str(Path(data_path).resolve())
    elif dev:
        throwaway = Path(tempfile.mkdtemp(prefix="klayr-py-dev-"))
        system["dataPath"] = str(throwaway / "data")
    if log_level is not None:
        system["logLevel"] = log_level
    rpc = _rpc_overrides(config, rpc_modes, enable_ws, enable_http, port, host, dev)
    config = config.with_overrides(system=system, rpc=rpc)
    if dev:
        config = _with_dev_chain(
            config,
            config_dir,
            app_spec,
            Path(config.resolve_path(config.system.data_path, config_dir)),
        )
    app = load_app(app_spec, config, config_dir)
    if cometbft or config.consensus.engine == "cometbft":
        _start_cometbft(app, cometbft_home, abci_port)
        return
    try:
        app.start()  # open the data path first: a locked or foreign one fails before the banner
        _describe_start(app, dev, throwaway)
        app.run()
    finally:
        if throwaway is not None:
            shutil.rmtree(throwaway, ignore_errors=True)


def _start_cometbft(app: Application, home: str | None, abci_port: int | None) -> None:
    from klayr_py.node.cometbft.runner import run_node

    consensus = app.config.consensus
    if home is not None:
        home_path = Path(home).resolve()
    elif consensus.cometbft_home is not None:
        home_path = app.path(consensus.cometbft_home)
    else:
        raise ConfigError(
            "a CometBFT validator needs its home: --cometbft-home or consensus.cometbftHome"
        )
    run_node(app, home_path, abci_port=abci_port or consensus.abci_port)


def _with_dev_chain(
    config: ApplicationConfig, config_dir: Path, app_spec: str | None, data_path: Path
) -> ApplicationConfig:
    """``config`` with a generated genesis block and keys when it lacks a genesis block."""
    genesis_file = config.resolve_path(config.genesis.block.from_file, config_dir)
    if genesis_file.is_file():
        return config
    folder = data_path.parent / "dev-chain"
    folder.mkdir(parents=True, exist_ok=True)
    genesis_file, keys_file = folder / "genesis_block.blob", folder / "dev-validators.json"
    create_dev_chain(
        load_app(app_spec, config, config_dir), genesis_file=genesis_file, keys_file=keys_file
    )
    return config.with_overrides(
        genesis={"block": {"fromFile": str(genesis_file)}},
        generator={"keys": {"fromFile": str(keys_file)}},
    )


def _describe_start(app: Application, dev: bool, throwaway: Path | None) -> None:
    rpc = app.config.rpc
    click.echo(f"klayr-py: chain {app.config.genesis.chain_id}, data path {app.data_path}")
    if "ipc" in rpc.modes:
        click.echo(f"klayr-py: RPC over IPC at {app.ipc_path}")
        click.echo(
            f"klayr-py: Klayr's ZeroMQ IPC in {sockets_dir(app.data_path)} "
            f"(@klayr/api-client: createIPCClient('{app.data_path}'))"
        )
    if "ws" in rpc.modes:
        click.echo(f"klayr-py: RPC over WebSocket at ws://{rpc.host}:{rpc.port}/rpc-ws")
    if "http" in rpc.modes:
        click.echo(f"klayr-py: RPC over HTTP at http://{rpc.host}:{rpc.port}/rpc")
    if dev:
        click.echo(
            "klayr-py: dev accounts: passphrases 'klayr_py dev account 0', "
            "'klayr_py dev account 1'" + (" (deleted on exit)" if throwaway else "")
        )


@click.group()
def chain() -> None:
    """The node's stored chain (offline: the node must be stopped)."""


@chain.command()
@app_options
@click.option("--data-path", type=click.Path(file_okay=False), help="Override system.dataPath.")
@click.option("--height", type=click.IntRange(min=0), required=True, help="The height to keep.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def revert(
    config_path: str | None, app_spec: str | None, data_path: str | None, height: int, yes: bool
) -> None:
    """Delete the blocks above HEIGHT, reverting their state.

    The node must be stopped (its database is locked while it runs).

    \b
    klayr-py chain revert --height 10 --yes
    """
    app, engine = _open_offline(config_path, app_spec, data_path)
    try:
        last = engine.height
        if height >= last:
            click.echo(f"klayr-py: the chain is at height {last}: nothing to revert")
            return
        if height < engine.genesis_block.header.height:
            raise ConfigError("the genesis block cannot be reverted")
        if not yes:
            click.confirm(f"Delete blocks {height + 1}..{last} of {app.data_path}?", abort=True)
        total = last - height
        if sys.stderr.isatty():
            with click.progressbar(length=total, label="Reverting", file=sys.stderr) as progress:
                while engine.height > height:
                    engine.delete_last_block()
                    progress.update(1)
        else:  # a log or a pipe: click draws no bar there, so count in lines (every 10 %)
            step, done = max(total // 10, 1), 0
            while engine.height > height:
                engine.delete_last_block()
                done += 1
                if done % step == 0 or done == total:
                    click.echo(f"Reverting: {done}/{total} blocks", err=True)
        click.echo(f"klayr-py: reverted to height {engine.height} ({engine.last_block.id.hex()})")
    finally:
        app.close()


@chain.command()
@app_options
@click.option("--data-path", type=click.Path(file_okay=False), help="Override system.dataPath.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def reset(config_path: str | None, app_spec: str | None, data_path: str | None, yes: bool) -> None:
    """Delete every block and all state, back to before genesis.

    The next start applies the configured genesis block afresh: the way back after a new
    genesis block, or to start over. The node must be stopped.

    \b
    klayr-py chain reset --yes          (also: klayr-py blockchain reset)
    """
    config, config_dir = read_config(config_path, required=True)
    if data_path is not None:
        config = config.with_overrides(system={"dataPath": str(Path(data_path).resolve())})
    data = config.resolve_path(config.system.data_path, config_dir)
    databases = [data / name for name in _DATABASES if (data / name).exists()]
    if not databases:
        click.echo(f"klayr-py: no chain at {data}: nothing to reset")
        return
    for database in databases:  # a running node holds the lock: fail before deleting anything
        LevelDB(database).close()
    if not yes:
        click.confirm(f"Delete every block and all state in {data}?", abort=True)
    for database in databases:
        shutil.rmtree(database)
    click.echo(f"klayr-py: reset {data}; the next start begins at the genesis block")


def _open_offline(
    config_path: str | None, app_spec: str | None, data_path: str | None
) -> tuple[Application, Engine]:
    """The application and its started engine over an existing data path (node stopped)."""
    config, config_dir = read_config(config_path, required=True)
    system = {"logLevel": "warn"}  # the modules' start-up chatter would hide the progress
    if data_path is not None:
        system["dataPath"] = str(Path(data_path).resolve())
    config = config.with_overrides(system=system)
    if not config.resolve_path(config.system.data_path, config_dir).is_dir():
        raise ConfigError(f"no chain at {config.system.data_path}")
    app = load_app(app_spec, config, config_dir)
    return app, app.start()


@chain.command("import")
@app_options
@click.option("--data-path", type=click.Path(file_okay=False), help="Override system.dataPath.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
def import_blocks(
    config_path: str | None, app_spec: str | None, data_path: str | None, files: tuple[str, ...]
) -> None:
    """Verify and append blocks produced elsewhere.

    In order; the node must be stopped. Each FILE holds one block: Klayr's JSON (what
    "klayr-py block get" prints) or its
    encoded bytes. A block that fails any check (height, previous block, slot, generator,
    signature, transactions, roots) stops the import; the chain keeps every block before it.

    \b
    klayr-py block get 5 > block5.json     (on another node of the same chain)
    klayr-py chain import block5.json
    """
    app, engine = _open_offline(config_path, app_spec, data_path)
    try:
        bar = click.progressbar(files, label="Importing", file=sys.stderr)
        with bar as progress:
            for file in progress:
                engine.import_block(_read_block(Path(file)))
        click.echo(f"klayr-py: imported to height {engine.height} ({engine.last_block.id.hex()})")
    finally:
        app.close()


def _read_block(file: Path) -> Block:
    data = file.read_bytes()
    try:
        text = data.decode("utf-8").strip()
        if text.startswith("{"):
            value = json.loads(text)
            return Block.from_json(value.get("block", value) if isinstance(value, dict) else value)
        if text and all(c in "0123456789abcdefABCDEF" for c in text):
            return Block.from_bytes(bytes.fromhex(text))
    except UnicodeDecodeError:
        pass
    except (ValueError, KlayrError) as error:
        raise ConfigError(f"{file}: not a block: {error}") from None
    try:
        return Block.from_bytes(data)
    except KlayrError as error:
        raise ConfigError(f"{file}: not a block: {error}") from None
