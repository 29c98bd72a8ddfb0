"""Plugin connections on the node's socket: the handshake (id and per-process token), the
Welcome, and what happens when a connection ends."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING

from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.plugins.connection import Connection
from klayr_py.plugins.protocol import PROTOCOL_VERSION, Envelope, FrameError, read_envelope

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["Connections"]

_LOGGER = logging.getLogger("klayr_py.plugins")


class Connections:
    """Accepts each plugin process's one connection and serves it until it ends."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection: Hello with the right token, then envelopes until it ends."""
        host = self.host
        try:
            hello = await asyncio.wait_for(read_envelope(reader), host.settings.handshake_timeout)
        except (TimeoutError, FrameError, ConnectionError):
            writer.close()
            return
        running = None
        if hello is not None and hello.WhichOneof("body") == "hello":
            candidate = host.running.get(hello.hello.plugin_id)
            if candidate is not None and secrets.compare_digest(candidate.token, hello.hello.token):
                running = candidate
        if running is None or running.connection is not None:
            _LOGGER.warning("refused a plugin connection with a wrong id or token")
            writer.close()
            return
        found: PluginProcess = running

        async def on_envelope(envelope: Envelope) -> None:
            await host.requests.on_envelope(found, envelope)

        connection = Connection(reader, writer, on_envelope)
        running.connection = connection  # claimed before any await: one connection per process
        await connection.send(self._welcome(running))
        running.last_heartbeat = running.running_since = time.monotonic()
        status = host.status[running.spec.name]
        status.status = "running"
        running.connected.set()
        sender = asyncio.create_task(host.events.send(running))
        running.track(sender)
        try:
            await connection.run()
        except FrameError as error:
            host.supervisor.kill(running, f"sent a malformed message: {error}")
        finally:
            sender.cancel()
            if not host.stopping and status.status == "running":
                await self._reap(running)

    def _welcome(self, running: PluginProcess) -> Envelope:
        spec, settings = running.spec, self.host.settings
        welcome = Envelope()
        welcome.welcome.protocol_version = PROTOCOL_VERSION
        welcome.welcome.node_version = "klayr_py"
        welcome.welcome.chain_id = self.host.engine.chain_id.hex()
        welcome.welcome.capabilities.extend(sorted(spec.capabilities))
        welcome.welcome.config_json = json.dumps(spec.config)
        welcome.welcome.heartbeat_interval_ms = int(settings.heartbeat_interval * 1000)
        return welcome

    async def _reap(self, running: PluginProcess) -> None:
        """The connection ended: give the process a moment to exit (its exit code is the
        better reason), then kill it."""
        process = running.process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), 1.0)
        except TimeoutError:
            self.host.supervisor.kill(running, running.kill_reason or "closed its connection")
