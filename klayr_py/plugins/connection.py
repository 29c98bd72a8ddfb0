"""One side of a plugin IPC connection: send envelopes, match responses to requests.

Both the node (for each plugin) and the plugin runner use it. Requests carry an ``id`` chosen by
the sender; the matching Response carries it back. Everything else (events, heartbeats, the
peer's requests) goes to the ``on_envelope`` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from klayr_py.errors import KlayrError
from klayr_py.plugins.protocol import Envelope, FrameError, read_envelope
from klayr_py.plugins.protocol.framing import encode_envelope

__all__ = ["Connection", "ConnectionClosedError", "RemoteError"]


class ConnectionClosedError(KlayrError, ConnectionError):
    """The peer went away."""


class RemoteError(KlayrError):
    """The peer answered a request with an error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Connection:
    """Envelopes over a stream pair; ``request`` awaits the peer's response."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_envelope: Callable[[Envelope], Awaitable[None]],
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.on_envelope = on_envelope
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._write_lock = asyncio.Lock()
        self.closed = False

    async def send(self, envelope: Envelope) -> None:
        """Send one envelope (frames never interleave)."""
        if self.closed:
            raise ConnectionClosedError("the connection is closed")
        async with self._write_lock:
            self.writer.write(encode_envelope(envelope))
            try:
                await self.writer.drain()
            except (ConnectionError, OSError) as error:
                self.closed = True
                raise ConnectionClosedError(f"the peer went away: {error}") from None

    async def request(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """Send a Request and return the decoded result of its Response."""
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        envelope = Envelope(id=request_id)
        envelope.request.method = method
        envelope.request.params_json = json.dumps(params or {})
        try:
            await self.send(envelope)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)

    async def respond(self, request_id: int, result: Any) -> None:
        """Answer request ``request_id`` with ``result`` (an error if it cannot be sent: not
        JSON, or larger than a frame)."""
        envelope = Envelope(id=request_id)
        envelope.response.ok = True
        try:
            envelope.response.result_json = json.dumps(result)
            encode_envelope(envelope)
        except (TypeError, ValueError, FrameError) as error:
            await self.respond_error(request_id, -32603, f"the result cannot be sent: {error}")
            return
        await self.send(envelope)

    async def respond_error(self, request_id: int, code: int, message: str) -> None:
        """Answer request ``request_id`` with an error."""
        envelope = Envelope(id=request_id)
        envelope.response.ok = False
        envelope.response.error_code = code
        envelope.response.error_message = message
        await self.send(envelope)

    async def run(self) -> None:
        """Read until the peer closes; responses resolve requests, the rest goes to the
        callback. Raises :class:`~klayr_py.plugins.protocol.FrameError` on a malformed frame."""
        try:
            while True:
                envelope = await read_envelope(self.reader)
                if envelope is None:
                    return
                if envelope.WhichOneof("body") == "response":
                    future = self._pending.get(envelope.id)
                    if future is not None and not future.done():
                        response = envelope.response
                        if response.ok:
                            future.set_result(json.loads(response.result_json or "null"))
                        else:
                            future.set_exception(
                                RemoteError(response.error_code, response.error_message)
                            )
                    continue
                await self.on_envelope(envelope)
        except (ConnectionError, OSError):
            return
        finally:
            self.closed = True
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionClosedError("the peer went away"))

    async def close(self) -> None:
        """Close the stream."""
        self.closed = True
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

