"""Klayr's IPC transport: JSON-RPC over ZeroMQ sockets in ``<dataPath>/tmp/sockets``.

What ``@klayr/api-client``'s ``createIPCClient(dataPath)`` and Klayr Commander connect to, as
Klayr v6's engine serves it:

- ``engine.external.rpc.ipc``: a ROUTER socket. A client's DEALER sends one frame, a JSON-RPC
  request; the answer goes back to that client as one frame, the JSON-RPC response.
- ``external.pub.ipc``: a publisher. Each notification is two frames, the event name (what
  ZeroMQ's subscription prefix matches) and ``{"jsonrpc": "2.0", "method", "params"}``.

The publisher is an XPUB socket, so the node learns which topics its subscribers hold and
decodes a module event only when someone subscribed to a prefix of its name. ZeroMQ drops a
notification for a subscriber whose queue is full (the high-water mark), so a slow client never
blocks the node. Everything runs on the node's event loop thread, as ZeroMQ sockets require.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from klayr_py.errors import KlayrError
from klayr_py.node.rpc.backend import RpcBackend
from klayr_py.node.rpc.dispatch import Dispatcher, RpcLimits
from klayr_py.node.rpc.methods import RpcMethods
from klayr_py.node.rpc.notifications import forward_notifications

__all__ = ["PUB_SOCKET", "RPC_SOCKET", "ZmqIpcServer", "sockets_dir"]

RPC_SOCKET = "engine.external.rpc.ipc"
"""The request socket's file name, as Klayr's engine names it."""
PUB_SOCKET = "external.pub.ipc"
"""The notification socket's file name."""

_MAX_UNIX_PATH = 107  # sun_path holds 108 bytes with the terminating NUL
_SEND_HIGH_WATER_MARK = 1024  # notifications queued per subscriber before ZeroMQ drops them
_LOGGER = logging.getLogger("klayr_py.rpc")


def sockets_dir(data_path: Path) -> Path:
    """Where Klayr's clients look for the sockets of the node at ``data_path``."""
    return data_path / "tmp" / "sockets"


class ZmqIpcServer:
    """Serves ``methods`` over Klayr's ZeroMQ IPC sockets; :meth:`publish` notifies."""

    def __init__(
        self,
        methods: RpcMethods,
        data_path: Path,
        limits: RpcLimits | None = None,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.methods = methods
        self.limits = limits or RpcLimits()
        # The HTTP/WebSocket server's dispatcher when there is one: the same limits, the same
        # worker threads, requests off the forging path alike.
        self._owns_dispatcher = dispatcher is None
        self.dispatcher = dispatcher or Dispatcher(methods, self.limits)
        self.directory = sockets_dir(data_path)
        self.rpc_path = self.directory / RPC_SOCKET
        self.pub_path = self.directory / PUB_SOCKET
        self._context: zmq.asyncio.Context | None = None
        self._router: zmq.asyncio.Socket | None = None
        self._publisher: zmq.asyncio.Socket | None = None
        self._topics: set[bytes] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind both sockets; :class:`KlayrError` naming the path when one cannot be bound."""
        for path in (self.rpc_path, self.pub_path):
            if len(str(path).encode()) > _MAX_UNIX_PATH:
                raise KlayrError(
                    f"the IPC socket path {path} is longer than the {_MAX_UNIX_PATH} bytes a "
                    "Unix socket allows: choose a shorter system.dataPath, or leave 'ipc' out "
                    "of rpc.modes"
                )
        self.directory.mkdir(parents=True, exist_ok=True)
        context = zmq.asyncio.Context()
        self._context = context
        router = context.socket(zmq.ROUTER)
        publisher = context.socket(zmq.XPUB)
        self._router, self._publisher = router, publisher
        for socket in (router, publisher):
            socket.setsockopt(zmq.LINGER, 0)
        # rpc.maxRequestSize, as over HTTP and WebSocket; ZeroMQ disconnects a larger sender.
        router.setsockopt(zmq.MAXMSGSIZE, self.limits.max_request_size)
        router.setsockopt(zmq.ROUTER_MANDATORY, 0)  # a reply to a gone client is dropped
        publisher.setsockopt(zmq.SNDHWM, _SEND_HIGH_WATER_MARK)
        try:
            router.bind(f"ipc://{self.rpc_path}")
            publisher.bind(f"ipc://{self.pub_path}")
        except zmq.ZMQError as error:
            await self.stop()
            raise KlayrError(f"cannot open the IPC sockets in {self.directory}: {error}") from None
        self._spawn(self._serve_requests(router))
        self._spawn(self._track_subscriptions(publisher))
        _LOGGER.info("RPC listening on ipc://%s (Klayr's ZeroMQ IPC)", self.rpc_path)

    async def stop(self) -> None:
        """Stop serving, close the sockets and remove their files."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for socket in (self._router, self._publisher):
            if socket is not None:
                socket.close(linger=0)
        if self._context is not None:
            self._context.term()
        self._router = self._publisher = None
        self._context = None
        self._topics.clear()
        if self._owns_dispatcher:
            self.dispatcher.close()
        for path in (self.rpc_path, self.pub_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def attach(self, engine: RpcBackend) -> None:
        """Publish the engine's new blocks, deleted blocks, pool transactions and events."""
        forward_notifications(engine, self.publish, self.wants)

    # -- notifications ------------------------------------------------------------------------

    def wants(self, event_name: str) -> bool:
        """Whether some subscriber holds a topic that is a prefix of ``event_name``."""
        name = event_name.encode()
        return any(name.startswith(topic) for topic in self._topics)

    def publish(self, event_name: str, params: Any) -> None:
        """Send a notification to the subscribers of ``event_name`` (never blocks)."""
        publisher = self._publisher
        if publisher is None or not self.wants(event_name):
            return
        if not self.methods.is_allowed(event_name):
            return  # a prefix subscription must not reach past rpc.allowedMethods
        notification = {"jsonrpc": "2.0", "method": event_name, "params": params}
        frames = [event_name.encode(), json.dumps(notification).encode()]
        try:
            # PUB never blocks: past the high-water mark ZeroMQ drops the message.
            publisher.send_multipart(frames, flags=zmq.NOBLOCK)
        except zmq.ZMQError as error:
            _LOGGER.warning("could not publish %s over IPC: %s", event_name, error)

    # -- serving ------------------------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _track_subscriptions(self, publisher: zmq.asyncio.Socket) -> None:
        # XPUB passes on the first subscription to a topic and the last unsubscription.
        while True:
            frame = await publisher.recv()
            if frame[:1] == b"\x01":
                self._topics.add(frame[1:])
            elif frame[:1] == b"\x00":
                self._topics.discard(frame[1:])

    async def _serve_requests(self, router: zmq.asyncio.Socket) -> None:
        while True:
            frames = await router.recv_multipart()
            if len(frames) < 2:
                continue  # not a DEALER's request: nothing to answer
            # Each request runs apart: a plugin endpoint may take a while to answer.
            self._spawn(self._answer(router, frames[0], frames[-1]))

    async def _answer(self, router: zmq.asyncio.Socket, sender: bytes, request: bytes) -> None:
        reply = await self.dispatcher.respond(request)
        if reply is None:
            return  # a notification: no answer
        try:
            await router.send_multipart([sender, reply.encode()])
        except zmq.ZMQError as error:
            _LOGGER.debug("could not answer an IPC client: %s", error)
