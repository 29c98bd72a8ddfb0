"""The ABI: the one narrow seam through which a driver runs the state machine.

Shaped like Klayr's ``framework/src/abi`` (``ABI`` / ``ABIHandler``), with Python names and
typed request/response dataclasses. A driver -- the built-in single-node generator, block
import, or the CometBFT (ABCI 2.0) adapter -- runs a block like this::

    ctx = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    abi.verify_assets(VerifyAssetsRequest(ctx, assets))            # import only
    abi.before_transactions_execute(BeforeTransactionsExecuteRequest(ctx, assets))
    for tx in transactions:
        abi.verify_transaction(VerifyTransactionRequest(tx, context_id=ctx))
        abi.execute_transaction(ExecuteTransactionRequest(tx, assets, context_id=ctx))
    abi.after_transactions_execute(AfterTransactionsExecuteRequest(ctx, assets, transactions))
    root = abi.commit(CommitRequest(ctx, expected_state_root=header.state_root)).state_root
    abi.clear(ClearRequest())

The context rule, as in Klayr: at most ONE execution context is open at a time. It is opened by
:meth:`ABI.init_state_machine` for one block header and named by an id (the SHA-256 of the
header's bytes); every block-scoped call must name it and is refused with
:class:`ExecutionContextError` if no context is open or another one is. :meth:`ABI.clear` closes
it, dropping whatever was not committed. Read-only calls -- :meth:`ABI.verify_transaction` and
:meth:`ABI.execute_transaction` with ``dry_run`` and no ``context_id``, :meth:`ABI.query`,
:meth:`ABI.prove`, :meth:`ABI.get_metadata` -- work on the committed state whether or not a
context is open, and never see or touch its changes.

Events carry their block-wide index: one event queue spans the context, so concatenating the
events of the responses in call order gives the block's events as Klayr orders them.

Nothing here knows about sockets, threads or asyncio: an implementation is called from one
thread at a time (the driver's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from klayr_py.chain import BlockAssets, BlockHeader, Event, Transaction
from klayr_py.contexts.hooks import HeaderInfo, NextValidators
from klayr_py.db import WriteBatch
from klayr_py.errors import KlayrError
from klayr_py.modules import VerificationResult
from klayr_py.state_machine.state_machine import TransactionExecutionResult
from klayr_py.tree import SparseMerkleProof

__all__ = [
    "ABI",
    "ABIError",
    "AfterTransactionsExecuteRequest",
    "AfterTransactionsExecuteResponse",
    "BeforeTransactionsExecuteRequest",
    "BeforeTransactionsExecuteResponse",
    "ClearRequest",
    "CommitRequest",
    "CommitResponse",
    "ExecuteTransactionRequest",
    "ExecuteTransactionResponse",
    "ExecutionContextError",
    "FinalizeRequest",
    "InitGenesisStateRequest",
    "InitGenesisStateResponse",
    "InitRequest",
    "InitResponse",
    "InitStateMachineRequest",
    "InitStateMachineResponse",
    "InsertAssetsRequest",
    "InsertAssetsResponse",
    "MetadataResponse",
    "ProveRequest",
    "ProveResponse",
    "QueryRequest",
    "QueryResponse",
    "RevertRequest",
    "RevertResponse",
    "StateRootMismatchError",
    "VerifyAssetsRequest",
    "VerifyTransactionRequest",
]


class ABIError(KlayrError):
    """A call through the ABI was refused; the state is unchanged."""


class ExecutionContextError(ABIError, ValueError):
    """A call named no open execution context, another one, or one already committed."""


class StateRootMismatchError(ABIError, ValueError):
    """A commit or revert computed a state root other than the one the driver expected."""


# -- node start -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitRequest:
    """The driver's view of its chain at start: its last block's height and state root.

    ``last_block_height`` -1 means the driver holds no block yet (the genesis block is next).
    """

    last_block_height: int
    last_state_root: bytes = b""
    """Checked against the state's root at that height when non-empty."""


@dataclass(frozen=True, slots=True)
class InitResponse:
    """The state's committed height and root after :meth:`ABI.init` (after any recovery)."""

    height: int
    state_root: bytes


