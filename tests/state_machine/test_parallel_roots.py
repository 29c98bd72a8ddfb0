"""The event root computed in a worker process equals the one computed here."""

from __future__ import annotations

from klayr_py.chain import Event, compute_event_root
from klayr_py.state_machine.parallel_roots import MIN_PARALLEL_EVENTS, EventRootWorker


def _events(count: int) -> list[Event]:
    return [
        Event(
            module="hello",
            name="newHello" if i % 2 else "commandExecutionResult",
            data=bytes([i % 256]) * (i % 7),
            topics=[bytes([4]) + (i // 2).to_bytes(32, "big"), bytes([i % 5]) * 20],
            height=7,
            index=i,
        )
        for i in range(count)
    ]


def test_worker_and_local_roots_agree() -> None:
    worker = EventRootWorker()
    try:
        for count in (MIN_PARALLEL_EVENTS, 1000):
            events = _events(count)
            assert worker.event_root(worker.submit(events), events) == compute_event_root(events)
    finally:
        worker.close()


def test_a_dead_worker_falls_back_to_computing_here() -> None:
    worker = EventRootWorker()
    events = _events(MIN_PARALLEL_EVENTS)
    future = worker.submit(events)
    worker.event_root(future, events)
    assert worker._executor is not None
    for process in worker._executor._processes.values():
        process.kill()
    process.join()
    for _ in range(2):  # broken at submit or at result: either way the root is right
        assert worker.event_root(worker.submit(events), events) == compute_event_root(events)
    worker.close()
