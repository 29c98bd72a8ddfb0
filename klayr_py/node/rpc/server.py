"""The RPC server: JSON-RPC 2.0 over HTTP (``POST /rpc``), WebSocket (``/rpc-ws``) and IPC.

Built on aiohttp. The IPC endpoint is a Unix domain socket in the data directory serving the same
HTTP and WebSocket routes (Klayr's IPC speaks ZeroMQ; klayr_py's clients use the socket over
HTTP/WebSocket instead). The :class:`~klayr_py.node.rpc.dispatch.Dispatcher` runs requests
within ``rpc.*``'s limits and off the forging path; the
:class:`~klayr_py.node.rpc.connections.ConnectionGuard` bounds and times out connections. A
WebSocket client may ``subscribe`` to ``chain_newBlock``, ``chain_deleteBlock``,
``txpool_newTransaction`` and module events (``hello_newHello``), matched as Klayr matches them
(equal, or a substring of the event name), if ``rpc.allowedMethods`` allows the name. Each
connection's notifications are buffered up to a bound, then dropped and counted, so a slow
client never blocks the node. One size limit holds for every transport: a message of exactly
``rpc.maxRequestSize`` bytes is read, one byte more is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from klayr_py.node.rpc.backend import RpcBackend
from klayr_py.node.rpc.connections import (
    ConnectionGuard,
    ConnectionLimits,
    RateLimitedLog,
    install_accept_error_log,
)
from klayr_py.node.rpc.dispatch import Dispatcher, RpcLimits, error_response, parse_message
from klayr_py.node.rpc.errors import INVALID_REQUEST, METHOD_NOT_FOUND, RpcError
from klayr_py.node.rpc.methods import RpcMethods
from klayr_py.node.rpc.notifications import forward_notifications, topic_matches

__all__ = ["MAX_REQUEST_BYTES", "RpcServer", "is_loopback"]

MAX_REQUEST_BYTES = RpcLimits().max_request_size
"""The default ``rpc.maxRequestSize`` (1 MiB)."""

_QUEUE_BOUND = 1024
_ENDS = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)
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
        limits: RpcLimits | None = None,
        connection_limits: ConnectionLimits | None = None,
    ) -> None:
        self.methods = methods
        self.modes = list(modes)
        self.host = host
        self.port = port
        self.ipc_path = ipc_path
        self.limits = limits or RpcLimits()
        self.dispatcher = Dispatcher(methods, self.limits)
        self.connection_limits = connection_limits or ConnectionLimits()
        # One guard per listener: a flood of TCP connections must not lock the operator's own
        # tools out of the IPC socket.
        self.guard = self._guard("TCP")
        self.ipc_guard = self._guard("IPC")
        self.accept_errors = RateLimitedLog(_LOGGER, "RPC accept() failed")
        self._subscribers: set[_Subscriber] = set()
        self._runner: web.AppRunner | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._background: list[asyncio.Task[None]] = []
        # TCP serves exactly the modes asked for; the IPC socket serves both routes.
        self.app = self._application(http="http" in self.modes, ws="ws" in self.modes)
        self.ipc_app = self._application(http=True, ws=True)
        self._ipc_runner: web.AppRunner | None = None

    def _application(self, *, http: bool, ws: bool) -> web.Application:
        # aiohttp refuses a body larger than client_max_size (so exactly the limit passes).
        app = web.Application(
            client_max_size=self.limits.max_request_size, middlewares=[self._track_request]
        )
        if http:
            app.router.add_post("/rpc", self._handle_http)
        if ws:
            app.router.add_get("/rpc-ws", self._handle_ws)
        return app

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on every configured transport."""
        loop = asyncio.get_running_loop()
        install_accept_error_log(loop, self.accept_errors)
        for guard in (self.guard, self.ipc_guard):
            self._background.append(asyncio.create_task(guard.run_sweeper()))
        if "http" in self.modes or "ws" in self.modes:
            runner = await self._setup(self.app)
            self._runner = runner
            self._servers.append(
                await loop.create_server(self._protocols(runner, self.guard), self.host, self.port)
            )
            routes = [
                route for mode, route in (("http", "/rpc"), ("ws", "/rpc-ws")) if mode in self.modes
            ]
            _LOGGER.info("RPC listening on %s:%d (%s)", self.host, self.port, ", ".join(routes))
            if not is_loopback(self.host):
                _LOGGER.warning(
                    "RPC bound to %s, reachable from other machines: the RPC has no "
                    "authentication, anyone who reaches the port can call every allowed method "
                    "(rpc.allowedMethods) — bind 127.0.0.1 or put a proxy with access control "
                    "in front",
                    self.host,
                )
        if "ipc" in self.modes and self.ipc_path is not None:
            self.ipc_path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.ipc_path.unlink()  # a socket left by a killed node
            ipc_runner = await self._setup(self.ipc_app)
            self._ipc_runner = ipc_runner
            self._servers.append(
                await loop.create_unix_server(
                    self._protocols(ipc_runner, self.ipc_guard), str(self.ipc_path)
                )
            )
            _LOGGER.info("RPC listening on %s", self.ipc_path)

    async def _setup(self, app: web.Application) -> web.AppRunner:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        return runner

    def _guard(self, transport: str) -> ConnectionGuard:
        refusals = f"RPC {transport} connections refused over rpc.maxConnections"
        return ConnectionGuard(self.connection_limits, refusals=RateLimitedLog(_LOGGER, refusals))

    def _protocols(
        self, runner: web.AppRunner, guard: ConnectionGuard
    ) -> Callable[[], asyncio.Protocol]:
        server = runner.server
        assert server is not None  # set up
        return guard.wrap(server)

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for listening in self._servers:
            listening.close()
        self._servers.clear()
        for task in self._background:
            task.cancel()
        self._background.clear()
        for subscriber in list(self._subscribers):
            await subscriber.socket.close()
        for runner in (self._runner, self._ipc_runner):
            if runner is not None:
                await runner.cleanup()
        self._runner = self._ipc_runner = None
        self.dispatcher.close()
        self.accept_errors.flush()
        if self.ipc_path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.ipc_path.unlink()

    def attach(self, engine: RpcBackend) -> None:
        """Publish the engine's new blocks, deleted blocks, new transactions and events."""
        forward_notifications(engine, self.publish, self._wanted)

    # -- notifications ------------------------------------------------------------------------

    def publish(self, event_name: str, params: Any) -> None:
        """Queue a notification for every subscriber of ``event_name`` (never blocks)."""
        if not self.methods.is_allowed(event_name):
            return  # a substring topic must not reach past rpc.allowedMethods
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
        if not self._subscribers or not self.methods.is_allowed(event_name):
            return False  # no event decoded for nobody
        return any(subscriber.wants(event_name) for subscriber in self._subscribers)

    # -- transports ---------------------------------------------------------------------------

    @web.middleware
    async def _track_request(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        guards = (self.guard, self.ipc_guard)  # each ignores the other's connections
        for guard in guards:
            guard.begin_request(request.transport)
        try:
            return await handler(request)
        finally:
            for guard in guards:
                guard.end_request(request.transport)

    def _too_large(self) -> RpcError:
        return RpcError(
            INVALID_REQUEST,
            f"Request larger than rpc.maxRequestSize ({self.limits.max_request_size} bytes).",
        )

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        try:  # the body must arrive as fast as the headers had to
            async with asyncio.timeout(self.connection_limits.header_timeout):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response(error_response(None, self._too_large()), status=413)
        except TimeoutError:
            return web.Response(status=408)
        reply = await self.dispatcher.respond(body)
        if reply is None:
            return web.Response(status=204)
        return web.Response(text=reply, content_type="application/json")

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        # aiohttp closes (1009) a message of max_msg_size bytes or more: one more than the
        # limit, so a message of exactly rpc.maxRequestSize bytes passes, as over HTTP.
        socket = web.WebSocketResponse(
            heartbeat=10.0, max_msg_size=self.limits.max_request_size + 1
        )
        await socket.prepare(request)
        subscriber = _Subscriber(socket)
        self._subscribers.add(subscriber)
        sender = asyncio.create_task(self._send_loop(subscriber))
        idle = self.connection_limits.idle_timeout
        loop = asyncio.get_running_loop()
        last_message = loop.time()
        try:
            while True:
                try:  # pings do not count: a deadline from the last message, not per frame
                    async with asyncio.timeout_at(last_message + idle):
                        frame = await socket.receive()
                except TimeoutError:
                    if subscriber.topics:  # a subscriber waits for events; pings check it lives
                        last_message = loop.time()
                        continue
                    await socket.close(message=b"idle: rpc.idleTimeout")
                    break
                if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    last_message = loop.time()
                    reply = await self._handle_ws_message(subscriber, frame.data)
                    if reply is not None:
                        await socket.send_str(reply)
                elif frame.type in _ENDS:
                    break
        finally:
            self._subscribers.discard(subscriber)
            sender.cancel()
            if subscriber.dropped:
                _LOGGER.warning(
                    "a WebSocket client lagged: %d notifications dropped", subscriber.dropped
                )
        return socket

    async def _handle_ws_message(self, subscriber: _Subscriber, data: str | bytes) -> str | None:
        try:
            message = parse_message(data)
        except RpcError as error:
            return json.dumps(error_response(None, error))
        if isinstance(message, dict) and message.get("method") in ("subscribe", "unsubscribe"):
            return json.dumps(self._subscription(subscriber, message))
        return await self.dispatcher.dispatch(message)

    def _subscription(self, subscriber: _Subscriber, message: dict[str, Any]) -> dict[str, Any]:
        request_id = message.get("id")
        if not isinstance(request_id, (str, int)) or isinstance(request_id, bool):
            request_id = None
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
            return error_response(request_id, refusal)
        if message["method"] == "subscribe":
            refused = [topic for topic in topics if not self.methods.is_allowed(topic)]
            if refused:
                error = RpcError(
                    METHOD_NOT_FOUND,
                    f"Subscription to {', '.join(refused)} is not allowed by rpc.allowedMethods.",
                )
                return error_response(request_id, error)
            subscriber.topics.update(topics)
        else:
            subscriber.topics.difference_update(topics)
        return {"jsonrpc": "2.0", "id": request_id, "result": {"topics": sorted(subscriber.topics)}}

    async def _send_loop(self, subscriber: _Subscriber) -> None:
        while True:
            message = await subscriber.outbox.get()
            try:
                await subscriber.socket.send_str(message)
            except (ConnectionError, RuntimeError):
                return


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (``localhost``, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name or "0.0.0.0"-like wildcard other than an address: assume exposed
