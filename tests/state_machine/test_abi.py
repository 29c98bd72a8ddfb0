"""The ABI: a whole block driven through it gives the executor's roots and events; the one-
open-context rule; commit (atomic, expected root, dry run), revert, finality; committed reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings

from klayr_py.chain import BlockAssets, BlockHeader, Event, Transaction, compute_event_root
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import NotFoundError
from klayr_py.state import PREFIX_DIFF, OffchainStore
from klayr_py.state.keys import SMT_KEY_LENGTH, smt_key
from klayr_py.state_machine import HeaderInfo, NextValidators, TransactionExecutionResult
from klayr_py.state_machine.abi import (
    ABI,
    ABIError,
    AfterTransactionsExecuteRequest,
    BeforeTransactionsExecuteRequest,
    ClearRequest,
    CommitRequest,
    ExecuteTransactionRequest,
    ExecutionContextError,
    FinalizeRequest,
    InitGenesisStateRequest,
    InitRequest,
    InitStateMachineRequest,
    InsertAssetsRequest,
    ProveRequest,
    QueryRequest,
    RevertRequest,
    StateRootMismatchError,
    VerifyAssetsRequest,
    VerifyTransactionRequest,
)
from klayr_py.state_machine.abi_handler import ABIHandler, context_id_of
from klayr_py.state_machine.block_executor import BlockExecutionError
from klayr_py.tree import verify_inclusion_proof

from .kv_module import (
    CHAIN_ID,
    MODE_RAISE,
    EntryStore,
    KvChain,
    KvModule,
    LoudFailingKv,
    genesis_assets,
    header,
    set_entry,
    stored_state,
)
from .test_endpoints import EndpointKvModule
from .test_properties import Op, blocks_strategy, genesis_strategy, to_transactions

OK, FAIL = TransactionExecutionResult.OK, TransactionExecutionResult.FAIL


@dataclass
class Driven:
    """What a driver gathers from the ABI's responses for one block."""

    state_root: bytes
    events: list[Event]
    results: list[TransactionExecutionResult]
    next_validators: NextValidators | None


def abi_chain(module: KvModule | None = None) -> tuple[ABIHandler, KvChain]:
    """An ABI handler over the state of a fresh kv chain (its executor unused)."""
    chain = KvChain(InMemoryDatabase(), [module or KvModule()])
    handler = ABIHandler(chain.machine, chain.state, OffchainStore(InMemoryDatabase()), CHAIN_ID)
    return handler, chain


def drive_genesis(abi: ABI, assets: BlockAssets) -> Driven:
    ctx = abi.init_state_machine(InitStateMachineRequest(header(0))).context_id
    response = abi.init_genesis_state(InitGenesisStateRequest(ctx, assets))
    root = abi.commit(CommitRequest(ctx)).state_root
    abi.clear(ClearRequest())
    return Driven(root, response.events, [], response.next_validators)


def drive_block(
    abi: ABI,
    block_header: BlockHeader,
    assets: BlockAssets,
    transactions: Sequence[Transaction],
    *,
    expected_state_root: bytes | None = None,
) -> Driven:
    """Klayr's import order through the ABI only; commits and clears."""
    ctx = abi.init_state_machine(InitStateMachineRequest(block_header)).context_id
    try:
        abi.verify_assets(VerifyAssetsRequest(ctx, assets))
        events = list(
            abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, assets)).events
        )
        results = []
        for transaction in transactions:
            verification = abi.verify_transaction(VerifyTransactionRequest(transaction, ctx))
            assert verification.is_ok, verification.error
            executed = abi.execute_transaction(
                ExecuteTransactionRequest(transaction, assets, context_id=ctx)
            )
            results.append(executed.result)
            events += executed.events
        after = abi.after_transactions_execute(
            AfterTransactionsExecuteRequest(ctx, assets, transactions)
        )
        events += after.events
        root = abi.commit(CommitRequest(ctx, expected_state_root=expected_state_root)).state_root
    finally:
        abi.clear(ClearRequest())
    return Driven(root, events, results, after.next_validators)


