"""``klayr-py testnet``: a local network of CometBFT validators (docs/network.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from klayr_py.cli._common import app_options, echo_json, load_app, read_config
from klayr_py.cli._genesis import DEFAULT_BALANCE, create_dev_chain
from klayr_py.node import ConfigError
from klayr_py.node.cometbft.binary import require_cometbft
from klayr_py.node.cometbft.local_network import start_network, stop_network
from klayr_py.node.cometbft.testnet import TestnetLayout, write_testnet

__all__ = ["testnet"]


@click.group(
    invoke_without_command=True, short_help="Create, start and stop a local network of validators."
)
@app_options
@click.option("--validators", default=4, show_default=True, type=click.IntRange(1, 50))
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="The network's folder.")
@click.option("--accounts", default=2, show_default=True, help="Funded dev accounts.")
@click.option("--base-port", default=27000, show_default=True, type=click.IntRange(1024, 65000))
@click.option(
    "--timeout-commit",
    default="1s",
    show_default=True,
    help="CometBFT's pause after each block (sets the block interval).",
)
@click.option(
    "--timeout-propose",
    default="3s",
    show_default=True,
    help="How long CometBFT waits for a proposal (a stopped proposer costs this much).",
)
@click.option("--timestamp", type=int, help="Genesis timestamp (s) [default: now].")
@click.pass_context
def testnet(
    ctx: click.Context,
    config_path: str | None,
    app_spec: str | None,
    validators: int,
    directory: str | None,
    accounts: int,
    base_port: int,
    timeout_commit: str,
    timeout_propose: str,
    timestamp: int | None,
) -> None:
    """Create a local network of VALIDATORS CometBFT validators in DIR.

    Writes one Klayr genesis block (dev validators, funded dev accounts as `genesis create`),
    a CometBFT home and Klayr config per node, and DIR/network.json with each node's start
    command. Start each node with its "start" argv (or `klayr-py start --cometbft ...`).

    \b
    klayr-py testnet --validators 4 --dir ./net --app examples/hello_module/app.py
    klayr-py testnet start --dir ./net              # every node, detached
    klayr-py testnet stop --dir ./net
    """
    if ctx.invoked_subcommand is not None:
        return
    if directory is None:
        raise click.UsageError("Missing option '--dir'.")
    target = Path(directory).resolve()
    if (target / "network.json").exists():
        raise ConfigError(f"{target} already holds a network (network.json): choose another")
    config, config_dir = read_config(config_path, required=False)
    spec = app_spec if app_spec is not None else ("app.py" if Path("app.py").is_file() else None)
    if spec is not None:  # the nodes start from any directory: a file path must be absolute
        app_file, colon, function = spec.partition(":")
        if app_file.endswith(".py"):
            spec = str(Path(app_file).resolve()) + colon + function
    app = load_app(spec, config, config_dir)
    block, validator_accounts, _ = create_dev_chain(
        app,
        genesis_file=target / "genesis.blob",
        keys_file=target / "dev-validators.json",
        validators=validators,
        accounts=accounts,
        balance=DEFAULT_BALANCE,
        timestamp=timestamp,
    )
    base = json.loads(json.dumps(config.model_dump(by_alias=True, exclude_none=True)))
    base.pop("system", None)
    base.pop("rpc", None)
    base.pop("generator", None)
    base.pop("plugins", None)
    layout = TestnetLayout(
        directory=target,
        validators=validators,
        base_port=base_port,
        app_spec=spec,
        consensus={"timeout_commit": timeout_commit, "timeout_propose": timeout_propose},
    )
    network = write_testnet(
        layout,
        cometbft=require_cometbft(),
        genesis=block,
        chain_id=config.genesis.chain_id,
        validators=validator_accounts,
        base_config=base,
    )
    echo_json(network)


@testnet.command("start", short_help="Start every node of the network in DIR, detached.")
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False))
def start_nodes(directory: str) -> None:
    """Start every node of the network in DIR (detached; logs in DIR/<node>.log)."""
    echo_json(start_network(Path(directory).resolve()))


@testnet.command("stop", short_help="Stop the nodes that testnet start started in DIR.")
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False))
def stop_nodes(directory: str) -> None:
    """Stop the nodes `testnet start` started in DIR (SIGTERM, then wait)."""
    echo_json({"stopped": stop_network(Path(directory).resolve())})
