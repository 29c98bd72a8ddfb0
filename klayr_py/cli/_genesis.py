"""``klayr-py genesis create``: a dev genesis block and its validators' keys."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from klayr_py.chain import Block
from klayr_py.cli._common import app_options, echo_json, load_app, read_config
from klayr_py.node import Application, ConfigError
from klayr_py.node.dev import (
    DevAccount,
    dev_accounts,
    dev_genesis_assets,
    native_token_id,
    write_generator_keys,
)
from klayr_py.node.genesis import write_genesis_block

__all__ = ["DEFAULT_BALANCE", "create_dev_chain", "genesis"]

DEFAULT_BALANCE = 10**14
"""Beddows each dev account gets (1,000,000 tokens of 10^8 beddows)."""
ACCOUNT_LABEL = "klayr_py dev account"
VALIDATOR_LABEL = "klayr_py dev validator"


def create_dev_chain(
    app: Application,
    *,
    genesis_file: Path,
    keys_file: Path,
    validators: int = 1,
    accounts: int = 2,
    balance: int = DEFAULT_BALANCE,
    timestamp: int | None = None,
    extra_assets: dict[str, Any] | None = None,
) -> tuple[Block, list[DevAccount], list[DevAccount]]:
    """Write a genesis block of ``app``'s modules (validators and accounts from the public dev
    passphrases) and the validators' generator keys."""
    if validators < 1:
        raise ConfigError("a chain needs at least one validator")
    chain_id = app.config.genesis.chain_id_bytes
    validator_accounts = dev_accounts(validators, VALIDATOR_LABEL)
    funded = dev_accounts(accounts, ACCOUNT_LABEL)
    names = {module.name for module in app.modules}
    assets: dict[str, Any] = {
        name: data
        for name, data in dev_genesis_assets(
            chain_id, validator_accounts, [(a.address, balance) for a in funded]
        ).items()
        if name in names
    }
    for name, asset in (extra_assets or {}).items():
        if name not in names:
            raise ConfigError(f"genesis assets: the application has no module {name!r}")
        assets[name] = asset
    if timestamp is None:
        block_time = app.config.genesis.block_time
        timestamp = int(time.time()) // block_time * block_time
    block = app.create_genesis_block(assets, timestamp)
    write_genesis_block(block, genesis_file)
    write_generator_keys(keys_file, validator_accounts)
    return block, validator_accounts, funded


def _account_json(account: DevAccount) -> dict[str, str]:
    return {
        "address": account.klayr32_address,
        "passphrase": account.passphrase,
        "publicKey": account.public_key.hex(),
    }


@click.group()
def genesis() -> None:
    """Genesis blocks."""


@genesis.command("create")
@app_options
@click.option("--validators", default=1, show_default=True, help="Dev validators (forge in turn).")
@click.option("--accounts", default=2, show_default=True, help="Funded dev accounts.")
@click.option(
    "--balance",
    default=DEFAULT_BALANCE,
    show_default=True,
    help="Native tokens (beddows) per account.",
)
@click.option("--timestamp", type=int, help="Genesis timestamp (s) [default: now].")
@click.option(
    "--assets",
    "assets_file",
    type=click.Path(dir_okay=False, exists=True),
    help="JSON {module: asset} with more genesis assets in Klayr's JSON shape.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Genesis block file (.blob binary, .json Klayr JSON) [default: genesis.block.fromFile].",
)
@click.option(
    "--keys-output",
    type=click.Path(dir_okay=False),
    help="Validators' generator keys [default: generator.keys.fromFile, else "
    "./config/dev-validators.json].",
)
@click.option(
    "--force", is_flag=True, help="Overwrite an existing genesis block or keys file."
)
def create(
    config_path: str | None,
    app_spec: str | None,
    validators: int,
    accounts: int,
    balance: int,
    timestamp: int | None,
    assets_file: str | None,
    output: str | None,
    keys_output: str | None,
    force: bool,
) -> None:
    """Create a dev genesis block from the application's modules.

    Validators and accounts come from public passphrases ("klayr_py dev validator 0",
    "klayr_py dev account 0" ...): for development only. Prints the genesis block ID.

    \b
    klayr-py genesis create --validators 2 --accounts 3 --output config/genesis_block.blob
    """
    config, config_dir = read_config(config_path, required=False)
    app = load_app(app_spec, config, config_dir)
    extra: dict[str, Any] = {}
    if assets_file:
        try:
            extra = json.loads(Path(assets_file).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ConfigError(f"{assets_file}: not valid JSON ({error.msg})") from None
        if not isinstance(extra, dict):
            raise ConfigError(f"{assets_file}: expected an object {{module: asset}}")
    genesis_file = Path(output) if output else app.path(config.genesis.block.from_file)
    if keys_output:
        keys_file = Path(keys_output)
    elif config.generator.keys.from_file:
        keys_file = app.path(config.generator.keys.from_file)
    else:
        keys_file = Path("config") / "dev-validators.json"
    existing = [str(file) for file in (genesis_file, keys_file) if file.exists()]
    if existing and not force:
        raise ConfigError(
            f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: a new "
            "genesis block starts a new chain (a data directory of the old one will not start "
            "with it); give --force to overwrite, or --output/--keys-output elsewhere"
        )
    block, validator_accounts, funded = create_dev_chain(
        app,
        genesis_file=genesis_file,
        keys_file=keys_file,
        validators=validators,
        accounts=accounts,
        balance=balance,
        timestamp=timestamp,
        extra_assets=extra,
    )
    echo_json(
        {
            "genesisBlockID": block.id.hex(),
            "chainID": config.genesis.chain_id,
            "timestamp": block.header.timestamp,
            "output": str(genesis_file),
            "keysOutput": str(keys_file),
            "tokenID": native_token_id(config.genesis.chain_id_bytes).hex(),
            "validators": [_account_json(a) for a in validator_accounts],
            "accounts": [{**_account_json(a), "balance": str(balance)} for a in funded],
        }
    )
