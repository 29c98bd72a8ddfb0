"""Klayr's event (``@klayr/chain`` ``event.js``, LIP 0065): bytes, ID and event tree leaves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from klayr_py import codec
from klayr_py.chain._common import cached, check_schema, require_fields
from klayr_py.chain.constants import (
    EVENT_COMMAND_EXECUTION_RESULT,
    EVENT_MAX_TOPICS_PER_EVENT,
    EVENT_TOPIC_HASH_LENGTH_BYTES,
    EVENT_TOPIC_INDEX_LENGTH_BITS,
    EVENT_TOTAL_INDEX_LENGTH_BYTES,
    MAX_EVENTS_PER_BLOCK,
)
from klayr_py.chain.schemas import EVENT_SCHEMA, STANDARD_EVENT_DATA_SCHEMA
from klayr_py.codec import compile_schema
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import EventError

__all__ = ["Event", "command_execution_result_event", "standard_event_data"]

_JSON_FIELDS = tuple(EVENT_SCHEMA["required"])
_ENCODE_EVENT = compile_schema(EVENT_SCHEMA).encode


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something a module reports while a block executes: ``data`` encoded by the module's event
    schema, ``topics`` to find it by, and its position ``index`` among the block's events.

    Immutable: :meth:`with_index` returns a re-indexed copy (Klayr's ``setIndex``).
    """

    module: str
    name: str
    data: bytes
    topics: Sequence[bytes]
    height: int
    index: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.topics, tuple):
            object.__setattr__(self, "topics", tuple(self.topics))

    @classmethod
    def _unchecked(
        cls, module: str, name: str, data: bytes, topics: tuple[bytes, ...], height: int, index: int
    ) -> Event:
        """The event these fields make, as the constructor would, minus its overhead (the event
        queue makes two per transaction): ``topics`` must already be a tuple."""
        event = object.__new__(cls)
        fields = event.__dict__
        fields["module"] = module
        fields["name"] = name
        fields["data"] = data
        fields["topics"] = topics
        fields["height"] = height
        fields["index"] = index
        return event

    @classmethod
    def from_bytes(cls, data: bytes) -> Event:
        """Decode Klayr's encoding strictly; a flaw raises :class:`CodecError` naming the field."""
        return cls.from_dict(codec.decode(EVENT_SCHEMA, data))

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Event:
        """The event of a decoded value with Klayr's property names."""
        return cls(
            module=value["module"],
            name=value["name"],
            data=value["data"],
            topics=value["topics"],
            height=value["height"],
            index=value["index"],
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Event:
        """Parse Klayr's JSON form (hex ``data`` and ``topics``)."""
        require_fields(value, _JSON_FIELDS, EventError, "event")
        try:
            return cls.from_dict(codec.from_json(EVENT_SCHEMA, value))
        except (TypeError, ValueError) as exc:
            raise EventError(f"invalid event JSON: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """Klayr's ``toObject()``: the properties with bytes and ints."""
        return {
            "module": self.module,
            "name": self.name,
            "data": self.data,
            "topics": list(self.topics),
            "height": self.height,
            "index": self.index,
        }

    def to_json(self) -> dict[str, Any]:
        """Klayr's ``toJSON()``: hex ``data`` and ``topics``."""
        return codec.to_json(EVENT_SCHEMA, self.to_dict())

    def get_bytes(self) -> bytes:
        """The encoded event; its hash is the value of each of its event tree leaves."""
        return self._bytes

    @cached
    def id(self) -> bytes:
        """sha256 of :meth:`get_bytes` (Klayr's ``Event.id()``)."""
        return sha256(self._bytes)

    def with_index(self, index: int) -> Event:
        """A copy at position ``index`` among the block's events."""
        return replace(self, index=index)

    def key_pairs(self) -> list[tuple[bytes, bytes]]:
        """The event's leaves in the event tree: one (key, value) per topic (Klayr's ``keyPair``).

        key = first 8 bytes of sha256(topic) + uint32 big-endian (index << 2 | topic position);
        value = sha256(encoded event). Raises :class:`EventError` where Klayr would silently make
        keys that collide with another event's: more than 4 topics, or an index of 2**30 or more.
        """
        if len(self.topics) > EVENT_MAX_TOPICS_PER_EVENT:
            raise EventError(
                f"event {self.module}:{self.name} has {len(self.topics)} topics; "
                f"at most {EVENT_MAX_TOPICS_PER_EVENT} are allowed"
            )
        if not 0 <= self.index < MAX_EVENTS_PER_BLOCK:
            raise EventError(
                f"event index {self.index} is out of range [0, {MAX_EVENTS_PER_BLOCK})"
            )
        value = self.id
        first = self.index << EVENT_TOPIC_INDEX_LENGTH_BITS
        return [
            (
                sha256(topic)[:EVENT_TOPIC_HASH_LENGTH_BYTES]
                + (first + position).to_bytes(EVENT_TOTAL_INDEX_LENGTH_BYTES, "big"),
                value,
            )
            for position, topic in enumerate(self.topics)
        ]

    def validate(self) -> None:
        """Check the event against Klayr's event schema (name lengths, at most 4 topics ...)."""
        check_schema(EVENT_SCHEMA, self.to_dict(), EventError, "event")

    @cached
    def _bytes(self) -> bytes:
        return _ENCODE_EVENT(self.to_dict())


def standard_event_data(success: bool) -> bytes:
    """The data of the standard ``commandExecutionResult`` event: ``{success}`` encoded."""
    return codec.encode(STANDARD_EVENT_DATA_SCHEMA, {"success": success})


def command_execution_result_event(
    module: str, transaction_id: bytes, success: bool, *, height: int, index: int = 0
) -> Event:
    """The event Klayr's state machine adds after each transaction's command: named
    ``commandExecutionResult``, in the transaction's module, with the transaction ID as topic."""
    return Event(
        module=module,
        name=EVENT_COMMAND_EXECUTION_RESULT,
        data=standard_event_data(success),
        topics=(transaction_id,),
        height=height,
        index=index,
    )
