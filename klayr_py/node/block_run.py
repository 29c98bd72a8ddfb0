"""Running one block through the ABI in Klayr's order, and its roots.

verify_assets -> before_transactions_execute -> for each transaction the selector offers:
verify_transaction then execute_transaction -> after_transactions_execute -> the event,
transaction and asset roots here, the state root from the ABI's dry-run commit. Generation and
import differ only in the selector: import takes every transaction or refuses the block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from klayr_py.chain import BlockAssets, BlockHeader, Event, Transaction
from klayr_py.chain.roots import compute_transaction_root, start_event_root
from klayr_py.contexts.hooks import NextValidators
from klayr_py.interfaces import TransactionSelector
from klayr_py.node.event_root_worker import STREAM_BATCH, EventRootWorker
from klayr_py.state_machine.abi import (
    ABI,
    AfterTransactionsExecuteRequest,
    BeforeTransactionsExecuteRequest,
    CommitRequest,
    ExecuteTransactionRequest,
    VerifyAssetsRequest,
    VerifyTransactionRequest,
)
from klayr_py.state_machine.block_executor import AllTransactions, rejection_reason
from klayr_py.state_machine.block_executor import check_roots as check_header_roots
from klayr_py.state_machine.state_machine import TransactionExecutionResult

__all__ = ["AllTransactions", "BlockOutcome", "check_roots", "run_block"]


@dataclass(slots=True)
class BlockOutcome:
    """A block executed in the open context, not yet committed: what its header must hold."""

    transactions: list[Transaction]
    """The transactions kept, in order."""
    results: list[TransactionExecutionResult]
    events: list[Event]
    next_validators: NextValidators | None
    state_root: bytes
    event_root: bytes
    transaction_root: bytes
    asset_root: bytes
    rejections: list[tuple[Transaction, str]] = field(default_factory=list)


def run_block(
    abi: ABI,
    context_id: bytes,
    assets: BlockAssets,
    selector: TransactionSelector,
    event_root_worker: EventRootWorker | None = None,
) -> BlockOutcome:
    """The block hooks over the transactions ``selector`` offers, in the open context.

    A transaction that fails verification, or whose hooks around the command raise (INVALID),
    is reported to ``selector.rejected`` (its changes already rolled back); a transaction whose
    command raises is kept as FAIL, as in Klayr. The caller clears the context on any error.
    """
    kept: list[Transaction] = []
    results: list[TransactionExecutionResult] = []
    worker = event_root_worker
    if worker is not None:
        worker.begin()
    abi.verify_assets(VerifyAssetsRequest(context_id, assets))
    events = abi.before_transactions_execute(
        BeforeTransactionsExecuteRequest(context_id, assets)
    ).events
    shipped = 0  # events sent to the worker: each response's events are final
    for transaction in selector:
        verification = abi.verify_transaction(VerifyTransactionRequest(transaction, context_id))
        if not verification.is_ok:
            selector.rejected(transaction, f"is not valid: {rejection_reason(verification)}")
            continue
        executed = abi.execute_transaction(
            ExecuteTransactionRequest(transaction, assets, context_id=context_id)
        )
        if executed.result is TransactionExecutionResult.INVALID:
            selector.rejected(transaction, "is invalid: a hook around its command raised")
            continue
        kept.append(transaction)
        results.append(executed.result)
        events += executed.events
        selector.accepted(transaction)
        if worker is not None and len(events) - shipped >= STREAM_BATCH:
            worker.add(events[shipped:])
            shipped = len(events)
    after = abi.after_transactions_execute(
        AfterTransactionsExecuteRequest(context_id, assets, kept)
    )
    events += after.events
    if worker is not None:
        worker.add(events[shipped:])
        state_root = abi.commit(CommitRequest(context_id, dry_run=True)).state_root
        event_root = worker.root(events)
    else:
        # With the Rust kernels the event root is hashed while the state root is computed.
        event_root_result = start_event_root(events)
        state_root = abi.commit(CommitRequest(context_id, dry_run=True)).state_root
        event_root = event_root_result()
    return BlockOutcome(
        transactions=kept,
        results=results,
        events=events,
        next_validators=after.next_validators,
        state_root=state_root,
        event_root=event_root,
        transaction_root=compute_transaction_root(kept),
        asset_root=assets.get_root(),
    )


def check_roots(header: BlockHeader, outcome: BlockOutcome) -> None:
    """Refuse a received header whose roots are not the executed ones, naming each."""
    check_header_roots(
        header,
        state_root=outcome.state_root,
        event_root=outcome.event_root,
        transaction_root=outcome.transaction_root,
        asset_root=outcome.asset_root,
    )
