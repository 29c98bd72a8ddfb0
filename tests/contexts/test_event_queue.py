"""The event queue: default topics, limits, shared child queues, Klayr's snapshot semantics."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import EventError
from klayr_py.state_machine import EventQueue, ReadOnlyEventQueue
from tests.oracle.batch import draw_many
from tests.oracle.node import require_oracle, run_node


def summary(queue: EventQueue) -> list[tuple[str, str, bytes, tuple[bytes, ...], int]]:
    return [(e.module, e.name, e.data, tuple(e.topics), e.index) for e in queue.events()]


def test_events_get_the_height_and_consecutive_indices() -> None:
    queue = EventQueue(42)
    queue.add("token", "transfer", b"\x01")
    queue.add("token", "lock", b"", [b"t"])
    events = queue.events()
    assert [(e.height, e.index) for e in events] == [(42, 0), (42, 1)]
    assert events[1].topics == (b"t",)
    assert queue.height == 42


def test_default_topic_comes_first_and_child_queues_share_the_events() -> None:
    queue = EventQueue(5)
    before = queue.child_queue(b"\x02")
    tx = queue.child_queue(b"\x04" + b"\xaa" * 32)
    before.add("m", "a", b"", [b"x"])
    tx.add("m", "b", b"")
    queue.add("m", "c", b"", [b"y"])
    assert summary(queue) == [
        ("m", "a", b"", (b"\x02", b"x"), 0),
        ("m", "b", b"", (b"\x04" + b"\xaa" * 32,), 1),
        ("m", "c", b"", (b"y",), 2),
    ]
    assert summary(before) == summary(tx) == summary(queue)


def test_a_child_of_a_child_has_only_its_own_default_topic() -> None:
    # As Klayr's getChildQueue: new EventQueue(height, events, [topic]).
    queue = EventQueue(1)
    grandchild = queue.child_queue(b"\x02").child_queue(b"\x03")
    grandchild.add("m", "e", b"")
    assert queue.events()[0].topics == (b"\x03",)


def test_at_most_four_topics_including_the_default_one() -> None:
    queue = EventQueue(1)
    queue.add("m", "e", b"", [b"1", b"2", b"3", b"4"])
    with pytest.raises(EventError, match="Max topics per event is 4 but received 5"):
        queue.add("m", "e", b"", [b"1", b"2", b"3", b"4", b"5"])
    child = queue.child_queue(b"\x04")
    child.add("m", "e", b"", [b"1", b"2", b"3"])
    with pytest.raises(EventError, match="Max topics per event is 4 but received 5"):
        child.add("m", "e", b"", [b"1", b"2", b"3", b"4"])
    assert len(queue.events()) == 2


def test_data_is_limited_to_10_kib() -> None:
    queue = EventQueue(1)
    queue.add("m", "e", bytes(10 * 1024))
    with pytest.raises(EventError, match="Max size of event data is 10240 but received 10241"):
        queue.add("m", "e", bytes(10 * 1024 + 1))
    assert len(queue.events()) == 1


def test_unsafe_add_skips_the_limits() -> None:
    queue = EventQueue(1)
    queue.unsafe_add("m", "e", bytes(20_000), [b"1", b"2", b"3", b"4", b"5"])
    assert len(queue.events()[0].topics) == 5


def test_restore_drops_the_events_added_since_the_snapshot() -> None:
    queue = EventQueue(1)
    queue.add("m", "kept", b"")
    snapshot = queue.create_snapshot()
    assert snapshot == 1
    queue.add("m", "dropped", b"")
    queue.child_queue(b"\x04").add("m", "dropped too", b"")
    queue.restore_snapshot(snapshot)
    assert [e.name for e in queue.events()] == ["kept"]


def test_no_revert_events_are_kept_and_reindexed() -> None:
    queue = EventQueue(1)
    queue.add("m", "a", b"")
    snapshot = queue.create_snapshot()
    queue.add("m", "b", b"")
    queue.add("m", "c", b"", no_revert=True)
    queue.add("m", "d", b"")
    queue.add("m", "e", b"", no_revert=True)
    queue.restore_snapshot(snapshot)
    assert [(e.name, e.index) for e in queue.events()] == [("a", 0), ("c", 1), ("e", 2)]


def test_a_kept_event_is_no_longer_protected_from_an_outer_restore() -> None:
    # Klayr re-adds kept events with noRevert: false.
    queue = EventQueue(1)
    outer = queue.create_snapshot()
    inner = queue.create_snapshot()
    queue.add("m", "protected once", b"", no_revert=True)
    queue.restore_snapshot(inner)
    assert len(queue.events()) == 1
    queue.restore_snapshot(outer)
    assert queue.events() == []


def test_nested_snapshots() -> None:
    queue = EventQueue(1)
    first = queue.create_snapshot()
    queue.add("m", "a", b"")
    second = queue.create_snapshot()
    queue.add("m", "b", b"")
    queue.restore_snapshot(second)
    assert [e.name for e in queue.events()] == ["a"]
    queue.add("m", "c", b"")
    queue.restore_snapshot(first)
    assert queue.events() == []


def test_read_only_queue_refuses_every_event() -> None:
    queue = ReadOnlyEventQueue(9)
    with pytest.raises(EventError, match="read-only"):
        queue.add("m", "e", b"")
    with pytest.raises(EventError, match="m:e"):
        queue.unsafe_add("m", "e", b"")
    child = queue.child_queue(b"\x04")
    with pytest.raises(EventError):
        child.add("m", "e", b"")
    assert queue.events() == [] and queue.height == 9


# --- model-based: operation sequences against Klayr's own EventQueue -------------------------

QUEUES = [None, b"\x02", b"\x04" + b"\x11" * 32]
"""The block's queue and two child queues (before-transactions, one transaction)."""

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.sampled_from(range(len(QUEUES))),
            st.sampled_from(["a", "b"]),
            st.sampled_from([0, 1, 10 * 1024, 10 * 1024 + 1]),
            st.integers(0, 5),
            st.booleans(),
        ),
        st.tuples(st.just("unsafe"), st.sampled_from(range(len(QUEUES))), st.booleans()),
        st.tuples(st.just("snapshot")),
        st.tuples(st.just("restore"), st.integers(0, 10)),
    ),
    max_size=25,
)


