"""BlockExecutor: genesis, whole blocks in Klayr's order, roots, invalid blocks, commit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import BlockAssets, compute_event_root, compute_transaction_root
from klayr_py.db import InMemoryDatabase, LevelDB
from klayr_py.errors import StateError
from klayr_py.modules import BaseModule
from klayr_py.state_machine import TransactionExecutionResult
from klayr_py.state_machine.block_executor import BlockExecutionError

from .kv_module import (
    EMPTY_HASH,
    HOOK_EVENT_SCHEMA,
    MODE_RAISE,
    PARAMS,
    KvChain,
    KvModule,
    LoudFailingKv,
    genesis_assets,
    header,
    set_entry,
    stored_state,
)

OK, FAIL = TransactionExecutionResult.OK, TransactionExecutionResult.FAIL
TOO_LONG_KEY = codec.encode(
    PARAMS.schema, {"key": b"123456789", "value": 1, "remove": False, "mode": 0}
)


@pytest.fixture
def chain() -> KvChain:
    chain = KvChain(InMemoryDatabase())
    chain.genesis(genesis_assets([(b"g", 7)]))
    return chain


# --- genesis ------------------------------------------------------------------------------------


def test_genesis_runs_init_for_every_module_then_finalize() -> None:
    log: list[str] = []

    class Logged(KvModule):
        def init_genesis_state(self, ctx: Any) -> None:
            log.append(f"init:{self.name}")
            ctx.event_queue.add(self.name, "init", b"")

        def finalize_genesis_state(self, ctx: Any) -> None:
            log.append(f"finalize:{self.name}")
            ctx.event_queue.add(self.name, "finalize", b"")

    class FirstModule(Logged):
        pass

    class SecondModule(Logged):
        pass

    chain = KvChain(InMemoryDatabase(), [SecondModule(), FirstModule()])
    result = chain.genesis(BlockAssets())
    assert log == ["init:second", "init:first", "finalize:second", "finalize:first"]
    assert [(e.module, e.name, e.topics, e.index) for e in result.events] == [
        ("second", "init", (b"\x00",), 0),
        ("first", "init", (b"\x00",), 1),
        ("second", "finalize", (b"\x01",), 2),
        ("first", "finalize", (b"\x01",), 3),
    ]
    assert result.height == 0 and result.results == []
    assert result.transaction_root == EMPTY_HASH
    assert result.event_root == compute_event_root(result.events)


def test_genesis_writes_state_from_the_genesis_assets(chain: KvChain) -> None:
    assert chain.entries() == {b"g": 7}
    assert chain.state.height == 0
    assert chain.state.state_root != EMPTY_HASH


def test_a_failing_genesis_raises_and_discards() -> None:
    module = KvModule()
    module.raise_in = "finalize_genesis_state"
    chain = KvChain(InMemoryDatabase(), [module])
    with pytest.raises(BlockExecutionError, match="genesis block failed"):
        chain.genesis(genesis_assets([(b"g", 7)]))
    assert not chain.state.has_changes
    assert chain.state.height == -1


# --- blocks -------------------------------------------------------------------------------------


def test_a_block_executes_in_order_and_returns_its_roots(chain: KvChain) -> None:
    transactions = [
        set_entry(0, 0, b"a", 1),
        set_entry(1, 0, b"b", 2, mode=MODE_RAISE),
        set_entry(0, 1, b"g", remove=True),
    ]
    assets = BlockAssets().with_asset("kv", b"\x01\x02")
    result = chain.executor.execute(header(1), assets, transactions)
    assert result.results == [OK, FAIL, OK]
    assert result.height == 1
    assert result.transaction_root == compute_transaction_root(transactions)
    assert result.asset_root == assets.get_root()
    assert result.event_root == compute_event_root(result.events)
    assert [e.index for e in result.events] == list(range(len(result.events)))
    assert all(e.height == 1 for e in result.events)
    phases = [
        codec.decode(HOOK_EVENT_SCHEMA, e.data)["phase"] for e in result.events if e.name == "hook"
    ]
    assert phases == ["before", "after"] * 3 + ["afterTransactions"]
    assert result.state_root == result.pending.state_root  # type: ignore[union-attr]
    # Nothing is written before commit.
    assert chain.state.height == 0
    chain.executor.commit(result)
    assert chain.state.height == 1 and chain.state.state_root == result.state_root
    assert chain.entries() == {b"a": 1}


def test_an_empty_block_still_runs_the_block_hooks(chain: KvChain) -> None:
    result = chain.block([])
    assert result.results == []
    assert [e.topics for e in result.events] == [(b"\x03",)]
    assert result.transaction_root == EMPTY_HASH


@pytest.mark.parametrize(
    "bad",
    [
        set_entry(0, 0, b"x", params=b"\xff"),  # undecodable params
        set_entry(0, 0, b"x", module="nope"),  # unknown module
        set_entry(0, 0, b"x", command="nope"),  # unknown command
        set_entry(0, 0, b"", params=TOO_LONG_KEY),  # key over maxLength 8
    ],
    ids=["undecodable", "unknown-module", "unknown-command", "schema"],
)
def test_a_transaction_failing_verification_invalidates_the_block(chain: KvChain, bad: Any) -> None:
    root, height = chain.state.state_root, chain.state.height
    with pytest.raises(BlockExecutionError, match=bad.id.hex()):
        chain.execute([set_entry(0, 0, b"ok", 1), bad])
    assert not chain.state.has_changes
    assert (chain.state.state_root, chain.state.height) == (root, height)
    # The same height can be executed again, without the bad transaction.
    assert chain.block([set_entry(0, 0, b"ok", 1)]).results == [OK]
    assert chain.entries() == {b"g": 7, b"ok": 1}


@pytest.mark.parametrize(
    "hook",
    [
        "before_command_execute",
        "after_command_execute",
        "before_transactions_execute",
        "after_transactions_execute",
    ],
)
def test_a_raising_block_or_transaction_hook_invalidates_the_block(
    chain: KvChain, hook: str
) -> None:
    root = chain.state.state_root
    chain.kv.raise_in = hook
    with pytest.raises(BlockExecutionError, match=r"invalid|failed"):
        chain.execute([set_entry(0, 0, b"a", 1)])
    assert not chain.state.has_changes and chain.state.state_root == root
    chain.kv.raise_in = None
    assert chain.block([set_entry(0, 0, b"a", 1)]).results == [OK]


def test_assets_of_an_unregistered_module_invalidate_the_block(chain: KvChain) -> None:
    with pytest.raises(BlockExecutionError, match="Module ghost is not registered"):
        chain.executor.execute(header(1), BlockAssets().with_asset("ghost", b""), [])
    assert not chain.state.has_changes


def test_a_raising_verify_assets_invalidates_the_block(chain: KvChain) -> None:
    class Strict(BaseModule):
        def verify_assets(self, ctx: Any) -> None:
            if ctx.assets.get_asset("strict") is None:
                raise ValueError("strict asset missing")

    chain = KvChain(InMemoryDatabase(), [KvModule(), Strict()])
    chain.genesis()
    with pytest.raises(BlockExecutionError, match="strict asset missing"):
        chain.execute([])
    result = chain.executor.execute(header(1), BlockAssets().with_asset("strict", b""), [])
    assert result.results == []


def test_verify_roots_accepts_matching_roots_and_discards_on_mismatch(chain: KvChain) -> None:
    result = chain.execute([set_entry(0, 0, b"a", 1)])
    good = replace(
        header(1),
        state_root=result.state_root,
        event_root=result.event_root,
        transaction_root=result.transaction_root,
        asset_root=result.asset_root,
    )
    chain.executor.verify_roots(good, result)
    chain.executor.commit(result)

    result = chain.execute([set_entry(0, 1, b"b", 2)])
    wrong = replace(
        header(2),
        state_root=bytes(32),
        event_root=result.event_root,
        transaction_root=result.transaction_root,
        asset_root=bytes(32),
    )
    with pytest.raises(BlockExecutionError, match=r"stateRoot .* assetRoot"):
        chain.executor.verify_roots(wrong, result)
    assert not chain.state.has_changes and chain.state.height == 1


def test_a_block_at_the_wrong_height_is_refused_before_any_hook_runs(chain: KvChain) -> None:
    for height in (0, 2, 5):
        with pytest.raises(BlockExecutionError, match=f"block height {height} does not follow"):
            chain.executor.execute(header(height), BlockAssets(), [set_entry(0, 0, b"x", 1)])
    with pytest.raises(BlockExecutionError, match="does not follow"):
        chain.executor.execute_genesis(header(0), genesis_assets())
    assert not chain.state.has_changes
    assert chain.kv.trace.calls == ["init_genesis_state", "finalize_genesis_state"]
    assert chain.block([]).height == 1


def test_a_block_over_uncommitted_changes_is_refused_until_they_are_discarded(
    chain: KvChain,
) -> None:
    executed = chain.execute([set_entry(0, 0, b"a", 1)])
    with pytest.raises(BlockExecutionError, match="neither committed nor discarded"):
        chain.execute([set_entry(0, 0, b"b", 1)])
    chain.executor.discard()
    assert not chain.state.has_changes
    with pytest.raises(StateError, match="stale"):
        chain.executor.commit(executed)
    result = chain.block([set_entry(0, 0, b"b", 1)])
    assert result.height == 1 and chain.entries() == {b"g": 7, b"b": 1}


def test_a_result_commits_once(chain: KvChain) -> None:
    result = chain.execute([])
    chain.executor.commit(result)
    with pytest.raises(BlockExecutionError, match="already committed"):
        chain.executor.commit(result)


def test_commit_writes_the_callers_batch_in_the_same_write(chain: KvChain) -> None:
    result = chain.execute([set_entry(0, 0, b"a", 1)])
    batch = chain.db.new_batch()
    batch.set(b"\x03block", b"bytes of block 1")
    chain.executor.commit(result, batch)
    assert chain.db.get(b"\x03block") == b"bytes of block 1"
    assert chain.state.height == 1


def test_blocks_over_leveldb_survive_reopening(tmp_path: Any) -> None:
    path = str(tmp_path / "state")
    with LevelDB(path) as db:
        chain = KvChain(db)
        chain.genesis(genesis_assets([(b"g", 1)]))
        chain.block([set_entry(0, 0, b"a", 1), set_entry(0, 1, b"b", 2, mode=MODE_RAISE)])
        root, contents = chain.state.state_root, stored_state(db)
    with LevelDB(path) as db:
        chain = KvChain(db)
        assert chain.state.height == 1 and chain.state.state_root == root
        assert stored_state(db) == contents
        assert chain.block([set_entry(0, 2, b"c", 3)]).results == [OK]
        assert chain.entries() == {b"g": 1, b"a": 1, b"c": 3}


# --- generation ---------------------------------------------------------------------------------


class _Offer:
    """A selector offering fixed transactions and recording what became of them."""

    def __init__(self, transactions: list[Any]) -> None:
        self.transactions = transactions
        self.kept: list[Any] = []
        self.left_out: list[tuple[Any, str]] = []

    def __iter__(self) -> Any:
        return iter(self.transactions)

    def accepted(self, transaction: Any) -> None:
        self.kept.append(transaction)

    def rejected(self, transaction: Any, reason: str) -> None:
        self.left_out.append((transaction, reason))


def test_a_transaction_left_out_as_invalid_leaves_none_of_its_events() -> None:
    # Klayr's generator drops an INVALID transaction's whole event queue, no-revert events too.
    module = LoudFailingKv()
    chain = KvChain(InMemoryDatabase(), [module])
    chain.genesis()
    module.raise_in = "after_command_execute"
    invalid = set_entry(0, 0, b"a", 1, module=module.name)
    offer = _Offer([invalid])
    result, kept = chain.executor.generate(header(1), BlockAssets(), offer)
    assert kept == [] and [t for t, _ in offer.left_out] == [invalid]
    assert [event.name for event in result.events] == ["hook"]  # afterTransactions only
    assert [event.index for event in result.events] == [0]
