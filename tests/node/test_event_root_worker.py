"""The event root built in a worker process, from events streamed to it, equals the one computed
here; a dead worker or refused events fall back to computing here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from klayr_py.chain import Event, EventError, compute_event_root
from klayr_py.db import InMemoryDatabase
from klayr_py.modules import BaseModule
from klayr_py.node import event_root_worker as parallel_roots
from klayr_py.node.event_root_worker import STREAM_BATCH, EventRootWorker
from tests.state_machine.kv_module import MODE_RAISE, KvChain, KvModule, genesis_assets, set_entry


def _events(count: int, salt: int = 0) -> list[Event]:
    return [
        Event(
            module="hello",
            name="newHello" if i % 2 else "commandExecutionResult",
            data=bytes([i % 256]) * (i % 7),
            topics=[bytes([4]) + (salt + i // 2).to_bytes(32, "big"), bytes([i % 5]) * 20],
            height=7,
            index=i,
        )
        for i in range(count)
    ]


def _stream(worker: EventRootWorker, events: list[Event], batch: int) -> bytes:
    worker.begin()
    for start in range(0, len(events), batch):
        worker.add(events[start : start + batch])
    return worker.root(events)


@pytest.fixture
def worker() -> Iterator[EventRootWorker]:
    worker = EventRootWorker()
    yield worker
    worker.close()


def test_worker_and_local_roots_agree(worker: EventRootWorker) -> None:
    for count, batch, salt in ((0, 1, 0), (1, 1, 0), (300, 7, 1), (2000, 64, 2), (2000, 2000, 2)):
        events = _events(count, salt)
        assert _stream(worker, events, batch) == compute_event_root(events)
    assert worker._process is not None and worker._process.is_alive()


def test_a_dead_worker_falls_back_to_computing_here(worker: EventRootWorker) -> None:
    events = _events(500)
    worker.begin()
    worker.add(events[:100])
    assert worker._process is not None
    worker._process.kill()
    worker._process.join()
    worker.add(events[100:])  # the pipe is broken here or at root(): either way the root is right
    assert worker.root(events) == compute_event_root(events)
    # The next block starts a new worker.
    assert _stream(worker, events, 50) == compute_event_root(events)
    assert worker._process is not None and worker._process.is_alive()


def test_refused_events_raise_as_computed_here(worker: EventRootWorker) -> None:
    events = _events(10)
    doubled = [*events, events[3]]  # index 3 twice
    worker.begin()
    worker.add(events)
    worker.add([events[3]])
    with pytest.raises(EventError, match="index 3 is used twice"):
        worker.root(doubled)
    assert _stream(worker, events, 3) == compute_event_root(events)  # the worker goes on


class _Rewinder(BaseModule):
    """Drops the block's events after the last transaction (a module misusing the queue)."""

    rewind = False

    def after_transactions_execute(self, ctx: object) -> None:
        if self.rewind:
            ctx.event_queue.restore_snapshot(0)  # type: ignore[attr-defined]


def _chains(worker: EventRootWorker) -> tuple[KvChain, KvChain, _Rewinder, _Rewinder]:
    rewinders = _Rewinder(), _Rewinder()
    here = KvChain(InMemoryDatabase(), [KvModule(), rewinders[0]])
    there = KvChain(InMemoryDatabase(), [KvModule(), rewinders[1]])
    there.executor.event_root_worker = worker
    for chain in (here, there):
        chain.genesis(genesis_assets([(b"g", 7)]))
    return here, there, *rewinders


def test_block_executor_streams_events_and_gets_the_same_blocks(worker: EventRootWorker) -> None:
    here, there, rewind_here, rewind_there = _chains(worker)
    count = STREAM_BATCH  # transactions, each with several events: many batches
    for height, raising in ((1, set()), (2, {3, 40}), (3, set())):
        if height == 3:
            rewind_here.rewind = rewind_there.rewind = True
        transactions = [
            set_entry(i, height - 1, b"k%d" % i, height, mode=MODE_RAISE if i in raising else 0)
            for i in range(count)
        ]
        ours, theirs = (chain.execute(transactions) for chain in (here, there))
        assert theirs.events == ours.events and theirs.results == ours.results
        assert theirs.event_root == ours.event_root == compute_event_root(ours.events)
        assert theirs.state_root == ours.state_root
        for chain, result in ((here, ours), (there, theirs)):
            chain.executor.commit(result)