BLOCK_TRANSACTIONS = [
    set_entry(0, 0, b"a", 1),
    set_entry(1, 0, b"b", 2, mode=MODE_RAISE),
    set_entry(0, 1, b"g", remove=True),
]
BLOCK_ASSETS = BlockAssets().with_asset("kv", b"\x01\x02")


def test_a_block_through_the_abi_matches_the_executor() -> None:
    abi, via_abi = abi_chain()
    reference = KvChain(InMemoryDatabase())
    genesis = drive_genesis(abi, genesis_assets([(b"g", 7)]))
    expected_genesis = reference.genesis(genesis_assets([(b"g", 7)]))
    assert genesis.state_root == expected_genesis.state_root
    assert genesis.events == expected_genesis.events

    driven = drive_block(abi, header(1), BLOCK_ASSETS, BLOCK_TRANSACTIONS)
    expected = reference.executor.execute(header(1), BLOCK_ASSETS, BLOCK_TRANSACTIONS)
    reference.executor.commit(expected)
    assert driven.results == expected.results == [OK, FAIL, OK]
    assert driven.events == expected.events
    assert [event.index for event in driven.events] == list(range(len(driven.events)))
    assert compute_event_root(driven.events) == expected.event_root
    assert driven.state_root == expected.state_root == via_abi.state.state_root
    assert stored_state(via_abi.db) == stored_state(reference.db)
    assert via_abi.state.height == 1


def test_one_context_at_a_time() -> None:
    abi, chain = abi_chain()
    drive_genesis(abi, genesis_assets())
    with pytest.raises(ExecutionContextError, match="no execution context is open"):
        abi.before_transactions_execute(
            BeforeTransactionsExecuteRequest(b"\x00" * 32, BlockAssets())
        )
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    assert ctx == context_id_of(header(1))
    with pytest.raises(ExecutionContextError, match="already open"):
        abi.init_state_machine(InitStateMachineRequest(header(1)))
    other = context_id_of(header(2))
    with pytest.raises(ExecutionContextError, match=f"context {other.hex()} is not the open one"):
        abi.verify_assets(VerifyAssetsRequest(other, BlockAssets()))
    with pytest.raises(ExecutionContextError, match="needs a context_id"):
        abi.execute_transaction(ExecuteTransactionRequest(BLOCK_TRANSACTIONS[0]))
    abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, BlockAssets()))
    assert chain.state.has_changes
    abi.clear(ClearRequest())  # drops the block
    assert not chain.state.has_changes and chain.state.height == 0
    drive_block(abi, header(1), BlockAssets(), [])
    assert chain.state.height == 1


def test_a_context_for_the_wrong_height_is_refused() -> None:
    abi, _ = abi_chain()
    drive_genesis(abi, genesis_assets())
    ctx = abi.init_state_machine(InitStateMachineRequest(header(5))).context_id
    with pytest.raises(
        ExecutionContextError, match="height 5 does not follow the committed height 0"
    ):
        abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, BlockAssets()))


def test_a_committed_context_takes_no_more_calls() -> None:
    abi, _ = abi_chain()
    drive_genesis(abi, genesis_assets())
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    abi.commit(CommitRequest(ctx))
    with pytest.raises(ExecutionContextError, match="already used by commit"):
        abi.execute_transaction(ExecuteTransactionRequest(BLOCK_TRANSACTIONS[0], context_id=ctx))
    with pytest.raises(ExecutionContextError, match="already used by commit"):
        abi.commit(CommitRequest(ctx))
    abi.clear(ClearRequest())


def test_a_wrong_expected_root_writes_nothing() -> None:
    abi, chain = abi_chain()
    drive_genesis(abi, genesis_assets())
    before = stored_state(chain.db)
    with pytest.raises(StateRootMismatchError, match=r"stateRoot 0+ != computed"):
        drive_block(
            abi, header(1), BlockAssets(), BLOCK_TRANSACTIONS[:1], expected_state_root=bytes(32)
        )
    assert chain.state.height == 0 and stored_state(chain.db) == before
    assert not chain.state.has_changes  # the driver's clear dropped the block


