"""Run a whole block through the state machine in Klayr's order and compute its roots.

verify_assets -> before_transactions_execute -> for each transaction: verify_transaction (module
hooks, params, command verify) then execute_transaction -> after_transactions_execute -> state
root, event root (LIP 0065), transaction root, asset root. Nothing is written until ``commit``:
the state store keeps the block's changes in its cache, and ``commit`` writes them, with the
caller's own writes (the block, its events), in one atomic batch.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from klayr_py.chain import BlockAssets, BlockHeader, Event, Transaction
from klayr_py.chain.roots import compute_transaction_root, start_event_root
from klayr_py.contexts.event_queue import EventQueue
from klayr_py.contexts.hooks import NextValidators
from klayr_py.db import WriteBatch
from klayr_py.errors import KlayrError
from klayr_py.interfaces import EventRootStream, TransactionSelector
from klayr_py.modules import VerificationResult
from klayr_py.state import PendingCommit, StateStore
from klayr_py.state_machine.block_context import BlockContext, GenesisBlockContext
from klayr_py.state_machine.state_machine import StateMachine, TransactionExecutionResult


class BlockExecutionError(KlayrError, ValueError):
    """A block cannot be applied: an asset or transaction is invalid, or a root mismatches."""


@dataclass(slots=True)
class BlockResult:
    """A block executed but not yet committed: its roots, events and transaction results."""

    height: int
    state_root: bytes
    event_root: bytes
    transaction_root: bytes
    asset_root: bytes
    events: list[Event]
    results: list[TransactionExecutionResult] = field(default_factory=list)
    next_validators: NextValidators | None = None
    pending: PendingCommit | None = field(default=None, repr=False)


class AllTransactions:
    """The selector of a block to import: every transaction, or the block is invalid."""

    def __init__(self, transactions: Sequence[Transaction]) -> None:
        self._transactions = transactions

    def __iter__(self) -> Iterator[Transaction]:
        return iter(self._transactions)

    def accepted(self, transaction: Transaction) -> None:
        """Nothing to track."""

    def rejected(self, transaction: Transaction, reason: str) -> None:
        raise BlockExecutionError(f"transaction {transaction.id.hex()} {reason}")


class BlockExecutor:
    """Executes blocks over one state store with one state machine, for one chain."""

    def __init__(
        self,
        state_machine: StateMachine,
        state_store: StateStore,
        chain_id: bytes,
        logger: logging.Logger | None = None,
        event_root_worker: EventRootStream | None = None,
    ) -> None:
        self.state_machine = state_machine
        self.event_root_worker = event_root_worker
        """Builds each block's event root in another process while the block executes (None:
        computed here after the last transaction)."""
        self.state_store = state_store
        self.chain_id = chain_id
        self.logger = logger or logging.getLogger("klayr_py.block_executor")

    def execute_genesis(self, header: BlockHeader, assets: BlockAssets) -> BlockResult:
        """Run ``init_genesis_state`` then ``finalize_genesis_state`` from the genesis assets."""
        self._check_ready(header)
        queue = EventQueue(header.height)
        ctx = GenesisBlockContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            header=header,
            assets=assets,
            event_queue=queue,
            logger=self.logger,
        )
        try:
            self.state_machine.execute_genesis_block(ctx)
            return self._finish(header, assets, (), queue, [], ctx.next_validators, None)
        except Exception as error:
            self.state_store.discard()
            raise BlockExecutionError(f"genesis block failed: {error}") from error

    def execute(
        self, header: BlockHeader, assets: BlockAssets, transactions: Sequence[Transaction]
    ) -> BlockResult:
        """Execute a block; raises BlockExecutionError (and discards its changes) if invalid.

        Transactions whose command raises stay in the block as FAIL; a transaction that fails
        verification, or whose before/after hooks raise (INVALID), invalidates the block.
        """
        result, _ = self._run(header, assets, AllTransactions(transactions), "block")
        return result

    def generate(
        self, header: BlockHeader, assets: BlockAssets, selector: TransactionSelector
    ) -> tuple[BlockResult, list[Transaction]]:
        """Execute a block being generated, keeping the transactions that verify and execute.

        Like :meth:`execute`, but a transaction that fails verification, or whose hooks around
        the command raise (INVALID), is left out (its changes rolled back) instead of failing the
        block; a transaction whose command raises is kept as FAIL, as Klayr's generator does.
        Returns the result and the transactions kept, in order.
        """
        return self._run(header, assets, selector, "generating block")

    def _run(
        self,
        header: BlockHeader,
        assets: BlockAssets,
        selector: TransactionSelector,
        what: str,
    ) -> tuple[BlockResult, list[Transaction]]:
        """The hooks in Klayr's order over the transactions ``selector`` offers."""
        self._check_ready(header)
        queue = EventQueue(header.height)
        kept: list[Transaction] = []
        ctx = BlockContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            header=header,
            assets=assets,
            event_queue=queue,
            transactions=kept,
            logger=self.logger,
        )
        machine = self.state_machine
        results: list[TransactionExecutionResult] = []
        worker = self.event_root_worker
        shipped: list[Event] = []  # events sent to the worker: final, with their indices
        try:
            if worker is not None:
                worker.begin()
            machine.verify_assets(ctx)
            machine.before_transactions_execute(ctx)
            for transaction in selector:
                transaction_ctx = ctx.transaction_context(transaction)
                verification = machine.verify_transaction(transaction_ctx)
                if not verification.is_ok:
                    selector.rejected(
                        transaction, f"is not valid: {rejection_reason(verification)}"
                    )
                    continue
                first_event = queue.count()
                result = machine.execute_transaction(transaction_ctx)
                if result is TransactionExecutionResult.INVALID:
                    queue.discard_from(first_event)  # left out: none of its events stay
                    selector.rejected(transaction, "is invalid: a hook around its command raised")
                    continue
                kept.append(transaction)
                results.append(result)
                selector.accepted(transaction)
                if worker is not None and queue.count() - len(shipped) >= worker.batch_size:
                    batch = queue.events_from(len(shipped))  # final: the transaction has ended
                    worker.add(batch)
                    shipped += batch
            machine.after_transactions_execute(ctx)
            if worker is not None:
                batch = queue.events_from(len(shipped))
                worker.add(batch)
                shipped += batch
            finished = self._finish(
                header, assets, kept, queue, results, ctx.next_validators, shipped
            )
            return finished, kept
        except BlockExecutionError:
            self.state_store.discard()
            raise
        except Exception as error:
            self.state_store.discard()
            raise BlockExecutionError(f"{what} {header.height} failed: {error}") from error

    def _check_ready(self, header: BlockHeader) -> None:
        """Refuse a block at the wrong height, or over changes of a block never committed."""
        expected = self.state_store.height + 1
        if self.state_store.height >= 0 and header.height != expected:
            raise BlockExecutionError(
                f"block height {header.height} does not follow the committed height "
                f"{self.state_store.height}"
            )
        if self.state_store.has_changes:
            raise BlockExecutionError(
                "the state holds changes of a block that was neither committed nor discarded"
            )

    def discard(self) -> None:
        """Drop an executed block's changes instead of committing them."""
        self.state_store.discard()

    def verify_roots(self, header: BlockHeader, result: BlockResult) -> None:
        """Compare an imported header's roots with the executed ones; discard on mismatch."""
        try:
            check_roots(
                header,
                state_root=result.state_root,
                event_root=result.event_root,
                transaction_root=result.transaction_root,
                asset_root=result.asset_root,
            )
        except BlockExecutionError:
            self.state_store.discard()
            raise

    def commit(self, result: BlockResult, batch: WriteBatch | None = None) -> None:
        """Write the block's state (and whatever ``batch`` already holds) in one atomic write."""
        if result.pending is None:
            raise BlockExecutionError("nothing to commit: the result was already committed")
        self.state_store.commit(result.pending, batch)
        result.pending = None

    def _finish(
        self,
        header: BlockHeader,
        assets: BlockAssets,
        transactions: Sequence[Transaction],
        queue: EventQueue,
        results: list[TransactionExecutionResult],
        next_validators: NextValidators | None,
        shipped: list[Event] | None,
    ) -> BlockResult:
        """The block's roots; ``shipped``: the events sent to the event-root worker, if any."""
        events = queue.events()  # already indexed in emission order (restores re-index)
        worker = self.event_root_worker
        if (
            worker is not None
            and shipped is not None
            and len(shipped) == len(events)
            and all(map(operator.is_, shipped, events))
        ):
            # The worker saw exactly these events (a module could have restored a snapshot of
            # the shared queue after some were sent: then they are computed here).
            pending = self.state_store.prepare_commit(header.height)
            event_root = worker.root(events)
        else:
            # With the Rust kernels the event root is hashed while the state root is computed.
            event_root_result = start_event_root(events)
            pending = self.state_store.prepare_commit(header.height)
            event_root = event_root_result()
        return BlockResult(
            height=header.height,
            state_root=pending.state_root,
            event_root=event_root,
            transaction_root=compute_transaction_root(transactions),
            asset_root=assets.get_root(),
            events=events,
            results=results,
            next_validators=next_validators,
            pending=pending,
        )


def check_roots(
    header: BlockHeader,
    *,
    state_root: bytes,
    event_root: bytes,
    transaction_root: bytes,
    asset_root: bytes,
) -> None:
    """Refuse a received header whose roots are not the executed ones, naming each."""
    expected = {
        "stateRoot": (header.state_root, state_root),
        "eventRoot": (header.event_root, event_root),
        "transactionRoot": (header.transaction_root, transaction_root),
        "assetRoot": (header.asset_root, asset_root),
    }
    wrong = [name for name, (theirs, ours) in expected.items() if theirs != ours]
    if wrong:
        details = ", ".join(
            f"{name} {expected[name][0].hex()} != computed {expected[name][1].hex()}"
            for name in wrong
        )
        raise BlockExecutionError(f"block {header.height}: {details}")


def rejection_reason(verification: VerificationResult) -> str:
    """Why a transaction that did not verify is refused."""
    # PENDING carries no error (as in Klayr): its nonce is ahead of the account's.
    if verification.error is not None:
        return str(verification.error)
    return f"verification status {verification.status.name}"
