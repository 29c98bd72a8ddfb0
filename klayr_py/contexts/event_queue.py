"""The event queue of a block (LIP 0065), with Klayr's snapshot semantics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from klayr_py.chain.constants import (
    EVENT_MAX_EVENT_SIZE_BYTES,
    EVENT_MAX_TOPICS_PER_EVENT,
)
from klayr_py.chain.event import Event
from klayr_py.errors import EventError


@dataclass(slots=True)
class _Queued:
    event: Event
    no_revert: bool


class EventQueue:
    """Events of one block in emission order; child queues share it and add a default topic.

    ``create_snapshot()`` / ``restore_snapshot(id)`` drop the events added since the snapshot,
    except those added with ``no_revert``, which are kept and re-indexed (as Klayr does).
    """

    __slots__ = ("_default_topics", "_events", "_height")

    def __init__(
        self,
        height: int,
        events: list[_Queued] | None = None,
        default_topics: Sequence[bytes] = (),
    ) -> None:
        self._height = height
        self._events: list[_Queued] = events if events is not None else []
        self._default_topics = tuple(default_topics)

    @property
    def height(self) -> int:
        """The height of the block the events belong to."""
        return self._height

    def add(
        self,
        module: str,
        name: str,
        data: bytes,
        topics: Sequence[bytes] | None = None,
        no_revert: bool = False,
    ) -> None:
        """Add an event, after the default topic; checks Klayr's size and topic limits."""
        if len(data) > EVENT_MAX_EVENT_SIZE_BYTES:
            raise EventError(
                f"Max size of event data is {EVENT_MAX_EVENT_SIZE_BYTES} but received {len(data)}"
            )
        count = len(self._default_topics) + len(topics or ())
        if count > EVENT_MAX_TOPICS_PER_EVENT:
            raise EventError(
                f"Max topics per event is {EVENT_MAX_TOPICS_PER_EVENT} but received {count}"
            )
        self.unsafe_add(module, name, data, topics, no_revert)

    def unsafe_add(
        self,
        module: str,
        name: str,
        data: bytes,
        topics: Sequence[bytes] | None = None,
        no_revert: bool = False,
    ) -> None:
        """Add an event without the limit checks (the framework's own events)."""
        events = self._events
        event = Event._unchecked(
            module,
            name,
            data,
            (*self._default_topics, *topics) if topics else self._default_topics,
            self._height,
            len(events),
        )
        events.append(_Queued(event, no_revert))

    def child_queue(self, topic: bytes) -> EventQueue:
        """A queue sharing these events whose additions get ``topic`` as their first topic."""
        return EventQueue(self._height, self._events, (topic,))

    def create_snapshot(self) -> int:
        """A snapshot ID: the number of events so far."""
        return len(self._events)

    def restore_snapshot(self, snapshot_id: int) -> None:
        """Drop events added since ``snapshot_id``, keeping ``no_revert`` ones, re-indexed."""
        dropped = self._events[snapshot_id:]
        del self._events[snapshot_id:]
        for queued in dropped:
            if queued.no_revert:
                event = replace(queued.event, index=len(self._events))
                self._events.append(_Queued(event, False))

    def discard_from(self, position: int) -> None:
        """Drop every event from ``position`` on, ``no_revert`` ones too.

        For a transaction the generator leaves out (INVALID): Klayr's generator drops that
        transaction's whole event queue, so not even its error events reach the block.
        """
        del self._events[position:]

    def events(self) -> list[Event]:
        """The events so far, in order."""
        return [queued.event for queued in self._events]

    def events_from(self, start: int) -> list[Event]:
        """The events from position ``start`` on, in order."""
        return [queued.event for queued in self._events[start:]]

    def count(self) -> int:
        """How many events the queue holds (not ``len()``: a queue is truthy even when empty)."""
        return len(self._events)


class ReadOnlyEventQueue(EventQueue):
    """The queue of read-only contexts (verification, endpoints): refuses every event."""

    __slots__ = ()

    def __init__(self, height: int = 0) -> None:
        super().__init__(height)

    def unsafe_add(
        self,
        module: str,
        name: str,
        data: bytes,
        topics: Sequence[bytes] | None = None,
        no_revert: bool = False,
    ) -> None:
        raise EventError(f"cannot add event {module}:{name} in a read-only context")

    def child_queue(self, topic: bytes) -> EventQueue:
        return self
