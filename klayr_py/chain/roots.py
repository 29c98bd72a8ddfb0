"""The roots a block header commits to, computed as Klayr does.

* transaction root: Merkle root (LIP 0031) of the transaction IDs in block order;
* asset root: Merkle root of the encoded assets (:meth:`BlockAssets.get_root`);
* event root (LIP 0065): root of a sparse Merkle tree (LIP 0039) with 12-byte keys holding, for
  every topic of every event, the leaf ``Event.key_pairs`` gives. Klayr's engine computes it
  with lisk-db's ``SparseMerkleTree(EVENT_KEY_LENGTH).update(EMPTY_HASH, pairs)`` after giving
  the block's events the indices 0, 1, 2 ... in the order they were emitted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from klayr_py._native_loader import pick
from klayr_py.chain.constants import (
    EVENT_KEY_LENGTH,
    EVENT_MAX_TOPICS_PER_EVENT,
    EVENT_TOPIC_HASH_LENGTH_BYTES,
    EVENT_TOPIC_INDEX_LENGTH_BITS,
    EVENT_TOTAL_INDEX_LENGTH_BYTES,
    MAX_EVENTS_PER_BLOCK,
)
from klayr_py.chain.event import Event
from klayr_py.chain.transaction import Transaction
from klayr_py.errors import EventError, TreeError
from klayr_py.tree import SparseMerkleRootBuilder, merkle_root, sparse_merkle_root

__all__ = [
    "EventRootBuilder",
    "compute_event_root",
    "compute_transaction_root",
    "index_events",
    "start_event_root",
]

_sha256 = hashlib.sha256
_TOPIC_HASH_LENGTH = EVENT_TOPIC_HASH_LENGTH_BYTES


def compute_transaction_root(transactions: Iterable[Transaction]) -> bytes:
    """The transaction root of a block holding ``transactions`` (sha256(b"") when empty)."""
    return merkle_root([transaction.id for transaction in transactions])


def index_events(events: Iterable[Event]) -> list[Event]:
    """The events re-indexed 0, 1, 2 ... in order, as Klayr does before computing the root."""
    return [event.with_index(index) for index, event in enumerate(events)]


def compute_event_root(events: Iterable[Event]) -> bytes:
    """The event root of a block whose events are ``events``, with the indices they carry.

    Call :func:`index_events` first on events in emission order. An empty list (or events
    without topics) gives sha256(b""). Raises :class:`EventError` for more than
    ``MAX_EVENTS_PER_BLOCK`` events or two leaves with one key (events sharing an index).
    """
    events = events if isinstance(events, list) else list(events)
    root = _event_root(events, Event)
    return root if root is not None else _checked_event_root(events)


def start_event_root(events: Iterable[Event]) -> Callable[[], bytes]:
    """Start computing :func:`compute_event_root` of ``events``; call what it returns for the
    root (same root, same errors).

    With the Rust kernels the leaves are hashed in a thread of the extension, without the GIL,
    so the caller can compute the block's state root meanwhile (on a second core); with the
    Python kernels the work is done when the root is asked for. Either way the result depends
    on the events alone.
    """
    events = list(events)  # the root of the events given now, whatever the caller does next
    task = _EventRootTask(events, Event)

    def result() -> bytes:
        root = task.result()
        return root if root is not None else _checked_event_root(events)

    return result


def _py_event_root(events: list[Event], plain_type: type[Event] = Event) -> bytes | None:
    """The event root of plainly valid ``events``, else None (the twin of the Rust
    ``event_root``: an event it cannot take is left to :func:`_checked_event_root`).
    ``plain_type`` tells the Rust twin which events it may encode from their fields."""
    leaves: dict[bytes, bytes] = {}
    try:
        _add_leaves(events, 0, {}, leaves)
    except EventError:
        return None
    return sparse_merkle_root(leaves, EVENT_KEY_LENGTH)


class _PyEventRootTask:
    """The twin of the Rust ``EventRootTask``: no thread, the root is computed when asked."""

    __slots__ = ("_events",)

    def __init__(self, events: list[Event], plain_type: type[Event] = Event) -> None:
        self._events = events

    def result(self) -> bytes | None:
        """What :func:`_py_event_root` gives."""
        return _py_event_root(self._events)


def _checked_event_root(events: list[Event]) -> bytes:
    """The reference path: the leaves built here raise the EventError naming the fault."""
    leaves: dict[bytes, bytes] = {}
    _add_leaves(events, 0, {}, leaves)
    return sparse_merkle_root(leaves, EVENT_KEY_LENGTH)


_event_root = pick("event_root", _py_event_root)
_EventRootTask = pick("EventRootTask", _PyEventRootTask)


class EventRootBuilder:
    """The event root of a block computed while its events arrive (see
    :class:`~klayr_py.tree.SparseMerkleRootBuilder`): :meth:`add` events as they become final
    (indexed), :meth:`prepare` to hash the chains of the topics seen so far, :meth:`root` at the
    end. Same root and errors as :func:`compute_event_root` of all the events."""

    def __init__(self) -> None:
        self._tree = SparseMerkleRootBuilder(EVENT_KEY_LENGTH, _TOPIC_HASH_LENGTH)
        self._topic_prefixes: dict[bytes, bytes] = {}
        self._count = 0

    def add(self, events: Sequence[Event]) -> None:
        """Add events (with their final indices); raises EventError as compute_event_root."""
        leaves: dict[bytes, bytes] = {}
        self._count = _add_leaves(events, self._count, self._topic_prefixes, leaves)
        try:
            self._tree.add(leaves.items())
        except TreeError as error:
            raise EventError(f"two events share an event tree key: {error}") from error

    def prepare(self) -> None:
        """Hash what can be hashed before the last event is known."""
        self._tree.prepare()

    def root(self) -> bytes:
        """The event root of every event added."""
        return self._tree.root()


def _add_leaves(
    events: Iterable[Event],
    count: int,
    topic_prefixes: dict[bytes, bytes],
    leaves: dict[bytes, bytes],
) -> int:
    """Add the event tree leaves of ``events`` (``count`` events came before) to ``leaves``;
    the new count. ``Event.key_pairs`` inlined (this runs for every event of every block), with
    each topic's hash computed once per block: a transaction's events all carry its ID."""
    for number, event in enumerate(events, count + 1):
        count = number
        if number > MAX_EVENTS_PER_BLOCK:
            raise EventError(f"Number of events cannot exceed {MAX_EVENTS_PER_BLOCK} per block")
        topics = event.topics
        index = event.index
        if len(topics) > EVENT_MAX_TOPICS_PER_EVENT or not 0 <= index < MAX_EVENTS_PER_BLOCK:
            event.key_pairs()  # raises the EventError that names the problem
        value = event.id
        first = index << EVENT_TOPIC_INDEX_LENGTH_BITS
        for position, topic in enumerate(topics):
            prefix = topic_prefixes.get(topic)
            if prefix is None:
                prefix = topic_prefixes[topic] = _sha256(topic).digest()[:_TOPIC_HASH_LENGTH]
            key = prefix + (first + position).to_bytes(EVENT_TOTAL_INDEX_LENGTH_BYTES, "big")
            if key in leaves:
                raise EventError(
                    f"two events share the event tree key {key.hex()}: index {index} is used twice"
                )
            leaves[key] = value
    return count
