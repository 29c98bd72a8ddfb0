"""The node's side of plugins: start each in its own sandboxed process, serve its requests,
contain it.

A :class:`PluginHost` listens on ``<dataPath>/plugins.sock`` and starts every plugin with
``--plugin-id``, ``--socket-path``, ``--data-dir`` (its working directory), ``--config-file`` and a
secret token, inside a bubblewrap sandbox (:mod:`~klayr_py.node.plugin_host.sandbox`): the node's
files, processes and (unless granted) the network do not exist in there. Every request a plugin
makes is checked against the capabilities its manifest declared; one without the capability is
refused and logged, and the plugin keeps running. A plugin can only read the chain, post
transactions through the pool and use its own storage, within a quota: nothing it does reaches
consensus state.

Containment: a plugin that exits, misses heartbeats for ``heartbeat_timeout``, floods the node
with requests or outgrows its storage quota is stopped (SIGKILL), a ``pluginCrashed`` event is
published, and it is restarted after a backoff that doubles up to ``backoff_max``, at most
``max_restarts`` times in a row — a run of ``restarts_reset_after`` seconds makes the budget
whole again. Events for a plugin wait in a bounded buffer (dropped and counted beyond, with a
``Lagged`` notice: the node never waits for a plugin); a restarted plugin gets again the events
after the last one it acknowledged. The node keeps forging throughout.

The jobs live in their own modules: processes (``_processes``), supervision
(``_supervision``), connections (``_connections``), event fan-out (``_events``), requests
(``_requests``), storage (``_storage``) and endpoints (``_endpoints``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from klayr_py.db import LevelDB
from klayr_py.node.engine import Engine
from klayr_py.node.plugin_host._connections import Connections
from klayr_py.node.plugin_host._endpoints import PluginEndpoints
from klayr_py.node.plugin_host._events import EventFanOut
from klayr_py.node.plugin_host._processes import Processes
from klayr_py.node.plugin_host._requests import CAPABILITY_REFUSED, Requests
from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.node.plugin_host._storage import PluginStorageArea
from klayr_py.node.plugin_host._supervision import Supervisor
from klayr_py.node.plugin_host.sandbox import Bubblewrap, SandboxUnavailableError
from klayr_py.node.plugin_host.spec import HostSettings, PluginSpec, PluginStatus
from klayr_py.node.rpc import RpcMethods, RpcServer
from klayr_py.node.rpc.notifications import forward_notifications

__all__ = ["CAPABILITY_REFUSED", "HostSettings", "PluginHost", "PluginSpec", "PluginStatus"]

_LOGGER = logging.getLogger("klayr_py.plugins")


class PluginHost:
    """Runs ``specs`` (in load order) beside ``engine``, serving their requests via ``methods``."""

    def __init__(
        self,
        specs: Sequence[PluginSpec],
        *,
        engine: Engine,
        methods: RpcMethods,
        data_path: Path,
        rpc: RpcServer | None = None,
        settings: HostSettings | None = None,
    ) -> None:
        self.specs = list(specs)
        self.engine = engine
        self.methods = methods
        self.rpc = rpc
        self.data_path = data_path
        self.settings = settings or HostSettings()
        self.socket_path = data_path / "plugins.sock"
        self.status = {spec.name: PluginStatus(spec) for spec in self.specs}
        self.running: dict[str, PluginProcess] = {}
        """The current process of each plugin started."""
        self.storage: PluginStorageArea | None = None
        self.sandbox: Bubblewrap | None = None
        self.stopping = False
        self.processes = Processes(self)
        self.supervisor = Supervisor(self)
        self.connections = Connections(self)
        self.events = EventFanOut(self)
        self.requests = Requests(self)
        self.endpoints = PluginEndpoints(self)
        self._server: asyncio.AbstractServer | None = None
        self._watchdog: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen on the plugin socket, subscribe to the engine, start every plugin (each in
        its sandbox; none at all when the sandbox is required and unavailable)."""
        refusal = await self._find_sandbox()
        if refusal is not None:
            for status in self.status.values():
                status.status, status.reason = "refused", refusal
            return
        self.data_path.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        database = LevelDB(self.data_path / "plugins.db")
        self.storage = PluginStorageArea(
            database, self.settings.quota_bytes, lambda name: self.status[name].data_dir_bytes
        )
        try:
            self._server = await asyncio.start_unix_server(
                self.connections.accept, path=str(self.socket_path)
            )
        except OSError:
            database.close()
            self.storage = None
            raise
        forward_notifications(self.engine, self.publish, self.events.anyone_wants)
        for spec in self.specs:
            await self.processes.spawn(spec)
        self._watchdog = asyncio.create_task(self.supervisor.watch())

    async def stop(self) -> None:
        """Ask every plugin to unload and exit; kill the ones that do not within 5 s."""
        self.stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in list(self.supervisor.restarts):
            task.cancel()
        for running in list(self.running.values()):
            await self.supervisor.shutdown(running, "the node is stopping")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        if self.storage is not None:
            self.storage.database.close()
            self.storage = None

    def publish(self, topic: str, payload: Any) -> None:
        """Queue ``topic`` for every subscribed plugin; a full buffer drops it (never blocks)."""
        self.events.publish(topic, payload)

    async def call_plugin_endpoint(self, plugin: str, endpoint: str, params: Any) -> Any:
        """Call ``endpoint`` of ``plugin``; RpcError if it is not running or fails."""
        return await self.endpoints.call(plugin, endpoint, params)

    async def _find_sandbox(self) -> str | None:
        """Find bubblewrap as ``settings.sandbox`` asks; the reason to refuse every plugin, if
        any. Said in the log at start either way."""
        mode = self.settings.sandbox
        if not self.specs:
            return None
        if mode == "off":
            _LOGGER.warning("plugins run WITHOUT a sandbox: plugins.sandbox is off")
            return None
        try:
            self.sandbox = await asyncio.to_thread(Bubblewrap.find)
        except SandboxUnavailableError as error:
            if mode == "optional":
                _LOGGER.warning(
                    "plugins run WITHOUT a sandbox (plugins.sandbox is optional): %s", error
                )
                return None
            reason = (
                f"no plugin is started: {error}. Install bubblewrap, or set plugins.sandbox "
                'to "optional" to run plugins without a sandbox'
            )
            _LOGGER.error("%s", reason)
            return reason
        _LOGGER.info("plugins run in a bubblewrap sandbox (%s)", self.sandbox.executable)
        return None
