"""The Rust event root (``event_root``, ``EventRootTask``) against its Python twin: the same roots
byte for byte, the same errors through ``compute_event_root``/``start_event_root``, and no crash on
events whose fields are garbage."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.chain import Event, roots
from klayr_py.chain.constants import MAX_EVENTS_PER_BLOCK
from klayr_py.crypto import hash as sha256
from klayr_py.errors import CodecError, EventError
from tests._native import native_module

from .strategies import events

native = native_module()
VECTORS = json.loads((Path(__file__).parent / "vectors" / "event_roots.json").read_text())
TOPICS = [b"", b"a", b"\x00" * 32, b"transaction id 1", b"sender"]


def _block_events(draw: st.DrawFn) -> list[Event]:
    """Events as a block has them (indices 0..n-1), now and then one out of the plain case:
    a repeated index, an index at the limit, five topics."""
    drawn = draw(st.lists(events(topic_pool=TOPICS), max_size=30))
    indexed = [event.with_index(index) for index, event in enumerate(drawn)]
    if indexed and draw(st.booleans()):
        position = draw(st.integers(0, len(indexed) - 1))
        flaw = draw(
            st.sampled_from(
                [
                    {"index": indexed[0].index},  # shares an index (if it has topics)
                    {"index": MAX_EVENTS_PER_BLOCK - 1},
                    {"index": MAX_EVENTS_PER_BLOCK},
                    {"index": -1},
                    {"topics": tuple(TOPICS)},
                ]
            )
        )
        indexed[position] = replace(indexed[position], **flaw)
    return indexed


block_events = st.composite(_block_events)


def _outcome(compute: Callable[[], bytes]) -> bytes | str:
    try:
        return compute()
    except EventError as error:
        return f"EventError: {error}"


def _python_kernels(patch: pytest.MonkeyPatch) -> None:
    """Make chain.roots use the Python twins, as KLAYR_PY_NO_NATIVE=1 does at import."""
    patch.setattr(roots, "_event_root", roots._py_event_root)
    patch.setattr(roots, "_EventRootTask", roots._PyEventRootTask)


def _fresh(evs: list[Event]) -> list[Event]:
    """Copies not yet encoded: the Rust kernel encodes plain ``Event``s itself."""
    return [replace(event) for event in evs]


@settings(max_examples=300, deadline=None)
@given(block_events())
def test_twins_give_the_same_root_or_none(evs: list[Event]) -> None:
    from_fields = native.event_root(_fresh(evs), Event)
    in_thread = native.EventRootTask(_fresh(evs), Event).result()
    expected = roots._py_event_root(evs)
    assert from_fields == in_thread == expected
    assert native.event_root(evs, Event) == expected  # now from their cached bytes


class _LoudEvent(Event):
    """An event type of a module's own, whose ID is its own: its leaves carry that ID."""

    @property
    def id(self) -> bytes:  # type: ignore[override]
        return sha256(b"loud " + self.get_bytes())


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=12),
    st.text(max_size=12),
    st.binary(max_size=40),
    st.lists(st.sampled_from(TOPICS), min_size=1, max_size=4),
    st.integers(-1, 2**32) | st.booleans(),
    st.integers(0, 2**30 - 1),
)
def test_fields_encoded_in_rust_are_the_codecs_bytes(
    module: str, name: str, data: bytes, topics: list[bytes], height: int, index: int
) -> None:
    fields = {"module": module, "name": name, "data": data, "topics": topics, "height": height}
    for kind in (Event, _LoudEvent):
        try:
            expected: bytes | str = roots._py_event_root([kind(**fields, index=index)])  # type: ignore[assignment]
        except CodecError as error:
            expected = f"CodecError: {error}"
        try:
            got: bytes | str = roots.compute_event_root([kind(**fields, index=index)])
        except CodecError as error:
            got = f"CodecError: {error}"
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(block_events())
def test_public_roots_and_errors_are_the_same_with_either_kernel(evs: list[Event]) -> None:
    with_native = [
        _outcome(lambda: roots.compute_event_root(evs)),
        _outcome(roots.start_event_root(evs)),
    ]
    with pytest.MonkeyPatch.context() as patch:
        _python_kernels(patch)
        with_python = [
            _outcome(lambda: roots.compute_event_root(evs)),
            _outcome(roots.start_event_root(evs)),
        ]
    assert with_native == with_python
    assert with_native[0] == with_native[1]


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["description"])
def test_native_event_root_equals_lisk_db(case: dict[str, Any]) -> None:
    parsed = [Event.from_json(event) for event in case["events"]]
    assert native.event_root(parsed, Event).hex() == case["eventRoot"]
    assert native.EventRootTask(parsed, Event).result().hex() == case["eventRoot"]


