"""Event: encoding, event tree leaves and the event root (LIP 0065) as Klayr computes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.chain import (
    Event,
    EventError,
    EventRootBuilder,
    command_execution_result_event,
    compute_event_root,
    index_events,
    schemas,
    standard_event_data,
)
from klayr_py.chain import constants as c
from klayr_py.crypto import hash as sha256
from klayr_py.errors import CodecError
from klayr_py.tree import sparse_merkle_root

from .strategies import events

VECTORS = json.loads((Path(__file__).parent / "vectors" / "event_roots.json").read_text())


def test_event_constants_are_klayrs() -> None:
    assert c.EVENT_KEY_LENGTH == 12
    assert c.EVENT_TOTAL_INDEX_LENGTH_BYTES == 4
    assert c.EVENT_ID_LENGTH_BYTES == 8
    assert 2**c.EVENT_TOPIC_INDEX_LENGTH_BITS == c.EVENT_MAX_TOPICS_PER_EVENT == 4
    assert 2**c.EVENT_INDEX_LENGTH_BITS == c.MAX_EVENTS_PER_BLOCK
    assert c.EVENT_TOPIC_HASH_LENGTH_BYTES == 8


@given(events())
def test_round_trips(event: Event) -> None:
    assert Event.from_bytes(event.get_bytes()) == event
    assert Event.from_json(event.to_json()) == event
    assert Event.from_dict(event.to_dict()) == event
    assert event.id == sha256(codec.encode(schemas.EVENT_SCHEMA, event.to_dict()))
    event.validate()


@given(events())
def test_key_pairs_as_lip_0065(event: Event) -> None:
    pairs = event.key_pairs()
    assert len(pairs) == len(event.topics)
    for position, (topic, (key, value)) in enumerate(zip(event.topics, pairs, strict=True)):
        assert len(key) == c.EVENT_KEY_LENGTH
        assert key[:8] == sha256(topic)[:8]
        assert int.from_bytes(key[8:], "big") == event.index * 4 + position
        assert value == sha256(event.get_bytes())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["description"])
def test_event_root_equals_lisk_db(case: dict[str, object]) -> None:
    parsed = [Event.from_json(e) for e in case["events"]]  # type: ignore[attr-defined]
    assert compute_event_root(parsed).hex() == case["eventRoot"]


@settings(max_examples=40)
@given(st.lists(events(topic_pool=[b"a", b"b", b"tx" * 16]), max_size=30))
def test_event_root_is_the_sparse_merkle_root_of_all_leaves(evs: list[Event]) -> None:
    indexed = index_events(evs)
    assert [e.index for e in indexed] == list(range(len(evs)))
    leaves = dict(pair for e in indexed for pair in e.key_pairs())
    assert compute_event_root(indexed) == sparse_merkle_root(leaves, 12)
    assert compute_event_root(reversed(indexed)) == compute_event_root(indexed)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["description"])
def test_event_root_builder_equals_lisk_db(case: dict[str, object]) -> None:
    parsed = [Event.from_json(e) for e in case["events"]]  # type: ignore[attr-defined]
    builder = EventRootBuilder()
    for event in parsed:
        builder.add([event])
        builder.prepare()
    assert builder.root().hex() == case["eventRoot"]


@settings(max_examples=60)
@given(
    st.lists(events(topic_pool=[b"a", b"b", b"tx" * 16]), max_size=30),
    st.lists(st.integers(0, 30)),
)
def test_event_root_builder_gives_compute_event_root(evs: list[Event], cuts: list[int]) -> None:
    """Events fed in any batches (as a block's transactions end) give the one-shot root."""
    indexed = index_events(evs)
    builder = EventRootBuilder()
    start = 0
    for cut in sorted(cuts):
        builder.add(indexed[start:cut])
        if cut % 2:
            builder.prepare()
        start = max(start, cut)
    builder.add(indexed[start:])
    assert builder.root() == compute_event_root(indexed)


def test_event_root_builder_refuses_what_compute_event_root_refuses() -> None:
    event = Event(module="m", name="e", data=b"", topics=[b"t"], height=1, index=3)
    builder = EventRootBuilder()
    builder.add([event])
    with pytest.raises(EventError, match="share an event tree key"):
        builder.add([event])
    with pytest.raises(EventError, match="index 3 is used twice"):
        EventRootBuilder().add([event, event])


def test_empty_event_root() -> None:
    assert compute_event_root([]) == c.EMPTY_HASH
    no_topics = Event(module="m", name="e", data=b"", topics=[], height=1)
    assert compute_event_root([no_topics]) == c.EMPTY_HASH


def test_event_root_refuses_colliding_keys() -> None:
    event = Event(module="m", name="e", data=b"", topics=[b"t"], height=1, index=3)
    with pytest.raises(EventError, match="index 3 is used twice"):
        compute_event_root([event, event])


def test_key_pairs_refuse_what_would_collide() -> None:
    with pytest.raises(EventError, match="5 topics"):
        Event(module="m", name="e", data=b"", topics=[b"t"] * 5, height=1).key_pairs()
    with pytest.raises(EventError, match="index 1073741824"):
        Event(module="m", name="e", data=b"", topics=[b"t"], height=1, index=2**30).key_pairs()


def test_validate_names_the_field() -> None:
    with pytest.raises(EventError, match=r"'\.name'"):
        Event(module="m", name="", data=b"", topics=[], height=1).validate()
    with pytest.raises(EventError, match=r"'\.topics'"):
        Event(module="m", name="e", data=b"", topics=[b""] * 5, height=1).validate()
    with pytest.raises(EventError, match=r"'\.index'"):
        Event(module="m", name="e", data=b"", topics=[], height=1, index=2**30).validate()


def test_command_execution_result_event() -> None:
    tx_id = b"\x05" * 32
    event = command_execution_result_event("token", tx_id, True, height=7, index=2)
    assert event.name == "commandExecutionResult" and event.topics == (tx_id,)
    assert event.data == standard_event_data(True) == bytes.fromhex("0801")
    assert standard_event_data(False) == bytes.fromhex("0800")
    assert (event.module, event.height, event.index) == ("token", 7, 2)


def test_from_bytes_and_json_are_strict() -> None:
    with pytest.raises(CodecError):
        Event.from_bytes(b"\x0a\x01m")
    with pytest.raises(EventError, match="'index'"):
        Event.from_json({"module": "m", "name": "e", "data": "", "topics": [], "height": 1})
