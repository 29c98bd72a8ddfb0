"""The ABI implemented over this package's StateMachine and a StateStore.

One :class:`_ExecutionContext` at a time holds a block's header, its one event queue and its
context store; the block's state changes live in the state store's cache until ``commit`` writes
them (with the driver's batch) in one atomic write, or ``clear`` drops them. Read-only calls
without a context read the state store itself between blocks (their reads stay cached for the
next block) and a scratch cache over the committed database while a context is open, so they
never see a block in progress. Dry runs always execute on a scratch cache.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from klayr_py.chain import BlockAssets, BlockHeader
from klayr_py.contexts.event_queue import EventQueue
from klayr_py.contexts.hooks import HeaderInfo
from klayr_py.errors import KlayrError, NotFoundError
from klayr_py.interfaces import StateStoreLike
from klayr_py.modules import VerificationResult
from klayr_py.state import OffchainStore, PendingCommit, StateStore, smt_key
from klayr_py.state_machine.abi import (
    ABIError,
    AfterTransactionsExecuteRequest,
    AfterTransactionsExecuteResponse,
    BeforeTransactionsExecuteRequest,
    BeforeTransactionsExecuteResponse,
    ClearRequest,
    CommitRequest,
    CommitResponse,
    ExecuteTransactionRequest,
    ExecuteTransactionResponse,
    ExecutionContextError,
    FinalizeRequest,
    InitGenesisStateRequest,
    InitGenesisStateResponse,
    InitRequest,
    InitResponse,
    InitStateMachineRequest,
    InitStateMachineResponse,
    InsertAssetsRequest,
    InsertAssetsResponse,
    MetadataResponse,
    ProveRequest,
    ProveResponse,
    QueryRequest,
    QueryResponse,
    RevertRequest,
    RevertResponse,
    StateRootMismatchError,
    VerifyAssetsRequest,
    VerifyTransactionRequest,
)
from klayr_py.state_machine.block_context import (
    BlockContext,
    GenerationContext,
    GenesisBlockContext,
    TransactionContext,
    WritableBlockAssets,
)
from klayr_py.state_machine.block_executor import BlockExecutionError
from klayr_py.state_machine.endpoints import call_endpoint, list_endpoints
from klayr_py.state_machine.state_machine import StateMachine, TransactionExecutionResult

__all__ = ["ABIHandler", "context_id_of"]


def context_id_of(header: BlockHeader) -> bytes:
    """The id of the execution context of ``header``: SHA-256 of its bytes, as in Klayr."""
    return hashlib.sha256(header.get_bytes()).digest()


@dataclass(slots=True)
class _ExecutionContext:
    id: bytes
    header: BlockHeader
    event_queue: EventQueue
    context_store: dict[str, Any] = field(default_factory=dict)
    pending: PendingCommit | None = None
    """What a dry-run commit computed, written as is by the real commit."""
    closed_by: str = ""
    """"commit" or "revert" once either wrote: the context then only awaits ``clear``."""


class ABIHandler:
    """The :class:`~klayr_py.state_machine.abi.ABI` over ``state_machine`` and ``state_store``.

    ``offchain_store`` holds what ``insert_assets`` hooks record; it is written after the
    block's state commit and dropped by ``clear``. Endpoints called through :meth:`query` get
    an off-chain store of their own over the same database, written after each call.
    """

    def __init__(
        self,
        state_machine: StateMachine,
        state_store: StateStore,
        offchain_store: OffchainStore,
        chain_id: bytes,
        logger: logging.Logger | None = None,
    ) -> None:
        self.state_machine = state_machine
        self.state_store = state_store
        self.offchain_store = offchain_store
        self.chain_id = chain_id
        self.logger = logger or logging.getLogger("klayr_py.abi")
        self._query_offchain = OffchainStore(offchain_store.db)
        self._endpoints = list_endpoints(state_machine.modules)
        self._context: _ExecutionContext | None = None
        self._finalized_height = -1
        self._view: tuple[int, bytes, StateStoreLike] | None = None

    # -- start and contexts -------------------------------------------------------------------

    def init(self, request: InitRequest) -> InitResponse:
        """Bring the state back to the driver's last block, reverting state blocks above it.

        A state behind the driver cannot be repaired here (:class:`ABIError`).
        """
        state = self.state_store
        if self._context is not None:
            raise ExecutionContextError(
                f"init with execution context {self._context.id.hex()} open: clear it first"
            )
        if request.last_block_height > state.height:
            raise ABIError(
                f"the driver is at height {request.last_block_height} but the state only at "
                f"{state.height}: the state cannot be brought forward"
            )
        while state.height > request.last_block_height:
            self.logger.info("reverting state block %d to the driver's height", state.height)
            state.revert(state.height)
        if request.last_state_root and request.last_state_root != state.state_root:
            raise StateRootMismatchError(
                f"state root at height {state.height} is {state.state_root.hex()}, the driver "
                f"expects {request.last_state_root.hex()}"
            )
        return InitResponse(state.height, state.state_root)

    def init_state_machine(self, request: InitStateMachineRequest) -> InitStateMachineResponse:
        """Open the execution context of ``request.header`` (one at a time)."""
        if self._context is not None:
            raise ExecutionContextError(
                f"execution context {self._context.id.hex()} (height "
                f"{self._context.header.height}) is already open: clear it first"
            )
        if self.state_store.has_changes:
            raise ExecutionContextError(
                "the state holds changes made outside an execution context: discard them first"
            )
        header = request.header
        context_id = context_id_of(header)
        self._context = _ExecutionContext(context_id, header, EventQueue(header.height))
        return InitStateMachineResponse(context_id)

    def clear(self, request: ClearRequest | None = None) -> None:
        """Close the open context (if any), dropping its uncommitted state and off-chain writes."""
        self._context = None
        self.state_store.discard()
        self.offchain_store.discard()

    def _open(self, context_id: bytes, call: str) -> _ExecutionContext:
        context = self._context
        if context is None:
            raise ExecutionContextError(f"{call}: no execution context is open")
        if context_id != context.id:
            raise ExecutionContextError(
                f"{call}: context {context_id.hex()} is not the open one {context.id.hex()}"
            )
        if context.closed_by:
            raise ExecutionContextError(
                f"{call}: context {context.id.hex()} was already used by {context.closed_by}; "
                "clear it and open another"
            )
        return context

    def _executing(self, context_id: bytes, call: str) -> _ExecutionContext:
        """The open context, for a call that changes its block: it must follow the state."""
        context = self._open(context_id, call)
        height, committed = context.header.height, self.state_store.height
        if committed >= 0 and height != committed + 1:
            raise ExecutionContextError(
                f"{call}: block height {height} does not follow the committed height {committed}"
            )
        context.pending = None  # the state is about to change: a dry-run root is stale
        return context

    def _committed_state(self) -> StateStoreLike:
        """What a read-only call outside the context reads: the state store itself between
        blocks (it holds only committed reads, which the next block then finds cached), a
        scratch view over the committed database while a context is open.

        The scratch view is kept while the committed (height, root) stays the same, so the
        CheckTx and queries a CometBFT node answers while a block is open share its cached
        reads instead of each reading LevelDB afresh. Sharing is safe: verify hooks and
        endpoints get its ``read_only()`` stores, so nothing is ever written into it."""
        state = self.state_store
        if self._context is None and not state.has_changes:
            return state
        height, root = state.height, state.state_root
        if self._view is None or self._view[:2] != (height, root):
            self._view = (height, root, state.committed_view())
        return self._view[2]

    def _block_context(
        self, context: _ExecutionContext, assets: BlockAssets, transactions: Any = ()
    ) -> BlockContext:
        return BlockContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            header=context.header,
            assets=assets,
            event_queue=context.event_queue,
            transactions=transactions,
            context_store=context.context_store,
            logger=self.logger,
        )

    def _fail(self, call: str, height: int, error: Exception) -> BlockExecutionError:
        return BlockExecutionError(f"{call} of block {height} failed: {error}")

    # -- genesis and generation ---------------------------------------------------------------

    def init_genesis_state(self, request: InitGenesisStateRequest) -> InitGenesisStateResponse:
        """Run ``init_genesis_state`` then ``finalize_genesis_state`` in the open context."""
        context = self._executing(request.context_id, "init_genesis_state")
        queue = context.event_queue
        start = queue.count()
        ctx = GenesisBlockContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            header=context.header,
            assets=request.assets,
            event_queue=queue,
            context_store=context.context_store,
            logger=self.logger,
        )
        try:
            self.state_machine.execute_genesis_block(ctx)
        except Exception as error:
            raise self._fail("init_genesis_state", context.header.height, error) from error
        return InitGenesisStateResponse(queue.events_from(start), ctx.next_validators)

    def insert_assets(self, request: InsertAssetsRequest) -> InsertAssetsResponse:
        """Let every module insert its asset into the block being generated."""
        context = self._executing(request.context_id, "insert_assets")
        assets = WritableBlockAssets()
        try:
            self.state_machine.insert_assets(
                GenerationContext(
                    chain_id=self.chain_id,
                    state_store=self.state_store,
                    header=context.header,
                    assets=assets,
                    offchain_store=self.offchain_store,
                    finalized_height=request.finalized_height,
                    context_store=context.context_store,
                    logger=self.logger,
                )
            )
        except Exception as error:
            raise self._fail("insert_assets", context.header.height, error) from error
        return InsertAssetsResponse(assets.assets)

    # -- block execution ----------------------------------------------------------------------

    def verify_assets(self, request: VerifyAssetsRequest) -> None:
        """Refuse assets of unknown modules and run every ``verify_assets`` hook."""
        context = self._executing(request.context_id, "verify_assets")
        try:
            self.state_machine.verify_assets(self._block_context(context, request.assets))
        except Exception as error:
            raise self._fail("verify_assets", context.header.height, error) from error

    def before_transactions_execute(
        self, request: BeforeTransactionsExecuteRequest
    ) -> BeforeTransactionsExecuteResponse:
        """Run every ``before_transactions_execute`` hook."""
        context = self._executing(request.context_id, "before_transactions_execute")
        start = context.event_queue.count()
        try:
            self.state_machine.before_transactions_execute(
                self._block_context(context, request.assets)
            )
        except Exception as error:
            raise self._fail("before_transactions_execute", context.header.height, error) from error
        return BeforeTransactionsExecuteResponse(context.event_queue.events_from(start))

    def verify_transaction(self, request: VerifyTransactionRequest) -> VerificationResult:
        """Verify one transaction in the open context, or against the committed state."""
        transaction = request.transaction
        if request.context_id is not None:  # in a block: its driver validated the transactions
            context = self._open(request.context_id, "verify_transaction")
            ctx = TransactionContext(
                chain_id=self.chain_id,
                state_store=self.state_store,
                transaction=transaction,
                header=context.header,
                event_queue=context.event_queue,
                context_store=context.context_store,
                logger=self.logger,
            )
        else:
            if request.header is None:
                raise ABIError("verify_transaction without a context_id needs a header")
            ctx = TransactionContext(
                chain_id=self.chain_id,
                state_store=self._committed_state(),
                transaction=transaction,
                header=request.header,
                event_queue=EventQueue(request.header.height),
                logger=self.logger,
            )
        return self.state_machine.verify_transaction(ctx, request.only_command)

    def execute_transaction(self, request: ExecuteTransactionRequest) -> ExecuteTransactionResponse:
        """Execute one transaction in the open context, or dry-run it keeping nothing."""
        if request.dry_run:
            if request.header is None:
                raise ABIError("a dry-run execute_transaction needs a header")
            queue = EventQueue(request.header.height)
            ctx = TransactionContext(
                chain_id=self.chain_id,
                state_store=self.state_store.committed_view(),  # its writes are dropped
                transaction=request.transaction,
                header=request.header,
                event_queue=queue,
                assets=request.assets,
                logger=self.logger,
            )
            return ExecuteTransactionResponse(
                self.state_machine.execute_transaction(ctx), queue.events()
            )
        if request.context_id is None:
            raise ExecutionContextError("execute_transaction needs a context_id unless dry_run")
        context = self._executing(request.context_id, "execute_transaction")
        queue = context.event_queue
        start = queue.count()
        ctx = TransactionContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            transaction=request.transaction,
            header=context.header,
            event_queue=queue,
            assets=request.assets,
            context_store=context.context_store,
            logger=self.logger,
        )
        result = self.state_machine.execute_transaction(ctx)
        events = queue.events_from(start)
        if result is TransactionExecutionResult.INVALID:
            # Left out of the block: none of its events stay (no-revert ones included), so the
            # next transaction's indices follow on, as in Klayr's generator.
            queue.discard_from(start)
        return ExecuteTransactionResponse(result, events)

    def after_transactions_execute(
        self, request: AfterTransactionsExecuteRequest
    ) -> AfterTransactionsExecuteResponse:
        """Run every ``after_transactions_execute`` hook; report the next validators."""
        context = self._executing(request.context_id, "after_transactions_execute")
        start = context.event_queue.count()
        ctx = self._block_context(context, request.assets, request.transactions)
        try:
            self.state_machine.after_transactions_execute(ctx)
        except Exception as error:
            raise self._fail("after_transactions_execute", context.header.height, error) from error
        return AfterTransactionsExecuteResponse(
            context.event_queue.events_from(start), ctx.next_validators
        )

    # -- commit, revert, finality -------------------------------------------------------------

    def commit(self, request: CommitRequest) -> CommitResponse:
        """Write the context's state (and ``request.batch``) atomically, or only compute it."""
        context = self._open(request.context_id, "commit")
        pending = context.pending
        if pending is None:
            try:
                pending = self.state_store.prepare_commit(context.header.height)
            except KlayrError as error:
                raise ABIError(f"commit of block {context.header.height}: {error}") from error
        expected = request.expected_state_root
        if expected is not None and pending.state_root != expected:
            raise StateRootMismatchError(
                f"block {context.header.height}: stateRoot {expected.hex()} != computed "
                f"{pending.state_root.hex()}"
            )
        if request.dry_run:
            context.pending = pending
            return CommitResponse(pending.state_root)
        self.state_store.commit(pending, request.batch)
        context.pending = None
        context.closed_by = "commit"
        if self.offchain_store.has_changes:  # what insert_assets hooks recorded
            self.offchain_store.commit()
        return CommitResponse(pending.state_root)

    def revert(self, request: RevertRequest) -> RevertResponse:
        """Undo the last committed block's state (and write ``request.batch``) atomically."""
        context = self._open(request.context_id, "revert")
        state = self.state_store
        height = context.header.height
        if height != state.height:
            raise ExecutionContextError(
                f"revert: the context is for block {height}, the last committed is {state.height}"
            )
        if height <= self._finalized_height:
            raise ABIError(
                f"block {height} is final (finalized height {self._finalized_height}): it "
                "cannot be reverted"
            )
        if request.state_root != state.state_root:
            raise StateRootMismatchError(
                f"revert of block {height}: its state root is {state.state_root.hex()}, not "
                f"{request.state_root.hex()}"
            )
        state.discard()
        pending = state.prepare_revert(height)
        state.commit(pending, request.batch)
        context.closed_by = "revert"
        return RevertResponse(pending.state_root)

    def finalize(self, request: FinalizeRequest) -> None:
        """Record that blocks up to ``finalized_height`` are final (never reverted); the state
        store prunes what falls behind its kept window with its next commit."""
        height = request.finalized_height
        if height > self.state_store.height:
            raise ABIError(
                f"finalized height {height} is above the committed height {self.state_store.height}"
            )
        if height < self._finalized_height:
            raise ABIError(
                f"finalized height {height} is below the recorded {self._finalized_height}: "
                "finality never goes back"
            )
        self._finalized_height = height
        self.state_store.finalize(height)

    @property
    def finalized_height(self) -> int:
        """The highest height :meth:`finalize` recorded (-1: none)."""
        return self._finalized_height

    # -- reads --------------------------------------------------------------------------------

    def get_metadata(self) -> MetadataResponse:
        """Every module's metadata in Klayr's JSON form, sorted by name."""
        modules = [module.metadata().to_json(module.name) for module in self.state_machine.modules]
        return MetadataResponse(sorted(modules, key=lambda module: str(module["name"])))

    def query(self, request: QueryRequest) -> QueryResponse:
        """Call a module endpoint over the committed state (never the open context's)."""
        found = self._endpoints.get(request.method)
        if found is None:
            raise NotFoundError(f"endpoint {request.method} does not exist")
        module, python_name = found
        state = self.state_store
        header = request.header or HeaderInfo(state.height, 0)
        offchain = self._query_offchain
        try:
            data = call_endpoint(
                module,
                python_name,
                request.params,
                state_store=self._committed_state(),
                offchain_store=offchain,
                chain_id=self.chain_id,
                header=header,
                logger=self.logger,
            )
        except BaseException:
            offchain.discard()
            raise
        if offchain.has_changes:
            offchain.commit()
        return QueryResponse(data)

    def prove(self, request: ProveRequest) -> ProveResponse:
        """A proof of ``request.keys`` (state keys) under a committed root."""
        tree_keys = [smt_key(bytes(key)) for key in request.keys]
        return ProveResponse(self.state_store.prove(tree_keys, request.state_root))