def test_start_event_root_is_the_root_of_the_events_given_then() -> None:
    evs = [
        Event(module="m", name="e", data=bytes([i]), topics=[bytes([i])], height=1, index=i)
        for i in range(10)
    ]
    expected = roots.compute_event_root(evs)
    with pytest.MonkeyPatch.context() as patch:
        for python in (False, True):
            if python:
                _python_kernels(patch)
            given = list(evs)
            result = roots.start_event_root(given)
            given.append(replace(evs[0], index=10))  # the caller's list changes afterwards
            assert result() == expected


def test_irregular_events_are_refused_by_name() -> None:
    shared = [
        Event(module="m", name="e", data=b"", topics=[b"t"], height=1, index=3),
        Event(module="m", name="f", data=b"", topics=[b"t"], height=1, index=3),
    ]
    assert native.event_root(shared, Event) is None
    with pytest.raises(EventError, match="index 3 is used twice"):
        roots.compute_event_root(shared)
    result = roots.start_event_root(shared)  # raises when the root is asked for
    with pytest.raises(EventError, match="index 3 is used twice"):
        result()
    too_many = [Event(module="m", name="e", data=b"", topics=[b"t"] * 5, height=1)]
    with pytest.raises(EventError, match="has 5 topics"):
        roots.compute_event_root(too_many)


def test_an_event_that_cannot_be_encoded_raises_pythons_error() -> None:
    broken = Event(module="m", name="e", data=b"", topics=[b"t"], height=-1)
    assert native.event_root([broken], Event) is None
    assert native.EventRootTask([broken], Event).result() is None
    with pytest.raises(CodecError):
        roots.compute_event_root([broken])


class _Garbage:
    """An object posing as an event, with whatever fields hypothesis gives it."""

    def __init__(self, index: object, topics: object, event_id: object) -> None:
        self.index = index
        self.topics = topics
        self._id = event_id

    @property
    def id(self) -> object:
        if isinstance(self._id, Exception):
            raise self._id
        return self._id


_ANYTHING = st.one_of(
    st.none(),
    st.integers(-(2**70), 2**70),
    st.binary(max_size=20),
    st.text(max_size=5),
    st.lists(st.binary(max_size=8), max_size=6),
    st.lists(st.binary(max_size=8).map(bytearray), min_size=1, max_size=2),
    st.lists(st.text(max_size=3), max_size=3),
    st.tuples(st.binary(max_size=8), st.integers()),
    st.just(ValueError("boom")),
    st.just(bytearray(b"ba")),
    st.binary(min_size=32, max_size=32),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.builds(_Garbage, _ANYTHING, _ANYTHING, _ANYTHING), max_size=5) | _ANYTHING)
def test_garbage_never_crashes_and_gives_nothing_python_would_not(events_like: Any) -> None:
    try:
        expected: bytes | str | None = roots._py_event_root(events_like)
    except Exception as error:  # any Python error: native must hand over (None)
        expected = type(error).__name__
    got = native.event_root(events_like, Event)
    assert got == native.EventRootTask(events_like, Event).result()
    if got is not None:  # a root only where Python computes the very same one
        assert got == expected


def test_result_asked_from_two_threads_at_once() -> None:
    """A first version joined the thread inside a OnceLock: a second asker blocked there holding
    the GIL the first needed back, and the whole process hung (this test never returned)."""
    evs = [
        Event(module="m", name="e", data=bytes([i % 251]), topics=[bytes([i % 7]) * 32], height=1)
        for i in range(30_000)
    ]
    evs = [event.with_index(index) for index, event in enumerate(evs)]
    expected = roots._py_event_root(evs)
    task = native.EventRootTask(evs, Event)  # hashes for a while: the askers wait together
    results: list[bytes | None] = []
    ready = threading.Barrier(3)

    def ask() -> None:
        ready.wait()
        results.append(task.result())

    askers = [threading.Thread(target=ask, daemon=True) for _ in range(3)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=60)
    assert not any(asker.is_alive() for asker in askers)
    assert results == [expected] * 3
    assert task.result() == expected
