"""The default modules wired as Klayr wires them: a new account costs the initialisation fee.

Klayr's ``defaultApplication`` gives the token module the fee method, so a transfer that creates
the recipient's account charges ``userAccountInitializationFee`` (5,000,000 beddows) out of the
transaction's fee: a fee that does not cover it fails the transaction (``fee:insufficientFee``,
no account, the whole fee burnt); one that covers it has it burnt with the minimum fee.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from klayr_py import codec
from klayr_py.chain import Event
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key, get_klayr32_address_from_address
from klayr_py.modules.fee.schemas import GENERATOR_FEE_PROCESSED_SCHEMA
from klayr_py.node.application import Application
from klayr_py.node.engine import Engine
from klayr_py.testing import BlockProcessingEnv
from tests.node.dev_chain import (
    ACCOUNTS,
    INITIAL_BALANCE,
    TOKEN_ID,
    create_chain,
    make_app,
    slot_timestamp,
    transfer,
)

INIT_FEE = 5_000_000
MIN_FEE_PER_BYTE = 1000
SENDER, GENERATOR = ACCOUNTS[0], ACCOUNTS[3]
NEW_ADDRESS = get_address_from_public_key(
    ed.get_private_and_public_key_from_passphrase("never funded").public_key
)


def _min_fee(fee: int) -> int:
    """The minimum fee of the 1-beddows transfer to ``NEW_ADDRESS`` carrying ``fee``."""
    return MIN_FEE_PER_BYTE * len(transfer(SENDER, 0, NEW_ADDRESS, 1, fee).get_bytes())


def _balance(engine: Engine, address: bytes) -> int | None:
    """``address``'s available native balance, ``None`` without an account."""
    params = {"address": get_klayr32_address_from_address(address), "tokenID": TOKEN_ID.hex()}
    if not engine.call_endpoint("token_hasUserAccount", params)["exists"]:
        return None
    return int(engine.call_endpoint("token_getBalance", params)["availableBalance"])


def _supply(engine: Engine) -> int:
    supply = engine.call_endpoint("token_getTotalSupply", {})["totalSupply"]
    return sum(int(entry["totalSupply"]) for entry in supply if entry["tokenID"] == TOKEN_ID.hex())


def _fee_split(events: list[Event]) -> tuple[int, int]:
    """(burnt, to the generator) from the block's ``fee:generatorFeeProcessed``."""
    processed = next(e for e in events if e.name == "generatorFeeProcessed")
    data = codec.decode(GENERATOR_FEE_PROCESSED_SCHEMA, processed.data)
    return data["burntAmount"], data["generatorAmount"]


@pytest.fixture
def app(tmp_path: Path) -> Application:
    """The default application (plus hello), started; its one validator holds a balance."""
    create_chain(tmp_path, validators=[GENERATOR])
    application = make_app(tmp_path)
    application.start()
    return application


def _engine(app: Application) -> Engine:
    assert app.engine is not None
    return app.engine


def _forge_transfer_to_new_account(app: Application, fee: int) -> tuple[Engine, list[Event]]:
    engine = _engine(app)
    assert engine.add_transaction(transfer(SENDER, 0, NEW_ADDRESS, 1, fee)).accepted
    block = app.forge(slot_timestamp(1))
    assert block is not None and len(block.transactions) == 1
    return engine, engine.storage.get_events(1)


def test_a_fee_short_of_the_initialisation_fee_fails_the_transfer(app: Application) -> None:
    fee = _min_fee(10**7) + INIT_FEE - 1
    supply_before = _supply(_engine(app))
    engine, events = _forge_transfer_to_new_account(app, fee)
    names = [f"{event.module}:{event.name}" for event in events]
    assert "fee:insufficientFee" in names
    assert "token:initializeUserAccount" not in names
    result = next(e for e in events if e.name == "commandExecutionResult")
    assert result.data == b"\x08\x00"  # {success: false}
    assert _balance(engine, NEW_ADDRESS) is None
    assert _balance(engine, SENDER.address) == INITIAL_BALANCE - fee
    assert _fee_split(events) == (fee, 0)  # the whole fee is burnt
    assert _balance(engine, GENERATOR.address) == INITIAL_BALANCE
    assert _supply(engine) == supply_before - fee


def test_a_covering_fee_burns_the_initialisation_fee_with_the_minimum_fee(
    app: Application,
) -> None:
    fee = _min_fee(10**7) + INIT_FEE + 1234
    min_fee = _min_fee(fee)
    supply_before = _supply(_engine(app))
    engine, events = _forge_transfer_to_new_account(app, fee)
    result = next(e for e in events if e.name == "commandExecutionResult")
    assert result.data == b"\x08\x01"
    assert _balance(engine, NEW_ADDRESS) == 1
    assert _fee_split(events) == (min_fee + INIT_FEE, 1234)
    assert _balance(engine, GENERATOR.address) == INITIAL_BALANCE + 1234
    assert _supply(engine) == supply_before - min_fee - INIT_FEE


def test_the_testing_environment_charges_the_initialisation_fee() -> None:
    with BlockProcessingEnv() as env:
        sender = env.accounts[0]
        params = {"tokenID": env.token_id, "amount": 1, "recipientAddress": NEW_ADDRESS, "data": ""}
        probe = env.transaction("token", "transfer", params, account=sender)
        fee = MIN_FEE_PER_BYTE * len(probe.get_bytes()) + INIT_FEE - 1
        block = env.process_block([env.transaction("token", "transfer", params, fee=fee)])
        names = [f"{e.module}:{e.name}" for e in env.events(block.header.height)]
        assert "fee:insufficientFee" in names
        assert "token:initializeUserAccount" not in names