def run_python(ops: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``ops`` on our queue; the trace records errors and the final events."""
    queue = EventQueue(7)
    queues = [queue if t is None else queue.child_queue(t) for t in QUEUES]
    snapshots: list[int] = []
    trace: list[Any] = []
    for op in ops:
        if op[0] == "add":
            _, which, name, size, topics, no_revert = op
            try:
                queues[which].add(
                    "mod", name, bytes(size), [bytes([i]) for i in range(topics)], no_revert
                )
                trace.append("ok")
            except EventError:
                trace.append("error")
        elif op[0] == "unsafe":
            queues[op[1]].unsafe_add("mod", "u", b"\x01", [b"t"], op[2])
            trace.append("ok")
        elif op[0] == "snapshot":
            snapshots.append(queue.create_snapshot())
            trace.append(snapshots[-1])
        elif snapshots:
            queue.restore_snapshot(snapshots[op[1] % len(snapshots)])
            trace.append("restored")
    events = [
        [e.module, e.name, e.data.hex(), [t.hex() for t in e.topics], e.height, e.index]
        for e in queue.events()
    ]
    return [trace, events]


_KLAYR_EVENT_QUEUE = """
const { Event } = require('@klayr/chain/dist-node/event');
const { EVENT_MAX_EVENT_SIZE_BYTES, EVENT_MAX_TOPICS_PER_EVENT } =
  require('@klayr/chain/dist-node/constants');
// Verbatim from klayr-framework 0.12.3 dist-node/state_machine/event_queue.js.
class EventQueue {
  constructor(height, events, defaultTopics) {
    this._height = height; this._events = events ?? []; this._defaultTopics = defaultTopics ?? [];
  }
  add(module, name, data, topics, noRevert) {
    const allTopics = [...this._defaultTopics, ...(topics ?? [])];
    if (data.length > EVENT_MAX_EVENT_SIZE_BYTES) {
      throw new Error(
        `Max size of event data is ${EVENT_MAX_EVENT_SIZE_BYTES} but received ${data.length}`);
    }
    if (allTopics.length > EVENT_MAX_TOPICS_PER_EVENT) {
      throw new Error(
        `Max topics per event is ${EVENT_MAX_TOPICS_PER_EVENT} but received ${allTopics.length}`);
    }
    this.unsafeAdd(module, name, data, topics, noRevert);
  }
  unsafeAdd(module, name, data, topics, noRevert) {
    const allTopics = [...this._defaultTopics, ...(topics ?? [])];
    this._events.push({
      event: new Event({
        module, name, index: this._events.length, data, topics: allTopics, height: this._height,
      }),
      noRevert: noRevert ?? false,
    });
  }
  getChildQueue(topicID) { return new EventQueue(this._height, this._events, [topicID]); }
  createSnapshot() { return this._events.length; }
  restoreSnapshot(snapshotID) {
    const newEvents = this._events.splice(snapshotID);
    const nonRevertableEvents = newEvents.filter(eventData => eventData.noRevert)
      .map((eventData, i) => ({
        event: new Event({ ...eventData.event.toObject(), index: snapshotID + i }),
        noRevert: false,
      }));
    this._events.push(...nonRevertableEvents);
  }
  getEvents() { return this._events.map(e => e.event); }
}
const QUEUES = [null, '02', '04' + '11'.repeat(32)];
output(input.map(ops => {
  const queue = new EventQueue(7);
  const queues = QUEUES.map(t => t === null ? queue : queue.getChildQueue(Buffer.from(t, 'hex')));
  const snapshots = [];
  const trace = [];
  for (const op of ops) {
    if (op[0] === 'add') {
      const [, which, name, size, topics, noRevert] = op;
      const topicList = [...Array(topics).keys()].map(i => Buffer.from([i]));
      try {
        queues[which].add('mod', name, Buffer.alloc(size), topicList, noRevert);
        trace.push('ok');
      }
      catch (e) { trace.push('error'); }
    } else if (op[0] === 'unsafe') {
      queues[op[1]].unsafeAdd('mod', 'u', Buffer.from([1]), [Buffer.from('t')], op[2]);
      trace.push('ok');
    } else if (op[0] === 'snapshot') {
      snapshots.push(queue.createSnapshot()); trace.push(snapshots[snapshots.length - 1]);
    } else if (snapshots.length > 0) {
      queue.restoreSnapshot(snapshots[op[1] % snapshots.length]); trace.push('restored');
    }
  }
  const events = queue.getEvents().map(e => {
    const o = e.toObject();
    return [o.module, o.name, o.data.toString('hex'), o.topics.map(t => t.toString('hex')),
            o.height, o.index];
  });
  return [trace, events];
}));
"""


def test_operation_sequences_match_klayrs_event_queue() -> None:
    require_oracle("@klayr/chain")
    cases = draw_many(operations, 150)
    klayr = run_node(_KLAYR_EVENT_QUEUE, cases)
    for ops, expected in zip(cases, klayr, strict=True):
        assert run_python(ops) == expected, ops


@settings(max_examples=60, deadline=None)
@given(operations)
def test_indices_are_always_consecutive(ops: list[tuple[Any, ...]]) -> None:
    _, events = run_python(ops)
    assert [e[5] for e in events] == list(range(len(events)))


def test_count_and_events_from() -> None:
    queue = EventQueue(3)
    assert queue and queue.count() == 0  # an empty queue is still a queue (``queue or ...``)
    for i in range(3):
        queue.add("m", "e", bytes([i]), [b"t"])
    assert queue.count() == 3
    assert queue.events_from(1) == queue.events()[1:]
    assert [e.index for e in queue.events_from(2)] == [2]
