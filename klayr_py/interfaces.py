"""The Protocols the layers code against, in one place (in the spirit of py-evm's ``abc.py``).

What a context gives a store, an event or a method (``ImmutableStoreGetter``, ``StoreGetter``,
``WritableContext``, ``EventQueuer``, as Klayr types them), and what the state machine needs of
a state store, a transaction selector and an event-root worker. Modules type their ``ctx``
parameters structurally, so one store method accepts every context that has what it needs, and
mypy checks a module author's calls: a ``store.set(ctx, ...)`` with a context that has no
writable state (a verify hook's) is a type error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from klayr_py.chain import Event, Transaction

__all__ = [
    "BlockAssetsReader",
    "BlockAssetsWriter",
    "EventAdder",
    "EventQueuer",
    "EventRootStream",
    "ImmutableStoreGetter",
    "ImmutableSubStore",
    "OffchainStoreGetter",
    "StateReader",
    "StateStoreLike",
    "StoreGetter",
    "SubStore",
    "TransactionSelector",
    "WritableContext",
]


class ImmutableSubStore(Protocol):
    """A read-only prefixed view of the state (Klayr's ``ImmutableSubStore``)."""

    def get(self, key: bytes) -> bytes:
        """The value at ``key``; raises ``NotFoundError`` when there is none."""
        ...

    def has(self, key: bytes) -> bool:
        """Whether ``key`` holds a value."""
        ...

    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[tuple[bytes, bytes]]:
        """Entries with ``gte <= key <= lte`` in key order (or reverse)."""
        ...


class SubStore(ImmutableSubStore, Protocol):
    """A writable prefixed view of the state (Klayr's ``SubStore``)."""

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` at ``key``."""
        ...

    def delete(self, key: bytes) -> None:
        """Remove ``key``."""
        ...


class ImmutableStoreGetter(Protocol):
    """Any context that reads the on-chain state: every hook, method and endpoint context."""

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> ImmutableSubStore:
        """The prefixed sub-store ``store_prefix + sub_store_prefix``."""
        ...


class StoreGetter(Protocol):
    """A context that may write the on-chain state (execution hooks, method contexts)."""

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """The prefixed sub-store ``store_prefix + sub_store_prefix``."""
        ...


class OffchainStoreGetter(Protocol):
    """A context that reaches the off-chain store (``insert_assets``, endpoints)."""

    def get_offchain_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """The prefixed off-chain sub-store."""
        ...


class EventAdder(Protocol):
    """What an event needs of an event queue."""

    def add(
        self,
        module: str,
        name: str,
        data: bytes,
        topics: Sequence[bytes] | None = None,
        no_revert: bool = False,
    ) -> None:
        """Queue one event (its default topic is added first)."""
        ...


class EventQueuer(Protocol):
    """A context that can emit events (Klayr's ``EventQueuer``)."""

    @property
    def event_queue(self) -> EventAdder:
        """The block's or transaction's event queue."""
        ...


class WritableContext(StoreGetter, EventQueuer, Protocol):
    """What a module's state-changing methods take (Klayr's ``MethodContext`` shape): writable
    stores, the event queue and the transaction's context store. ``MethodContext`` and every
    execution hook context satisfy it."""

    @property
    def context_store(self) -> dict[str, Any]:
        """Values hooks of one transaction share (the fee left to pay, for instance)."""
        ...


class StateReader(Protocol):
    """What contexts need of a state store: prefixed sub-stores."""

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """The prefixed sub-store (read-only stores return views that raise on writes)."""
        ...


class BlockAssetsReader(Protocol):
    """A block's assets as hooks read them."""

    def get_asset(self, module: str) -> bytes | None:
        """The module's asset data, or None."""
        ...


class BlockAssetsWriter(BlockAssetsReader, Protocol):
    """A block's assets as ``insert_assets`` fills them."""

    def set_asset(self, module: str, data: bytes) -> None:
        """Set the module's asset data (once per module)."""
        ...


class EventRootStream(Protocol):
    """Builds a block's event root elsewhere while the block executes (the node's worker process).

    The block executor calls :meth:`begin`, :meth:`add` with events as they become final (in
    batches of about ``batch_size``), then :meth:`root` with all of the block's events; the result
    must equal ``compute_event_root(events)``.
    """

    batch_size: int

    def begin(self) -> None:
        """A new block starts."""
        ...

    def add(self, events: Sequence[Event]) -> None:
        """Events that are final, with their indices."""
        ...

    def root(self, events: Sequence[Event]) -> bytes:
        """The event root of exactly ``events`` (all the block's, as added)."""
        ...


class StateStoreLike(StateReader, Protocol):
    """The state store the state machine drives: sub-stores, snapshots, a read-only view."""

    def create_snapshot(self) -> int:
        """A snapshot id to restore later (a failing command's writes are undone)."""
        ...

    def restore_snapshot(self, snapshot_id: int) -> None:
        """Drop every write since ``snapshot_id``."""
        ...

    def read_only(self) -> StateReader:
        """The same state, refusing writes (what verification hooks get)."""
        ...


class TransactionSelector(Protocol):
    """Offers transactions for a block being generated, and hears which were kept.

    The block runner iterates it; after each transaction it calls ``accepted`` or ``rejected``,
    so the selector can stop offering that sender's later nonces.
    """

    def __iter__(self) -> Iterator[Transaction]:
        """The transactions to try, in order."""
        ...

    def accepted(self, transaction: Transaction) -> None:
        """``transaction`` went into the block."""
        ...

    def rejected(self, transaction: Transaction, reason: str) -> None:
        """``transaction`` was left out, for ``reason``."""
        ...
