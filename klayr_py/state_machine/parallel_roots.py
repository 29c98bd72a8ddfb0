"""The event root, computed in another process while this one computes the state root.

A block's two big roots are independent: the event root (LIP 0065) is a function of the block's
events alone, the state root of the state changes. :class:`EventRootWorker` hands the events to
a worker process and :meth:`BlockExecutor` computes the state root meanwhile, so on two cores the
roots cost the larger of the two instead of their sum. The result is the same bytes either way;
if the worker is gone, the root is computed here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from klayr_py.chain import Event, compute_event_root

__all__ = ["MIN_PARALLEL_EVENTS", "EventRootWorker"]

MIN_PARALLEL_EVENTS = 256
"""Below this many events, shipping them to the worker costs more than it saves."""

_Row = tuple[str, str, bytes, tuple[bytes, ...], int, int]


def _event_root_of(rows: list[_Row]) -> bytes:
    return compute_event_root([Event._unchecked(*row) for row in rows])


class EventRootWorker:
    """One worker process (started on first use) computing event roots."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Spawn the worker now (otherwise the first large block does)."""
        self.event_root(self.submit([]), [])

    def submit(self, events: Sequence[Event]) -> Future[bytes] | None:
        """Start computing the event root of ``events`` in the worker (None if it is broken:
        :meth:`event_root` then computes it here)."""
        if self._executor is None:
            # spawn: the worker must not inherit the node's databases or event loop.
            self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        rows = [(e.module, e.name, e.data, tuple(e.topics), e.height, e.index) for e in events]
        try:
            return self._executor.submit(_event_root_of, rows)
        except BrokenProcessPool:
            self.close()  # a new worker starts with the next block
            return None

    def event_root(self, future: Future[bytes] | None, events: Sequence[Event]) -> bytes:
        """The root ``future`` computes; computed here if the worker died."""
        if future is None:
            return compute_event_root(events)
        try:
            return future.result()
        except BrokenProcessPool:
            self.close()
            return compute_event_root(events)

    def close(self) -> None:
        """Stop the worker process."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
