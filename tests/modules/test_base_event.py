"""BaseEvent: key, encoding of event data, topics and no_revert through the event queue."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.errors import CodecError, EventError
from klayr_py.modules import BaseEvent, KlayrModel, UInt64, schema_from_model
from klayr_py.state_machine import EventQueue, ReadOnlyEventQueue


class TransferData(KlayrModel):
    sender_address: bytes
    amount: UInt64


class TransferEvent(BaseEvent[TransferData]):
    pass


LOCK_SCHEMA = {
    "$id": "/test/lock",
    "type": "object",
    "required": ["amount"],
    "properties": {"amount": {"dataType": "uint64", "fieldNumber": 1}},
}


class LockEvent(BaseEvent[dict[str, Any]]):
    schema = LOCK_SCHEMA


class PingEvent(BaseEvent):  # type: ignore[type-arg]
    pass


class Ctx:
    def __init__(self, queue: EventQueue) -> None:
        self.event_queue = queue


def test_key_is_module_name_plus_event_name() -> None:
    assert TransferEvent("token").key == b"tokentransfer"
    assert TransferEvent("token").name == "transfer"
    assert TransferEvent("token").module_name == "token"


def test_add_encodes_model_data_with_the_derived_schema() -> None:
    queue = EventQueue(12)
    data = TransferData(sender_address=b"\x01" * 20, amount=5)
    TransferEvent("token").add(Ctx(queue), data, [b"topic"])
    (event,) = queue.events()
    assert (event.module, event.name, event.height, event.index) == ("token", "transfer", 12, 0)
    assert event.topics == (b"topic",)
    expected = codec.encode(
        schema_from_model(TransferData), {"senderAddress": b"\x01" * 20, "amount": 5}
    )
    assert event.data == expected


def test_add_encodes_dict_data_with_the_declared_schema() -> None:
    queue = EventQueue(1)
    LockEvent("pos").add(Ctx(queue), {"amount": 300})
    (event,) = queue.events()
    assert event.data == codec.encode(LOCK_SCHEMA, {"amount": 300})
    assert event.topics == ()


def test_an_event_without_a_schema_has_empty_data() -> None:
    queue = EventQueue(1)
    PingEvent("m").add(Ctx(queue), {})
    assert queue.events()[0].data == b""


def test_the_child_queues_default_topic_comes_first() -> None:
    queue = EventQueue(3)
    child = queue.child_queue(b"\x04" + bytes(32))
    LockEvent("pos").add(Ctx(child), {"amount": 1}, [b"a", b"b"])
    assert queue.events()[0].topics == (b"\x04" + bytes(32), b"a", b"b")


def test_topic_and_size_limits_apply_to_module_events() -> None:
    child = EventQueue(3).child_queue(b"\x04")
    with pytest.raises(EventError, match="Max topics per event is 4 but received 5"):
        LockEvent("pos").add(Ctx(child), {"amount": 1}, [b"1", b"2", b"3", b"4"])

    class BlobEvent(BaseEvent[dict[str, Any]]):
        schema = {  # noqa: RUF012
            "$id": "/test/blob",
            "type": "object",
            "required": ["blob"],
            "properties": {"blob": {"dataType": "bytes", "fieldNumber": 1}},
        }

    with pytest.raises(EventError, match="Max size of event data is 10240"):
        BlobEvent("m").add(Ctx(child), {"blob": bytes(10 * 1024)})


def test_invalid_data_raises_a_codec_error_and_adds_nothing() -> None:
    queue = EventQueue(1)
    with pytest.raises(CodecError):
        LockEvent("pos").add(Ctx(queue), {"amount": -5})
    assert queue.events() == []


def test_no_revert_events_survive_a_restore() -> None:
    queue = EventQueue(1)
    snapshot = queue.create_snapshot()
    LockEvent("pos").add(Ctx(queue), {"amount": 1})
    LockEvent("pos").add(Ctx(queue), {"amount": 2}, no_revert=True)
    queue.restore_snapshot(snapshot)
    (kept,) = queue.events()
    assert kept.data == codec.encode(LOCK_SCHEMA, {"amount": 2}) and kept.index == 0


def test_a_read_only_queue_refuses_module_events() -> None:
    with pytest.raises(EventError, match="read-only"):
        LockEvent("pos").add(Ctx(ReadOnlyEventQueue(1)), {"amount": 1})
