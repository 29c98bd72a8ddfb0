"""The event root, built in another process while the block executes.

A block's event root (LIP 0065) is a function of its events alone, and an event is final once the
transaction that emitted it ends. :class:`EventRootWorker` streams a block's events to a worker
process as transactions end (in batches of :data:`STREAM_BATCH`), and the worker hashes the
expensive part of the event tree -- the chain of single-child branches above each topic's events
(:class:`~klayr_py.chain.EventRootBuilder`) -- while this process goes on executing; after the
last transaction this process asks for the root and computes the state root meanwhile. On two
cores the event root then costs little more than shipping the events. The result is the same
bytes either way: if the worker is gone, stalled or refuses the events, the root is computed here
(raising the same errors).

The worker is a plain child interpreter (``python -m klayr_py.node._event_root_worker_main``)
joined by a socket pair, not a multiprocessing ``spawn`` child: spawn re-imports the parent's
``__main__``, so a user's script without an ``if __name__ == "__main__":`` guard ran again inside
the worker and failed there with a multiprocessing traceback (issue #17).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

import klayr_py
from klayr_py.chain import Event, EventRootBuilder, compute_event_root

__all__ = [
    "ROOT_TIMEOUT",
    "SEND_TIMEOUT",
    "STREAM_BATCH",
    "EventRootWorker",
    "parallel_roots_pay_off",
]

STREAM_BATCH = 64
"""Events shipped to the worker at a time: one message per batch, not per transaction."""

ROOT_TIMEOUT = 10.0
"""Seconds to wait for the worker's root (a block's takes milliseconds); then it is killed and
the root computed here."""

SEND_TIMEOUT = 10.0
"""Seconds a send to the worker may block (its pipe full: the worker stalled); then it is killed
and the root computed here. Without it a stopped worker would stop the node."""

_Row = tuple[str, str, bytes, tuple[bytes, ...], int, int]
_logger = logging.getLogger("klayr_py.event_root_worker")


def parallel_roots_pay_off() -> bool:
    """Whether this process may run on two CPUs or more (its affinity where the OS tells it):
    on one, the worker would only take turns with the block's execution."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return cpus >= 2


class EventRootWorker:
    """One worker process (started on first use) building each block's event root.

    Per block: :meth:`begin`, :meth:`add` the events as they become final (with their indices),
    then :meth:`root` with all of them. The worker is restarted at the next block if it died.
    """

    batch_size = STREAM_BATCH

    def __init__(self) -> None:
        self._process: _WorkerProcess | None = None
        self._conn: Connection | None = None
        self._start_failed = False

    def start(self) -> None:
        """Start the worker now (otherwise the first block does)."""
        if self._conn is not None:
            return
        # A fresh interpreter: it inherits neither the node's databases nor its event loop, and
        # it does not import the user's script (see the module docstring).
        parent, child = socket.socketpair()
        try:
            process = _WorkerProcess.start(child.fileno())
        finally:
            child.close()
        conn = Connection(parent.detach())
        _limit_sends(conn, SEND_TIMEOUT)
        self._process = process
        self._conn = conn

    def begin(self) -> None:
        """Start a new block (the worker forgets the previous one's events). If the worker
        cannot be started, the block's root is computed here."""
        try:
            self.start()
        except Exception:
            if not self._start_failed:  # once, not at every block
                _logger.exception("cannot start the event-root worker; computing event roots here")
            self._start_failed = True
            self.close(wait=0)
            return
        self._start_failed = False
        self._send(("begin",))

    def add(self, events: Sequence[Event]) -> None:
        """Ship final events; they are hashed there while this process goes on."""
        if self._conn is not None and events:
            rows: list[_Row] = [
                (e.module, e.name, e.data, tuple(e.topics), e.height, e.index) for e in events
            ]
            self._send(("add", rows))

    def root(self, events: Sequence[Event]) -> bytes:
        """The event root of the block, ``events`` being all its events (used only if the
        worker cannot answer)."""
        conn = self._conn
        if conn is not None:
            try:
                conn.send(("root",))
                if not conn.poll(ROOT_TIMEOUT):
                    self.close(wait=0)  # hung: killed
                    return compute_event_root(events)
                reply = conn.recv()
            except (OSError, EOFError):
                self.close()
            except BaseException:
                self.close()  # an unread reply must not be taken for the next block's
                raise
            else:
                if reply[0] == "root":
                    root: bytes = reply[1]
                    return root
        return compute_event_root(events)

    def close(self, wait: float = 5.0) -> None:
        """Stop the worker process (killed if it has not exited after ``wait`` seconds)."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            if wait > 0:  # otherwise it is killed below
                with contextlib.suppress(OSError, EOFError):
                    conn.send(("stop",))
            conn.close()
        if process is not None:
            process.join(timeout=wait)
            if process.is_alive():
                process.kill()
                process.join()

    def _send(self, message: tuple[object, ...]) -> None:
        if self._conn is None:
            return
        try:
            self._conn.send(message)
        except (OSError, EOFError):  # gone, or stalled past SEND_TIMEOUT
            self.close(wait=0)  # the root is computed here; a new worker starts with the next block


class _WorkerProcess:
    """The worker's child interpreter, with the few calls the worker needs of it."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen

    @classmethod
    def start(cls, fd: int) -> _WorkerProcess:
        """Run the worker on the inherited socket ``fd``."""
        # The child finds this very klayr_py, even when the parent found it through a sys.path
        # edited at run time; -P keeps the working directory off its sys.path, where a source
        # checkout's klayr_py (without the built Rust extension) would shadow the installed one.
        package_root = str(Path(klayr_py.__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, path) if p)}
        popen = subprocess.Popen(
            [sys.executable, "-P", "-m", "klayr_py.node._event_root_worker_main", str(fd)],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        return cls(popen)

    @property
    def pid(self) -> int:
        """The worker's process ID."""
        return self._popen.pid

    def is_alive(self) -> bool:
        """Whether it has not exited."""
        return self._popen.poll() is None

    def kill(self) -> None:
        """SIGKILL it."""
        with contextlib.suppress(ProcessLookupError):
            self._popen.kill()

    def join(self, timeout: float | None = None) -> None:
        """Wait for it to exit, at most ``timeout`` seconds."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)


def _limit_sends(conn: Connection, seconds: float) -> None:
    """Make a send on ``conn`` (a socket, as ``Pipe()`` makes them on POSIX) that cannot go on
    within ``seconds`` fail with an OSError instead of blocking."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.setsockopt(
            socket.SOL_SOCKET,
            socket.SO_SNDTIMEO,
            struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000)),
        )


def _serve(conn: Connection) -> None:
    """The worker's loop: build the current block's root from the events it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the node's to handle; it stops us
    builder = EventRootBuilder()
    failed = False  # the events were refused: the root is then computed (and refused) there
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        try:
            if kind == "add":
                if not failed:
                    builder.add([Event._unchecked(*row) for row in message[1]])
                    if not conn.poll():  # idle: hash the topics seen so far
                        builder.prepare()
            elif kind == "begin":
                builder = EventRootBuilder()
                failed = False
            elif kind == "root":
                conn.send(("error",) if failed else ("root", builder.root()))
            elif kind == "stop":
                return
        except Exception:
            if kind == "root":
                conn.send(("error",))
            failed = True