@dataclass(frozen=True, slots=True)
class InitStateMachineRequest:
    """Open the execution context of the block ``header`` describes."""

    header: BlockHeader


@dataclass(frozen=True, slots=True)
class InitStateMachineResponse:
    """The id every block-scoped call must name while the context is open."""

    context_id: bytes


# -- genesis and generation -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitGenesisStateRequest:
    """Run ``init_genesis_state`` then ``finalize_genesis_state`` from the genesis assets."""

    context_id: bytes
    assets: BlockAssets


@dataclass(frozen=True, slots=True)
class InitGenesisStateResponse:
    """The genesis events and the validator set the genesis block hands over."""

    events: list[Event]
    next_validators: NextValidators | None


@dataclass(frozen=True, slots=True)
class InsertAssetsRequest:
    """Let every module add its asset to the block being generated."""

    context_id: bytes
    finalized_height: int = 0


@dataclass(frozen=True, slots=True)
class InsertAssetsResponse:
    """The assets the modules inserted (off-chain writes are kept until commit or clear)."""

    assets: BlockAssets


# -- block execution --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyAssetsRequest:
    """Check a received block's assets (unknown modules and every ``verify_assets`` hook)."""

    context_id: bytes
    assets: BlockAssets


@dataclass(frozen=True, slots=True)
class BeforeTransactionsExecuteRequest:
    """Run every ``before_transactions_execute`` hook."""

    context_id: bytes
    assets: BlockAssets


@dataclass(frozen=True, slots=True)
class BeforeTransactionsExecuteResponse:
    """The events the hooks emitted."""

    events: list[Event]


@dataclass(frozen=True, slots=True)
class VerifyTransactionRequest:
    """Verify one transaction: module hooks, params, then the command's ``verify``.

    With ``context_id`` it sees the open context's changes (a transaction inside a block);
    without, it verifies against the committed state as of a block at ``header`` (pool admission,
    dry runs), which is then required. As in Klayr, the transaction's own shape
    (``Transaction.validate``) is the caller's to check first: the pool and CheckTx do, a
    non-strict dry run does not.
    """

    transaction: Transaction
    context_id: bytes | None = None
    header: HeaderInfo | None = None
    only_command: bool = False


@dataclass(frozen=True, slots=True)
class ExecuteTransactionRequest:
    """Execute one verified transaction in Klayr's hook order.

    ``dry_run`` executes it on a scratch copy of the committed state as of the block ``header``
    (then required) and keeps nothing; otherwise ``context_id`` must name the open context.
    """

    transaction: Transaction
    assets: BlockAssets = field(default_factory=BlockAssets)
    context_id: bytes | None = None
    dry_run: bool = False
    header: BlockHeader | None = None


@dataclass(frozen=True, slots=True)
class ExecuteTransactionResponse:
    """OK, FAIL (the command raised: kept, reverted) or INVALID (a hook raised: left out)."""

    result: TransactionExecutionResult
    events: list[Event]


@dataclass(frozen=True, slots=True)
class AfterTransactionsExecuteRequest:
    """Run every ``after_transactions_execute`` hook over the block's kept transactions."""

    context_id: bytes
    assets: BlockAssets
    transactions: Sequence[Transaction] = ()


@dataclass(frozen=True, slots=True)
class AfterTransactionsExecuteResponse:
    """The events the hooks emitted and the validator set they chose (None: unchanged)."""

    events: list[Event]
    next_validators: NextValidators | None


# -- commit, revert, finality -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommitRequest:
    """Commit the context's state changes as its block, in ONE atomic database write.

    ``batch`` holds the driver's own writes for the same block (block record, events, validator
    set) and is written in that same write. ``expected_state_root`` (when given) must equal the
    computed root, else :class:`StateRootMismatchError` and nothing is written. ``dry_run``
    computes the root and writes nothing: a generator needs the root to sign the header; a
    later commit of the same context writes what the dry run computed without recomputing it.
    """

    context_id: bytes
    expected_state_root: bytes | None = None
    dry_run: bool = False
    batch: WriteBatch | None = None


@dataclass(frozen=True, slots=True)
class CommitResponse:
    """The block's state root."""

    state_root: bytes


