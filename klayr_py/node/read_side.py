"""The read side: what RPC, WebSocket notifications and plugins read, over committed data only.

It reads the chain storage, the pool and the state machine (through the ABI's read-only calls:
``query``, ``get_metadata``, dry-run ``execute_transaction``, ``verify_transaction`` without a
context), never a driver's internals and never a block in progress.

Thread safety, what it guarantees: every method may be called from a thread other than the
driver's. State reads (``verify_transaction``, ``dry_run_transaction``, ``call_endpoint``) and
pool reads hold the engine's lock, which block generation, import, revert and pool admission
hold too: they see exactly the last committed block and pool, never a block in progress, and
wait for a block being executed to finish. Chain reads take no lock: block records are immutable
once committed and written in one atomic batch with the block's state, so they see a block
entirely or not at all (``get_blocks_between`` racing a revert may miss the reverted block).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from klayr_py import codec
from klayr_py.chain import Block, Event, Transaction
from klayr_py.contexts.hooks import HeaderInfo
from klayr_py.errors import KlayrError
from klayr_py.modules import VerificationResult, VerifyStatus
from klayr_py.state_machine.abi import (
    ABI,
    ExecuteTransactionRequest,
    QueryRequest,
    VerifyTransactionRequest,
)
from klayr_py.state_machine.state_machine import TransactionExecutionResult

if TYPE_CHECKING:
    from klayr_py.node.chain_state import ChainState
    from klayr_py.node.pool import TransactionPool

__all__ = ["ChainReader", "DryRunResult"]

_CODES = {
    TransactionExecutionResult.OK: 1,
    TransactionExecutionResult.FAIL: 0,
    TransactionExecutionResult.INVALID: -1,
}


@dataclass
class DryRunResult:
    """What ``txpool_dryRunTransaction`` reports: the verdict and the events, nothing kept."""

    result: int
    """1 OK, 0 FAIL (command raised), -1 INVALID (verification failed or a hook raised)."""
    events: list[Event] = field(default_factory=list)
    error: str = ""


class ChainReader:
    """Reads over one node's committed chain, pool and state (see the module docstring)."""

    def __init__(
        self,
        *,
        abi: ABI,
        chain: ChainState,
        pool: TransactionPool,
        chain_id: bytes,
        block_time: int,
        lock: threading.RLock | None = None,
    ) -> None:
        self._abi = abi
        self._chain = chain
        self._pool = pool
        self.chain_id = chain_id
        self.block_time = block_time
        self.lock = lock if lock is not None else threading.RLock()
        """Held by every state or pool read, and by the engine around each block."""
        self._event_schemas: dict[tuple[str, str], dict[str, Any]] | None = None
        self._metadata: list[dict[str, Any]] | None = None

    # -- chain --------------------------------------------------------------------------------

    @property
    def last_block(self) -> Block:
        """The last committed block."""
        return self._chain.last_block

    @property
    def height(self) -> int:
        """Height of the last committed block."""
        return self._chain.height

    @property
    def finalized_height(self) -> int:
        """The finalized height."""
        return self._chain.finalized_height

    @property
    def genesis_height(self) -> int:
        """Height of the genesis block."""
        return self._chain.genesis_block.header.height

    def get_block_by_height(self, height: int) -> Block:
        """The committed block at ``height`` (NotFoundError if none)."""
        return self._chain.storage.get_block_by_height(height)

    def get_block(self, block_id: bytes) -> Block:
        """The committed block ``block_id`` (NotFoundError if none)."""
        return self._chain.storage.get_block(block_id)

    def get_blocks_between(self, start: int, end: int) -> list[Block]:
        """The committed blocks from ``start`` to ``end`` inclusive."""
        return list(self._chain.storage.get_blocks_between(start, end))

    def get_transaction(self, transaction_id: bytes) -> Transaction:
        """A committed transaction (NotFoundError if none)."""
        return self._chain.storage.get_transaction(transaction_id)

    def has_transaction(self, transaction_id: bytes) -> bool:
        """Whether a committed block holds ``transaction_id``."""
        return self._chain.storage.has_transaction(transaction_id)

    def get_events(self, height: int) -> list[Event]:
        """The events of the committed block at ``height`` (pruned heights: none)."""
        return self._chain.storage.get_events(height)

    # -- pool ---------------------------------------------------------------------------------

    def pool_size(self) -> int:
        """How many transactions wait in the pool."""
        with self.lock:
            return len(self._pool)

    def pool_contains(self, transaction_id: bytes) -> bool:
        """Whether ``transaction_id`` waits in the pool."""
        with self.lock:
            return self._pool.contains(transaction_id)

    def pool_transactions(self) -> list[Transaction]:
        """Every pooled transaction."""
        with self.lock:
            return list(self._pool.get_all())

    # -- state machine ------------------------------------------------------------------------

    def next_header_info(self) -> HeaderInfo:
        """The height and timestamp of the next block as verification hooks see it."""
        last = self._chain.last_block.header
        return HeaderInfo(last.height + 1, last.timestamp + self.block_time)

    def verify_transaction(self, transaction: Transaction) -> VerificationResult:
        """The state machine's read-only checks of ``transaction`` against committed state."""
        with self.lock:
            request = VerifyTransactionRequest(transaction, header=self.next_header_info())
            return self._abi.verify_transaction(request)

    def dry_run_transaction(
        self, transaction: Transaction, *, strict: bool = False, skip_verify: bool = False
    ) -> DryRunResult:
        """Verify and execute ``transaction`` on top of the committed state, keeping nothing.

        As Klayr's ``txpool_dryRunTransaction``: both steps see the last block's header and
        assets; by default only the command's own verification runs (Klayr's non-strict mode:
        no nonce, signature or fee check), ``strict`` runs every module's too, ``skip_verify``
        none. Only a FAIL verification stops the run (a future nonce is no reason to).
        """
        with self.lock:
            last = self._chain.last_block
            header = last.header
            if not skip_verify:
                verification = self._abi.verify_transaction(
                    VerifyTransactionRequest(
                        transaction,
                        header=HeaderInfo(header.height, header.timestamp),
                        only_command=not strict,
                    )
                )
                if verification.status is VerifyStatus.FAIL:
                    return DryRunResult(-1, [], str(verification.error))
            response = self._abi.execute_transaction(
                ExecuteTransactionRequest(transaction, last.assets, dry_run=True, header=header)
            )
        return DryRunResult(_CODES[response.result], response.events)

    def endpoint_names(self) -> list[str]:
        """Every module endpoint by its Klayr name (``hello_getHello``), from the metadata as
        Klayr's engine learns them."""
        return sorted(
            f"{entry['name']}_{endpoint['name']}"
            for entry in self.metadata()
            for endpoint in entry.get("endpoints", [])
        )

    def call_endpoint(self, name: str, params: Mapping[str, Any]) -> Any:
        """Call a module endpoint by its Klayr name with JSON ``params``, over committed state."""
        last = self._chain.last_block.header
        request = QueryRequest(name, params, HeaderInfo(last.height, last.timestamp))
        with self.lock:
            return self._abi.query(request).data

    def metadata(self) -> list[dict[str, Any]]:
        """Every module's metadata in Klayr's JSON form, sorted by module name (read once:
        modules are fixed after init)."""
        if self._metadata is None:
            self._metadata = self._abi.get_metadata().modules
        return self._metadata

    def decoded_event_json(self, event: Event) -> dict[str, Any]:
        """An event's JSON with its data decoded by the emitting module's event schema."""
        payload = event.to_json()
        schema = self._event_schema(event.module, event.name)
        if schema is not None:
            # Data that does not decode stays hex.
            with contextlib.suppress(KlayrError, KeyError, ValueError):
                payload["data"] = codec.to_json(schema, codec.decode(schema, event.data))
        return payload

    def _event_schema(self, module: str, name: str) -> dict[str, Any] | None:
        if self._event_schemas is None:
            self._event_schemas = {
                (str(entry["name"]), str(event["name"])): event["data"]
                for entry in self.metadata()
                for event in entry.get("events", [])
            }
        return self._event_schemas.get((module, name))