def test_a_hung_worker_is_stopped_and_the_root_computed_here(
    worker: EventRootWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_roots, "ROOT_TIMEOUT", 0.5)
    events = _events(200)
    worker.begin()
    worker.add(events)
    assert worker._process is not None and worker._process.pid is not None
    os.kill(worker._process.pid, signal.SIGSTOP)
    assert worker.root(events) == compute_event_root(events)
    assert worker._process is None  # killed; the next block starts a new one
    assert _stream(worker, events, 64) == compute_event_root(events)


def test_a_stalled_worker_does_not_block_the_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stopped worker fills the pipe: sends fail after SEND_TIMEOUT instead of blocking, the
    worker is killed and the root computed here."""
    monkeypatch.setattr(parallel_roots, "SEND_TIMEOUT", 0.3)
    worker = EventRootWorker()
    try:
        events = _events(4000)
        worker.begin()
        assert worker._process is not None and worker._process.pid is not None
        os.kill(worker._process.pid, signal.SIGSTOP)

        def ship() -> None:
            for _ in range(20):  # about 10 MB: far beyond a socket buffer
                for start in range(0, len(events), STREAM_BATCH):
                    worker.add(events[start : start + STREAM_BATCH])

        sender = threading.Thread(target=ship, daemon=True)
        sender.start()
        sender.join(60)
        assert not sender.is_alive()  # it did not block for good
        assert worker._process is None  # killed
        assert worker.root(events) == compute_event_root(events)
    finally:
        worker.close(wait=0)


@pytest.mark.parametrize(("cpus", "expected"), [({0}, False), ({0, 3}, True), ({1, 2, 5}, True)])
def test_parallel_roots_pay_off_with_two_cpus_or_more(
    monkeypatch: pytest.MonkeyPatch, cpus: set[int], expected: bool
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cpus, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # the affinity is what counts
    assert parallel_roots.parallel_roots_pay_off() is expected


def test_without_affinity_the_cpu_count_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not parallel_roots.parallel_roots_pay_off()
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert not parallel_roots.parallel_roots_pay_off()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert parallel_roots.parallel_roots_pay_off()


_UNGUARDED_SCRIPT = """
import sys
print("script body ran", flush=True)
from klayr_py.chain import Event, compute_event_root
from klayr_py.node.event_root_worker import EventRootWorker
events = [Event._unchecked("hello", "newHello", bytes([i]), (bytes(32),), 1, i) for i in range(5)]
worker = EventRootWorker()
worker.begin()
worker.add(events)
assert worker._process is not None  # the worker really runs
assert worker.root(events) == compute_event_root(events)
worker.close()
print("done", flush=True)
"""


def test_the_worker_does_not_re_run_a_script_without_a_main_guard(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script body ran", "done"]
    assert "Traceback" not in done.stderr, done.stderr


def test_the_worker_imports_the_parents_klayr_py_not_one_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A source checkout as the working directory (the README runs the example from one) must
    # not shadow the installed klayr_py, whose Rust extension the checkout lacks.
    marker = tmp_path / "shadowed"
    fake = tmp_path / "klayr_py"
    fake.mkdir()
    (fake / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise ImportError\n")
    monkeypatch.chdir(tmp_path)
    events = [Event._unchecked("m", "e", bytes([i]), (bytes(32),), 1, i) for i in range(3)]
    worker = EventRootWorker()
    try:
        worker.begin()
        worker.add(events)
        assert worker.root(events) == compute_event_root(events)
    finally:
        worker.close()
    assert not marker.exists()