@dataclass(frozen=True, slots=True)
class RevertRequest:
    """Revert the last committed block, the one the open context's header describes.

    ``state_root`` must be that block's state root (the committed one); ``batch`` holds the
    driver's own deletes, written in the same atomic write.
    """

    context_id: bytes
    state_root: bytes
    batch: WriteBatch | None = None


@dataclass(frozen=True, slots=True)
class RevertResponse:
    """The state root of the block before the reverted one."""

    state_root: bytes


@dataclass(frozen=True, slots=True)
class ClearRequest:
    """Close the open execution context, dropping anything not committed."""


@dataclass(frozen=True, slots=True)
class FinalizeRequest:
    """Blocks up to ``finalized_height`` are final: they can no longer be reverted."""

    finalized_height: int


# -- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataResponse:
    """Every module's metadata in Klayr's JSON form, sorted by module name."""

    modules: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """Call module endpoint ``method`` (Klayr name, ``hello_getHello``) with JSON ``params``.

    ``header`` is what the endpoint context reports (default: the last committed height with
    timestamp 0, as the ABI does not keep block timestamps; drivers pass the last block's).
    """

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)
    header: HeaderInfo | None = None


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """The endpoint's JSON response."""

    data: Any


@dataclass(frozen=True, slots=True)
class ProveRequest:
    """A sparse-Merkle proof of state keys (store prefix + sub-store prefix + key).

    ``state_root`` defaults to the committed root; any root committed before stays provable.
    """

    keys: Sequence[bytes]
    state_root: bytes | None = None


@dataclass(frozen=True, slots=True)
class ProveResponse:
    """The proof, over the tree keys of the queried state keys."""

    proof: SparseMerkleProof


class ABI(Protocol):
    """What a driver may call on the state machine: nothing else.

    Block-scoped calls raise :class:`ExecutionContextError` without the open context; a hook
    that raises surfaces as a :class:`~klayr_py.errors.KlayrError` naming the hook and block.
    """

    def init(self, request: InitRequest) -> InitResponse:
        """Reconcile the state with the driver's last block (reverting state blocks above it)."""
        ...

    def init_state_machine(self, request: InitStateMachineRequest) -> InitStateMachineResponse:
        """Open the one execution context, for the block ``request.header``."""
        ...

    def init_genesis_state(self, request: InitGenesisStateRequest) -> InitGenesisStateResponse:
        """Run the genesis hooks in the open context."""
        ...

    def insert_assets(self, request: InsertAssetsRequest) -> InsertAssetsResponse:
        """Collect the modules' assets for the block being generated."""
        ...

    def verify_assets(self, request: VerifyAssetsRequest) -> None:
        """Check a received block's assets; raises naming what is wrong."""
        ...

    def before_transactions_execute(
        self, request: BeforeTransactionsExecuteRequest
    ) -> BeforeTransactionsExecuteResponse:
        """Run the before-transactions hooks."""
        ...

    def verify_transaction(self, request: VerifyTransactionRequest) -> VerificationResult:
        """Verify one transaction (read-only)."""
        ...

    def execute_transaction(self, request: ExecuteTransactionRequest) -> ExecuteTransactionResponse:
        """Execute one transaction in the open context, or dry-run it on the committed state."""
        ...

    def after_transactions_execute(
        self, request: AfterTransactionsExecuteRequest
    ) -> AfterTransactionsExecuteResponse:
        """Run the after-transactions hooks."""
        ...

    def commit(self, request: CommitRequest) -> CommitResponse:
        """Write the context's block state atomically (or only compute its root)."""
        ...

    def revert(self, request: RevertRequest) -> RevertResponse:
        """Undo the last committed block's state atomically."""
        ...

    def clear(self, request: ClearRequest) -> None:
        """Close the open context (if any), dropping what was not committed."""
        ...

    def finalize(self, request: FinalizeRequest) -> None:
        """Record finality: blocks up to the height can no longer be reverted."""
        ...

    def get_metadata(self) -> MetadataResponse:
        """Every module's metadata."""
        ...

    def query(self, request: QueryRequest) -> QueryResponse:
        """Call a module endpoint over the committed state."""
        ...

    def prove(self, request: ProveRequest) -> ProveResponse:
        """Prove state keys under a committed state root."""
        ...
