"""What one client may hold: a bounded number of connections, each closed when it stalls.

aiohttp waits for a request's headers forever and keeps any number of connections, so 3,000
half-sent requests hold 3,000 file descriptors until the node runs out (issue #17). The
:class:`ConnectionGuard` wraps aiohttp's protocol factory: past ``rpc.maxConnections`` a
connection is answered ``503`` and closed; a connection that is not inside a request handler
(headers not yet complete, or idle between HTTP requests) is closed after
``rpc.headerTimeout``. Events that can repeat thousands of times a second (refused connections,
``accept`` failing when the process is out of file descriptors) are logged through a
:class:`RateLimitedLog`: one line per interval with a count, never a traceback each.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from klayr_py.node.config import RpcConfig

__all__ = ["ConnectionGuard", "ConnectionLimits", "RateLimitedLog", "install_accept_error_log"]

_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


@dataclass(frozen=True, kw_only=True)
class ConnectionLimits:
    """Connection limits; the defaults are ``rpc.*``'s."""

    max_connections: int = 200
    header_timeout: float = 10.0
    idle_timeout: float = 60.0

    @classmethod
    def from_config(cls, rpc: RpcConfig) -> ConnectionLimits:
        """The limits set in a node's ``rpc`` section."""
        return cls(
            max_connections=rpc.max_connections,
            header_timeout=rpc.header_timeout,
            idle_timeout=rpc.idle_timeout,
        )


class RateLimitedLog:
    """A warning that repeats at most once per ``interval`` seconds, with how often it happened.

    The first occurrence is logged at once; later ones are counted and reported with the next
    line due, or by :meth:`flush`.
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._interval = interval
        self._clock = clock
        self._count = 0
        self._detail = ""
        self._next_line: float | None = None

    def record(self, detail: str) -> None:
        """Count one occurrence; log a line if one is due."""
        self._count += 1
        self._detail = detail
        now = self._clock()
        if self._next_line is None or now >= self._next_line:
            self._emit(now)

    def flush(self) -> None:
        """Log what was counted since the last line, if anything."""
        if self._count:
            self._emit(self._clock())

    def _emit(self, now: float) -> None:
        self._logger.warning(
            "%s: %d time(s) in the last %g s (last: %s)",
            self._what,
            self._count,
            self._interval,
            self._detail,
        )
        self._count = 0
        self._next_line = now + self._interval


def install_accept_error_log(loop: asyncio.AbstractEventLoop, log: RateLimitedLog) -> None:
    """Route the loop's reports of failing ``accept`` calls to ``log``, for the loop's life.

    asyncio reports each ``accept`` that fails for lack of file descriptors or memory to the
    loop's exception handler, whose default logs a full traceback every time, and retries a
    second later — also after the server has closed, which fails on its closed socket. The
    handler stays after the server stops, for those late retries; everything else goes to the
    handler that was there before.
    """
    previous = loop.get_exception_handler()

    def handle(current: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        message = str(context.get("message", ""))
        if "accept" in message or (isinstance(error, OSError) and error.errno in _RESOURCE_ERRNOS):
            log.record(f"{message}: {error}" if error is not None else message)
            return
        if isinstance(error, ValueError) and "_start_serving" in repr(context.get("handle")):
            return  # the accept retry of a server closed since: nothing left to serve
        if previous is not None:
            previous(current, context)
        else:
            current.default_exception_handler(context)

    loop.set_exception_handler(handle)


class _Connection:
    __slots__ = ("busy", "since")

    def __init__(self, now: float) -> None:
        self.busy = 0
        self.since = now


class ConnectionGuard:
    """Counts the open connections of one listener and closes the stalled ones."""

    def __init__(
        self,
        limits: ConnectionLimits,
        *,
        refusals: RateLimitedLog,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._refusals = refusals
        self._clock = clock
        self._open: dict[asyncio.BaseTransport, _Connection] = {}
        self.closed_stalled = 0
        """Connections closed for sending no complete request in time (for tests, metrics)."""

    @property
    def active(self) -> int:
        """Connections open now."""
        return len(self._open)

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for ``loop.create_server`` that enforces the limits."""
        return lambda: _GuardedProtocol(self, factory())

    def begin_request(self, transport: asyncio.BaseTransport | None) -> None:
        """A request handler started on ``transport``: it is not stalled while inside it."""
        connection = self._open.get(transport) if transport is not None else None
        if connection is not None:
            connection.busy += 1

    def end_request(self, transport: asyncio.BaseTransport | None) -> None:
        """The handler finished: the connection's idle time starts now."""
        connection = self._open.get(transport) if transport is not None else None
        if connection is not None:
            connection.busy -= 1
            connection.since = self._clock()

    def sweep(self) -> int:
        """Close every connection outside a handler for longer than the header timeout."""
        deadline = self._clock() - self.limits.header_timeout
        stalled = [
            transport
            for transport, connection in self._open.items()
            if not connection.busy and connection.since <= deadline
        ]
        for transport in stalled:
            transport.close()
        self.closed_stalled += len(stalled)
        return len(stalled)

    async def run_sweeper(self) -> None:
        """Sweep a few times per header timeout until cancelled."""
        period = min(self.limits.header_timeout / 4, 1.0)
        while True:
            await asyncio.sleep(period)
            self.sweep()

    def _admit(self, transport: asyncio.BaseTransport) -> bool:
        if len(self._open) >= self.limits.max_connections:
            self._refusals.record(f"{len(self._open)} connections open")
            return False
        self._open[transport] = _Connection(self._clock())
        return True

    def _release(self, transport: asyncio.BaseTransport) -> None:
        self._open.pop(transport, None)

    def refusal(self) -> bytes:
        """The HTTP answer to a connection over the limit."""
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": None,
                "error": {
                    "code": -32005,
                    "message": f"Too many connections: rpc.maxConnections is "
                    f"{self.limits.max_connections}.",
                },
            }
        ).encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        return head + body


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's request handler behind the guard: admitted, or refused and closed."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard._admit(transport):
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(self._guard.refusal())
            transport.close()
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is None:
            return  # refused: aiohttp never saw it
        self._guard._release(self._transport)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._transport is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport is not None else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()