def test_a_dry_run_commit_computes_the_root_and_the_commit_writes_it_with_the_batch() -> None:
    abi, chain = abi_chain()
    drive_genesis(abi, genesis_assets())
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, BlockAssets()))
    abi.execute_transaction(ExecuteTransactionRequest(BLOCK_TRANSACTIONS[0], context_id=ctx))
    root = abi.commit(CommitRequest(ctx, dry_run=True)).state_root
    assert chain.state.height == 0
    batch = chain.db.new_batch()
    batch.set(b"\xfe block record", b"kept")
    written = abi.commit(CommitRequest(ctx, expected_state_root=root, batch=batch)).state_root
    abi.clear(ClearRequest())
    assert written == root == chain.state.state_root and chain.state.height == 1
    assert chain.db.get(b"\xfe block record") == b"kept"


def test_executing_after_a_dry_run_commit_recomputes_the_root() -> None:
    abi, _ = abi_chain()
    drive_genesis(abi, genesis_assets())
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, BlockAssets()))
    first = abi.commit(CommitRequest(ctx, dry_run=True)).state_root
    abi.execute_transaction(ExecuteTransactionRequest(BLOCK_TRANSACTIONS[0], context_id=ctx))
    second = abi.commit(CommitRequest(ctx)).state_root
    abi.clear(ClearRequest())
    assert first != second


def test_a_raising_hook_names_the_hook_and_block() -> None:
    module = KvModule()
    abi, chain = abi_chain(module)
    drive_genesis(abi, genesis_assets())
    module.raise_in = "before_transactions_execute"
    with pytest.raises(BlockExecutionError, match="before_transactions_execute of block 1 failed"):
        drive_block(abi, header(1), BlockAssets(), [])
    assert chain.state.height == 0 and not chain.state.has_changes


def test_unknown_asset_modules_are_refused() -> None:
    abi, _ = abi_chain()
    drive_genesis(abi, genesis_assets())
    assets = BlockAssets().with_asset("nope", b"")
    with pytest.raises(BlockExecutionError, match=r"verify_assets of block 1 failed.*nope"):
        drive_block(abi, header(1), assets, [])


def test_revert_undoes_the_last_block_and_finalized_blocks_stay() -> None:
    abi, chain = abi_chain()
    genesis_root = drive_genesis(abi, genesis_assets([(b"g", 7)])).state_root
    before = stored_state(chain.db)
    block_root = drive_block(abi, header(1), BlockAssets(), BLOCK_TRANSACTIONS).state_root
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    with pytest.raises(StateRootMismatchError, match="its state root is"):
        abi.revert(RevertRequest(ctx, bytes(32)))
    batch = chain.db.new_batch()
    batch.delete(b"\xfe nothing")
    assert abi.revert(RevertRequest(ctx, block_root, batch)).state_root == genesis_root
    abi.clear(ClearRequest())
    assert chain.state.height == 0 and stored_state(chain.db) == before
    drive_block(abi, header(1), BlockAssets(), [])
    abi.finalize(FinalizeRequest(1))
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    with pytest.raises(ABIError, match="block 1 is final"):
        abi.revert(RevertRequest(ctx, chain.state.state_root))
    abi.clear(ClearRequest())
    with pytest.raises(ABIError, match="above the committed height"):
        abi.finalize(FinalizeRequest(2))
    with pytest.raises(ABIError, match="never goes back"):
        abi.finalize(FinalizeRequest(0))


def test_finalize_moves_the_state_stores_prune_boundary() -> None:
    """A BFT driver's finality is what the state store prunes behind (keep_heights)."""
    abi, chain = abi_chain()
    chain.state.keep_heights = 1
    drive_genesis(abi, genesis_assets())
    for height in (1, 2, 3):
        drive_block(abi, header(height), BlockAssets(), BLOCK_TRANSACTIONS[:1])
    assert chain.state.prune_boundary == -1  # nothing final yet: nothing pruned
    abi.finalize(FinalizeRequest(3))
    assert chain.state.prune_boundary == 2
    drive_block(abi, header(4), BlockAssets(), BLOCK_TRANSACTIONS[1:2])
    assert chain.db.get_or_none(PREFIX_DIFF + (2).to_bytes(4, "big")) is None
    assert chain.db.get_or_none(PREFIX_DIFF + (3).to_bytes(4, "big")) is not None


