"""The RPC server: JSON-RPC 2.0 over HTTP (``POST /rpc``), WebSocket (``/rpc-ws``) and IPC.

Built on aiohttp. The IPC endpoint is a Unix domain socket in the data directory serving the same
HTTP and WebSocket routes (Klayr's IPC speaks ZeroMQ; klayr_py's clients use the socket over
HTTP/WebSocket instead). Requests run on the event loop against the synchronous engine; a
WebSocket client may ``subscribe`` to ``chain_newBlock``, ``chain_deleteBlock``,
``txpool_newTransaction`` and module events (``hello_newHello``), matched as Klayr matches them
(equal, or a substring of the event name). Each connection's notifications are buffered up to a
bound, then dropped and counted, so a slow client never blocks the node.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from klayr_py.node.rpc.backend import RpcBackend
from klayr_py.node.rpc.dispatch import dispatch, error_response, parse_message
from klayr_py.node.rpc.errors import INVALID_REQUEST, RpcError
from klayr_py.node.rpc.methods import RpcMethods
from klayr_py.node.rpc.notifications import forward_notifications, topic_matches

__all__ = ["MAX_REQUEST_BYTES", "RpcServer"]

MAX_REQUEST_BYTES = 1 << 20
"""Largest request body or WebSocket message accepted (1 MiB)."""

_QUEUE_BOUND = 1024
_LOGGER = logging.getLogger("klayr_py.rpc")


class _Subscriber:
    """One WebSocket connection: its topics and its bounded outbox."""

    def __init__(self, socket: web.WebSocketResponse) -> None:
        self.socket = socket
        self.topics: set[str] = set()
        self.outbox: asyncio.Queue[str] = asyncio.Queue(_QUEUE_BOUND)
        self.dropped = 0

    def wants(self, event_name: str) -> bool:
        return any(topic_matches(topic, event_name) for topic in self.topics)


class RpcServer:
    """Serves ``methods`` on the configured transports; ``publish`` notifies subscribers."""

    def __init__(
        self,
        methods: RpcMethods,
        *,
        modes: list[str],
        host: str = "127.0.0.1",
        port: int = 7887,
        ipc_path: Path | None = None,
    ) -> None:
        self.methods = methods
        self.modes = list(modes)
        self.host = host
        self.port = port
        self.ipc_path = ipc_path
        self._subscribers: set[_Subscriber] = set()
        self._runner: web.AppRunner | None = None
        # TCP serves exactly the modes asked for; the IPC socket serves both routes.
        self.app = self._application(http="http" in self.modes, ws="ws" in self.modes)
        self.ipc_app = self._application(http=True, ws=True)
        self._ipc_runner: web.AppRunner | None = None

    def _application(self, *, http: bool, ws: bool) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        if http:
            app.router.add_post("/rpc", self._handle_http)
        if ws:
            app.router.add_get("/rpc-ws", self._handle_ws)
        return app

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on every configured transport."""
        if "http" in self.modes or "ws" in self.modes:
            runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
            await runner.setup()
            self._runner = runner
            await web.TCPSite(runner, self.host, self.port).start()
            routes = [
                route for mode, route in (("http", "/rpc"), ("ws", "/rpc-ws")) if mode in self.modes
            ]
            _LOGGER.info("RPC listening on %s:%d (%s)", self.host, self.port, ", ".join(routes))
        if "ipc" in self.modes and self.ipc_path is not None:
            self.ipc_path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.ipc_path.unlink()  # a socket left by a killed node
            ipc_runner = web.AppRunner(self.ipc_app, access_log=None, handle_signals=False)
            await ipc_runner.setup()
            self._ipc_runner = ipc_runner
            await web.UnixSite(ipc_runner, str(self.ipc_path)).start()
            _LOGGER.info("RPC listening on %s", self.ipc_path)

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for subscriber in list(self._subscribers):
            await subscriber.socket.close()
        for runner in (self._runner, self._ipc_runner):
            if runner is not None:
                await runner.cleanup()
        self._runner = self._ipc_runner = None
        if self.ipc_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.ipc_path.unlink()

    def attach(self, engine: RpcBackend) -> None:
        """Publish the engine's new blocks, deleted blocks, new transactions and events."""
        forward_notifications(engine, self.publish, self._wanted)

    # -- notifications ------------------------------------------------------------------------

    def publish(self, event_name: str, params: Any) -> None:
        """Queue a notification for every subscriber of ``event_name`` (never blocks)."""
        interested = [s for s in self._subscribers if s.wants(event_name)]
        if not interested:
            return
        message = json.dumps({"jsonrpc": "2.0", "method": event_name, "params": params})
        for subscriber in interested:
            try:
                subscriber.outbox.put_nowait(message)
            except asyncio.QueueFull:
                subscriber.dropped += 1

    def _wanted(self, event_name: str) -> bool:
        return any(subscriber.wants(event_name) for subscriber in self._subscribers)

    # -- transports ---------------------------------------------------------------------------

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            error = RpcError(INVALID_REQUEST, f"Request larger than {MAX_REQUEST_BYTES} bytes.")
            return web.json_response(error_response(None, error), status=413)
        response = await self._respond(body)
        if response is None:
            return web.Response(status=204)
        return web.json_response(response)

    async def _respond(self, data: str | bytes) -> Any:
        try:
            message = parse_message(data)
        except RpcError as error:
            return error_response(None, error)
        return await dispatch(self.methods, message)

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse(heartbeat=10.0, max_msg_size=MAX_REQUEST_BYTES)
        await socket.prepare(request)
        subscriber = _Subscriber(socket)
        self._subscribers.add(subscriber)
        sender = asyncio.create_task(self._send_loop(subscriber))
        try:
            async for frame in socket:
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    reply = await self._handle_ws_message(subscriber, frame.data)
                    if reply is not None:
                        await socket.send_str(json.dumps(reply))
                elif frame.type == WSMsgType.ERROR:
                    break
        finally:
            self._subscribers.discard(subscriber)
            sender.cancel()
            if subscriber.dropped:
                _LOGGER.warning(
                    "a WebSocket client lagged: %d notifications dropped", subscriber.dropped
                )
        return socket

    async def _handle_ws_message(self, subscriber: _Subscriber, data: str | bytes) -> Any:
        try:
            message = parse_message(data)
        except RpcError as error:
            return error_response(None, error)
        if isinstance(message, dict) and message.get("method") in ("subscribe", "unsubscribe"):
            params = message.get("params")
            topics = params.get("topics") if isinstance(params, dict) else None
            if (
                not isinstance(topics, list)
                or not topics
                or not all(isinstance(topic, str) for topic in topics)
            ):
                refusal = RpcError(
                    INVALID_REQUEST,
                    "Invalid subscription: params.topics must be a non-empty list of event names.",
                )
                return error_response(message.get("id"), refusal)
            if message["method"] == "subscribe":
                subscriber.topics.update(topics)
            else:
                subscriber.topics.difference_update(topics)
            return {
                "jsonrpc": "2.0",
                "id": message.get("id"),
                "result": {"topics": sorted(subscriber.topics)},
            }
        return await dispatch(self.methods, message)

    async def _send_loop(self, subscriber: _Subscriber) -> None:
        while True:
            message = await subscriber.outbox.get()
            try:
                await subscriber.socket.send_str(message)
            except (ConnectionError, RuntimeError):
                return
