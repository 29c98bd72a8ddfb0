"""``txpool_dryRunTransaction`` as Klayr's: the last block's header, non-strict by default."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.modules.fee.schemas import GENERATOR_FEE_PROCESSED_SCHEMA
from klayr_py.node.application import Application
from klayr_py.node.engine import Engine
from klayr_py.node.rpc import RpcMethods
from klayr_py.node.rpc.errors import RpcError
from tests.node.dev_chain import (
    ACCOUNTS,
    INITIAL_BALANCE,
    create_chain,
    make_app,
    slot_timestamp,
    transfer,
)

SENDER, RECIPIENT, GENERATOR = ACCOUNTS[0], ACCOUNTS[1], ACCOUNTS[3]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A dev chain one block high whose single validator holds a balance."""
    create_chain(tmp_path, validators=[GENERATOR])
    app: Application = make_app(tmp_path)
    started = app.start()
    assert app.forge(slot_timestamp(1)) is not None
    return started


def test_the_fee_share_goes_to_the_last_blocks_generator(engine: Engine) -> None:
    outcome = engine.dry_run_transaction(transfer(SENDER, 0, RECIPIENT.address, 5))
    assert outcome.result == 1
    processed = next(e for e in outcome.events if e.name == "generatorFeeProcessed")
    data = codec.decode(GENERATOR_FEE_PROCESSED_SCHEMA, processed.data)
    assert data["generatorAddress"] == engine.last_block.header.generator_address
    assert data["generatorAmount"] > 0  # paid, not burnt: that generator has an account
    assert processed.height == engine.last_block.header.height == 1


def test_by_default_only_the_command_is_verified(engine: Engine) -> None:
    future = transfer(SENDER, 7, RECIPIENT.address, 5)  # PENDING in the pool: still executes
    assert engine.dry_run_transaction(future).result == 1
    unsigned = replace(transfer(SENDER, 0, RECIPIENT.address, 5), signatures=())
    assert engine.dry_run_transaction(unsigned).result == 1
    strict = engine.dry_run_transaction(unsigned, strict=True)
    assert strict.result == -1 and strict.events == []
    assert "signature" in strict.error


def test_a_failing_command_verification_stops_it_unless_skipped(engine: Engine) -> None:
    too_much = transfer(SENDER, 0, RECIPIENT.address, INITIAL_BALANCE + 1)
    refused = engine.dry_run_transaction(too_much)
    address = get_klayr32_address_from_address(SENDER.address)
    assert (refused.result, refused.error) == (
        -1,
        f"{address} balance {INITIAL_BALANCE} is not sufficient for {INITIAL_BALANCE + 1}.",
    )
    executed = engine.dry_run_transaction(too_much, skip_verify=True)
    assert executed.result == 0  # the command raised: FAIL, its fee events kept
    assert any(e.name == "generatorFeeProcessed" for e in executed.events)


def test_the_rpc_method_takes_klayrs_strict_and_skip_verify(engine: Engine) -> None:
    methods = RpcMethods(engine, genesis_config={})
    unsigned: Transaction = replace(transfer(SENDER, 0, RECIPIENT.address, 5), signatures=())
    params = {"transaction": unsigned.get_bytes().hex()}
    assert methods.call("txpool_dryRunTransaction", params)["result"] == 1
    strict = methods.call("txpool_dryRunTransaction", {**params, "strict": True})
    assert strict["result"] == -1 and strict["errorMessage"]
    skipped = methods.call("txpool_dryRunTransaction", {**params, "skipVerify": True})
    assert skipped["result"] == 1
    with pytest.raises(RpcError, match="strict must be a boolean"):
        methods.call("txpool_dryRunTransaction", {**params, "strict": "yes"})