def test_init_reverts_state_above_the_driver_and_refuses_state_behind_it() -> None:
    abi, chain = abi_chain()
    genesis_root = drive_genesis(abi, genesis_assets()).state_root
    drive_block(abi, header(1), BlockAssets(), BLOCK_TRANSACTIONS[:1])
    with pytest.raises(ABIError, match="driver is at height 3 but the state only at 1"):
        abi.init(InitRequest(3))
    with pytest.raises(StateRootMismatchError):
        abi.init(InitRequest(0, bytes(32)))  # reverts to 0, then finds another root
    response = abi.init(InitRequest(0, genesis_root))
    assert (response.height, response.state_root) == (0, genesis_root)
    assert chain.state.height == 0


def test_reads_without_a_context_see_only_the_committed_state() -> None:
    abi, _ = abi_chain(EndpointKvModule())
    drive_genesis(abi, genesis_assets([(b"a", 1)]))
    at = replace(header(1), timestamp=10)
    set_b = set_entry(0, 0, b"b", 2)

    def committed_b() -> object:
        try:
            return abi.query(QueryRequest("kv_getEntry", {"key": b"b".hex()})).data["value"]
        except NotFoundError:
            return None

    dry = abi.execute_transaction(ExecuteTransactionRequest(set_b, dry_run=True, header=at))
    assert dry.result is OK and any(event.name == "entryChanged" for event in dry.events)
    assert committed_b() is None  # a dry run keeps nothing
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    abi.execute_transaction(ExecuteTransactionRequest(set_b, context_id=ctx))
    assert committed_b() is None  # the open context's entry is not committed
    again = abi.execute_transaction(ExecuteTransactionRequest(set_b, dry_run=True, header=at))
    assert again == dry  # the committed state, not the context's
    assert abi.verify_transaction(VerifyTransactionRequest(set_b, header=HeaderInfo(1, 10))).is_ok
    with pytest.raises(ABIError, match="needs a header"):
        abi.verify_transaction(VerifyTransactionRequest(set_b))
    with pytest.raises(ABIError, match="needs a header"):
        abi.execute_transaction(ExecuteTransactionRequest(set_b, dry_run=True))
    abi.commit(CommitRequest(ctx))
    abi.clear(ClearRequest())
    assert committed_b() == "2"


def test_reads_during_an_open_context_share_one_view_per_committed_state() -> None:
    """CheckTx and queries while a block is open reuse one scratch view of the committed
    state, and a commit (a new committed height and root) gives the next block a fresh one."""
    abi, _ = abi_chain(EndpointKvModule())
    drive_genesis(abi, genesis_assets([(b"a", 1)]))

    def committed_b() -> object:
        try:
            return abi.query(QueryRequest("kv_getEntry", {"key": b"b".hex()})).data["value"]
        except NotFoundError:
            return None

    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    assert committed_b() is None  # read (and cached) through the view of height 0
    abi.execute_transaction(ExecuteTransactionRequest(set_entry(0, 0, b"b", 2), context_id=ctx))
    assert committed_b() is None
    assert abi._committed_state() is abi._committed_state()
    abi.commit(CommitRequest(ctx))
    abi.clear(ClearRequest())
    abi.init_state_machine(InitStateMachineRequest(header(2)))
    assert committed_b() == "2"  # not the cached "absent" of height 0


def test_an_invalid_transaction_fails_verification_without_raising() -> None:
    abi, _ = abi_chain()
    drive_genesis(abi, genesis_assets())
    bad = set_entry(0, 0, b"a", params=b"\xff\xff")
    result = abi.verify_transaction(VerifyTransactionRequest(bad, header=HeaderInfo(1, 0)))
    assert not result.is_ok and result.error is not None
    # The shape is the caller's (pool, CheckTx), as in Klayr; an unknown module still fails.
    misnamed = set_entry(0, 0, b"a", module="not a name")
    result = abi.verify_transaction(VerifyTransactionRequest(misnamed, header=HeaderInfo(1, 0)))
    assert not result.is_ok and result.error is not None


