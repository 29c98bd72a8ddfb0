"""A dev chain in a temp directory for the node tests: default modules + hello."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hello import HelloModule

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA
from klayr_py.node.application import Application
from klayr_py.node.dev import (
    DevAccount,
    dev_accounts,
    dev_genesis_assets,
    native_token_id,
    write_generator_keys,
)
from klayr_py.node.genesis import write_genesis_block

CHAIN_ID = bytes.fromhex("04000000")
TOKEN_ID = native_token_id(CHAIN_ID)
GENESIS_TIMESTAMP = 1_700_000_000
BLOCK_TIME = 10
FEE = 10_000_000
ACCOUNTS = dev_accounts(4)
VALIDATORS = dev_accounts(2, "klayr_py dev validator")
INITIAL_BALANCE = 10**12


def config(tmp: Path, **system: Any) -> dict[str, Any]:
    """Klayr-shaped config of a dev chain whose files live in ``tmp``."""
    return {
        "system": {"dataPath": str(tmp / "data"), "logLevel": "warn", **system},
        "genesis": {
            "block": {"fromFile": str(tmp / "genesis.blob")},
            "chainID": CHAIN_ID.hex(),
            "blockTime": BLOCK_TIME,
        },
        "generator": {"keys": {"fromFile": str(tmp / "keys.json")}},
    }


def make_app(tmp: Path, **system: Any) -> Application:
    """The hello application over ``tmp`` (not started)."""
    app, _ = Application.default_application(config(tmp, **system))
    app.register_module(HelloModule())
    return app


def create_chain(tmp: Path, validators: list[DevAccount] | None = None) -> None:
    """Write the genesis block and the generator keys of a dev chain into ``tmp``."""
    validators = VALIDATORS if validators is None else validators
    app = make_app(tmp)
    assets = dev_genesis_assets(
        CHAIN_ID, validators, [(a.address, INITIAL_BALANCE) for a in ACCOUNTS]
    )
    write_genesis_block(app.create_genesis_block(assets, GENESIS_TIMESTAMP), tmp / "genesis.blob")
    write_generator_keys(tmp / "keys.json", validators)


def hello(
    app: Application, account: DevAccount, nonce: int, message: str, fee: int = FEE
) -> Transaction:
    """A signed hello:createHello."""
    schema = app.state_machine.get_command("hello", "createHello").schema
    return Transaction(
        module="hello",
        command="createHello",
        nonce=nonce,
        fee=fee,
        sender_public_key=account.public_key,
        params=codec.encode(schema, {"message": message}),
    ).sign(CHAIN_ID, account.private_key)


def transfer(
    account: DevAccount, nonce: int, recipient: bytes, amount: int, fee: int = FEE
) -> Transaction:
    """A signed token:transfer of the native token."""
    params = {"tokenID": TOKEN_ID, "amount": amount, "recipientAddress": recipient, "data": ""}
    return Transaction(
        module="token",
        command="transfer",
        nonce=nonce,
        fee=fee,
        sender_public_key=account.public_key,
        params=codec.encode(TRANSFER_PARAMS_SCHEMA, params),
    ).sign(CHAIN_ID, account.private_key)


def slot_timestamp(slot_offset: int) -> int:
    """The timestamp ``slot_offset`` slots after genesis."""
    return GENESIS_TIMESTAMP + slot_offset * BLOCK_TIME
