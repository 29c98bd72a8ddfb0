"""The read side: RPC methods need nothing of the engine but it (and posting); reads see the
committed block only, wait for a block in progress, and decode events from the metadata."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from klayr_py.chain import BlockAssets
from klayr_py.errors import NotFoundError
from klayr_py.node.engine import Engine
from klayr_py.node.rpc.methods import RpcMethods, decoded_event_json
from klayr_py.state_machine.abi import (
    BeforeTransactionsExecuteRequest,
    ClearRequest,
    ExecuteTransactionRequest,
    InitStateMachineRequest,
)
from klayr_py.state_machine.state_machine import TransactionExecutionResult
from tests.node.dev_chain import ACCOUNTS, create_chain, hello, make_app, slot_timestamp


@pytest.fixture
def chain_dir(tmp_path: Path) -> Path:
    create_chain(tmp_path)
    return tmp_path


def _get_hello(engine: Engine) -> Any:
    return engine.reads.call_endpoint("hello_getHello", {"address": ACCOUNTS[0].klayr32_address})


def test_rpc_methods_use_only_the_read_side_and_posting(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    app.forge(slot_timestamp(1))
    # Only what RpcMethods may touch: an engine internal it reached for would be missing here.
    facade = SimpleNamespace(reads=engine.reads, add_transaction=engine.add_transaction)
    methods = RpcMethods(cast(Engine, facade), genesis_config={})
    info = methods.call("system_getNodeInfo", {})
    assert info["height"] == 1 and info["unconfirmedTransactions"] == 0
    assert [m["name"] for m in methods.call("system_getMetadata", {})["modules"]] == [
        "auth",
        "fee",
        "hello",
        "token",
        "validators",
    ]
    assert methods.call("chain_getBlockByHeight", {"height": 1}) == engine.last_block.to_json()
    assert methods.call("chain_getBlocksByHeightBetween", {"from": 0, "to": 1})[1]["header"]
    tx = hello(app, ACCOUNTS[0], 0, "through the read side")
    assert (
        methods.call("txpool_dryRunTransaction", {"transaction": tx.get_bytes().hex()})["result"]
        == 1
    )
    posted = methods.call("txpool_postTransaction", {"transaction": tx.get_bytes().hex()})
    assert posted == {"transactionId": tx.id.hex()}
    assert [t["id"] for t in methods.call("txpool_getTransactionsFromPool", {})] == [tx.id.hex()]
    assert "hello_getHello" in methods.names()
    block = app.forge(slot_timestamp(2))
    assert block is not None and block.transactions == (tx,)
    assert methods.call("hello_getHello", {"address": ACCOUNTS[0].klayr32_address}) == {
        "message": "through the read side"
    }
    assert methods.call("chain_getTransactionByID", {"id": tx.id.hex()})["id"] == tx.id.hex()
    app.close()


def test_events_decode_by_the_metadata_and_the_standard_event_stays_hex(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    engine.add_transaction(hello(app, ACCOUNTS[0], 0, "decoded"))
    app.forge(slot_timestamp(1))
    decoded = {
        (e.module, e.name): decoded_event_json(engine, e) for e in engine.reads.get_events(1)
    }
    assert decoded[("hello", "newHello")]["data"]["message"] == "decoded"
    assert isinstance(decoded[("hello", "commandExecutionResult")]["data"], str)
    app.close()


def test_reads_never_see_the_open_context(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    abi = engine.abi
    tx = hello(app, ACCOUNTS[0], 0, "not committed")
    last = engine.last_block.header
    header = replace(last, height=1, timestamp=slot_timestamp(1))
    ctx = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    try:
        abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, BlockAssets()))
        executed = abi.execute_transaction(ExecuteTransactionRequest(tx, context_id=ctx))
        assert executed.result is TransactionExecutionResult.OK
        with pytest.raises(NotFoundError):
            _get_hello(engine)  # the hello exists only in the open context
        assert engine.reads.verify_transaction(tx).is_ok  # nonce 0 is still the committed one
        assert engine.reads.dry_run_transaction(tx).result == 1
    finally:
        abi.clear(ClearRequest())
    assert engine.height == 0
    app.close()


def test_state_reads_from_another_thread_wait_for_the_block_in_progress(
    chain_dir: Path,
) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    engine.add_transaction(hello(app, ACCOUNTS[0], 0, "after the block"))
    answers: list[Any] = []
    reader = threading.Thread(target=lambda: answers.append(_get_hello(engine)))
    with engine.lock:  # as the generator holds it around a block
        reader.start()
        reader.join(timeout=0.3)
        assert reader.is_alive() and answers == []  # waiting, not reading a half-made block
        app.forge(slot_timestamp(1))  # the same thread re-enters the lock
    reader.join(timeout=10)
    assert answers == [{"message": "after the block"}]
    app.close()