def test_query_calls_endpoints_over_committed_state_and_metadata_is_sorted() -> None:
    module = EndpointKvModule()
    abi, _ = abi_chain(module)
    drive_genesis(abi, genesis_assets([(b"\x01", 42)]))
    ctx = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    abi.insert_assets(InsertAssetsRequest(ctx))
    first = abi.query(QueryRequest("kv_getEntry", {"key": "01"})).data
    second = abi.query(QueryRequest("kv_getEntry", {"key": "01"})).data
    assert first == {"value": "42", "visits": 1} and second["visits"] == 2  # off-chain kept
    with pytest.raises(NotFoundError, match="kv_missing"):
        abi.query(QueryRequest("kv_missing"))
    abi.clear(ClearRequest())
    (metadata,) = abi.get_metadata().modules
    assert metadata["name"] == "kv"
    names = [endpoint["name"] for endpoint in metadata["endpoints"]]
    assert sorted(names) == ["context", "getEntry", "tryEvent", "tryWrite"]


def test_prove_proves_state_keys_under_the_committed_root() -> None:
    abi, chain = abi_chain()
    drive_genesis(abi, genesis_assets([(b"g", 7), (b"h", 8)]))
    keys = sorted(stored_state(chain.db))[:2]
    proof = abi.prove(ProveRequest(keys)).proof
    root = chain.state.state_root
    assert verify_inclusion_proof(root, [smt_key(k) for k in keys], proof, SMT_KEY_LENGTH)
    assert not verify_inclusion_proof(bytes(32), [smt_key(k) for k in keys], proof, SMT_KEY_LENGTH)


def test_a_state_store_with_stray_changes_opens_no_context() -> None:
    abi, chain = abi_chain()
    drive_genesis(abi, genesis_assets())
    chain.kv.stores.get(EntryStore).set(chain.state, b"x", {"value": 1})
    with pytest.raises(ExecutionContextError, match="changes made outside an execution context"):
        abi.init_state_machine(InitStateMachineRequest(header(1)))


@settings(max_examples=40, deadline=None)
@given(genesis=genesis_strategy, blocks=blocks_strategy)
def test_any_blocks_through_the_abi_match_the_executor_and_revert_exactly(
    genesis: dict[bytes, int], blocks: list[list[Op]]
) -> None:
    abi, via_abi = abi_chain()
    reference = KvChain(InMemoryDatabase())
    assets = genesis_assets(sorted(genesis.items()))
    assert drive_genesis(abi, assets).state_root == reference.genesis(assets).state_root
    roots = [via_abi.state.state_root]
    for height, transactions in enumerate(to_transactions(blocks), start=1):
        driven = drive_block(abi, header(height), BlockAssets(), transactions)
        expected = reference.block(transactions)
        assert (driven.state_root, driven.events, driven.results) == (
            expected.state_root,
            expected.events,
            expected.results,
        )
        roots.append(driven.state_root)
    assert stored_state(via_abi.db) == stored_state(reference.db)
    for height in range(len(blocks), 0, -1):  # revert block by block, through the ABI
        ctx = abi.init_state_machine(InitStateMachineRequest(header(height))).context_id
        assert abi.revert(RevertRequest(ctx, roots[height])).state_root == roots[height - 1]
        abi.clear(ClearRequest())
    assert via_abi.state.height == 0 and via_abi.state.state_root == roots[0]


def test_an_invalid_transaction_leaves_none_of_its_events_in_the_context() -> None:
    # Klayr's generator drops an INVALID transaction's whole event queue (no-revert events too):
    # the next transaction's events follow on with no gap in their indices.
    module = LoudFailingKv()
    abi, _ = abi_chain(module)
    drive_genesis(abi, genesis_assets([(b"g", 7)]))
    context = abi.init_state_machine(InitStateMachineRequest(header(1))).context_id
    assets = BlockAssets()
    before = abi.before_transactions_execute(BeforeTransactionsExecuteRequest(context, assets))
    module.raise_in = "after_command_execute"
    invalid = set_entry(0, 0, b"a", 1, module=module.name)
    left_out = abi.execute_transaction(ExecuteTransactionRequest(invalid, assets, context))
    assert left_out.result is TransactionExecutionResult.INVALID
    module.raise_in = None
    valid = set_entry(0, 1, b"b", 2, module=module.name)
    kept = abi.execute_transaction(ExecuteTransactionRequest(valid, assets, context))
    assert kept.result is OK
    first = len(before.events)
    assert [event.index for event in kept.events] == list(range(first, first + len(kept.events)))
