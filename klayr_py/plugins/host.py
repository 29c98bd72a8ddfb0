"""The node's side of plugins: start each in its own process, serve its requests, contain it.

A :class:`PluginHost` listens on ``<dataPath>/plugins.sock`` and starts every plugin with
``--plugin-id``, ``--socket-path``, ``--data-dir`` (its working directory and storage area),
``--config-file`` and a secret token. Every request a plugin makes is checked against the
capabilities its manifest declared; one without the capability is refused and logged, and the
plugin keeps running. A plugin can only read the chain, post transactions through the pool and
use its own storage: nothing it does reaches consensus state.

Containment: a plugin that exits, misses heartbeats for ``heartbeat_timeout`` or floods the node
with requests is stopped (SIGKILL), a ``pluginCrashed`` event is published, and it is restarted
after a backoff that doubles up to ``backoff_max``, at most ``max_restarts`` times. Events for a
plugin wait in a bounded buffer; when it is full they are dropped and counted, and the plugin
gets a ``Lagged`` notice — the node never waits for a plugin. Optional rlimits (memory, CPU
seconds, open files) apply to each process. The node keeps forging throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klayr_py.db import LevelDB
from klayr_py.node.engine import Engine
from klayr_py.node.rpc import RpcError, RpcMethods, RpcServer
from klayr_py.node.rpc.notifications import forward_notifications, topic_matches
from klayr_py.plugins._storage import PluginStorageArea
from klayr_py.plugins.connection import Connection, ConnectionClosedError, RemoteError
from klayr_py.plugins.protocol import PROTOCOL_VERSION, Envelope, FrameError, read_envelope
from klayr_py.plugins.protocol.framing import encode_envelope
from klayr_py.plugins.sandbox import (
    PLUGIN_CODE_DIR,
    PLUGIN_DATA_DIR,
    PLUGIN_SOCKET,
    SANDBOX_MODES,
    Bubblewrap,
    SandboxPolicy,
    SandboxUnavailableError,
)

__all__ = ["HostSettings", "PluginHost", "PluginSpec", "PluginStatus"]

_LOGGER = logging.getLogger("klayr_py.plugins")
CAPABILITY_REFUSED = -32001

_MAX_CONCURRENT_REQUESTS = 32
"""Requests of one plugin served at once; more wait their turn."""
_MIB = 1 << 20
_ACKNOWLEDGE = "events_ack"

_READ_TXPOOL = frozenset({"txpool_getTransactionsFromPool", "txpool_dryRunTransaction"})


@dataclass(frozen=True)
class PluginSpec:
    """What the host needs to run one plugin (built from its manifest and config)."""

    name: str
    version: str
    plugin_dir: Path
    entry_point: str
    """``module`` / ``module:Class`` for a Python plugin, or a path inside ``plugin_dir``."""
    executable: bool = False
    capabilities: frozenset[str] = frozenset()
    config: dict[str, Any] = field(default_factory=dict)
    rpc_namespace: str = ""
    memory_mb: int | None = None
    cpu_seconds: int | None = None
    open_files: int | None = None

    @property
    def namespace(self) -> str:
        """The prefix of the plugin's RPC endpoints."""
        return self.rpc_namespace or self.name


@dataclass(frozen=True)
class HostSettings:
    """Timing and limits of plugin containment."""

    heartbeat_interval: float = 1.0
    heartbeat_timeout: float = 5.0
    max_restarts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    event_buffer: int = 256
    requests_per_second: float = 500.0
    request_burst: float = 1000.0
    call_timeout: float = 10.0
    handshake_timeout: float = 10.0
    sandbox: str = "required"
    """One of :data:`~klayr_py.plugins.sandbox.SANDBOX_MODES` (config ``plugins.sandbox``)."""
    storage_quota_mb: int = 64
    """What each plugin may keep on the node's disk: its storage and its data directory."""
    storage_quotas_mb: Mapping[str, int] = field(default_factory=dict)
    """Quotas of particular plugins, by name (the others get ``storage_quota_mb``)."""
    quota_check_interval: float = 2.0
    restarts_reset_after: float = 60.0
    """Seconds a plugin must run without crashing for its restart budget to be whole again."""
    replay_events: int = 1024
    """Recent events kept to deliver again to a restarted plugin (from the last it
    acknowledged)."""

    def __post_init__(self) -> None:
        if self.sandbox not in SANDBOX_MODES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}")

    def quota_bytes(self, plugin: str) -> int:
        """The storage quota of ``plugin`` in bytes."""
        return self.storage_quotas_mb.get(plugin, self.storage_quota_mb) * _MIB


@dataclass
class PluginStatus:
    """What the host knows of one plugin (``status`` is starting/running/restarting/failed/
    stopped/refused)."""

    spec: PluginSpec
    status: str = "starting"
    restarts: int = 0
    crashes: list[str] = field(default_factory=list)
    dropped_events: int = 0
    refused_requests: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)
    pid: int | None = None
    reason: str = ""
    """Why the plugin is refused or failed."""
    sandboxed: bool = False
    data_dir_bytes: int = 0
    """What its data directory held at the last quota check."""
    acknowledged: int = 0
    """The sequence number of the last event it said it handled."""


class _Running:
    """One live process of a plugin and its connection."""

    def __init__(self, spec: PluginSpec, token: str, buffer: int, burst: float) -> None:
        self.spec = spec
        self.token = token
        self.process: asyncio.subprocess.Process | None = None
        self.connection: Connection | None = None
        self.connected = asyncio.Event()
        self.subscriptions: set[str] = set()
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue(buffer)
        self.dropped = 0
        self.last_heartbeat = time.monotonic()
        self.kill_reason: str | None = None
        self.running_since: float | None = None
        self.tokens = burst
        self.refill_at = time.monotonic()
        self.tasks: list[asyncio.Task[Any]] = []
        self.concurrency = asyncio.Semaphore(_MAX_CONCURRENT_REQUESTS)


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
        self._running: dict[str, _Running] = {}
        self._server: asyncio.AbstractServer | None = None
        self._storage: PluginStorageArea | None = None
        self._sandbox: Bubblewrap | None = None
        self._sequence = 0
        self._recent: deque[tuple[int, str, bytes]] = deque(maxlen=self.settings.replay_events)
        self._wanted: dict[str, set[str]] = {spec.name: set() for spec in self.specs}
        self._quota_checked = 0.0
        self._stopping = False
        self._watchdog: asyncio.Task[None] | None = None
        self._restarts: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------

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
        self._storage = PluginStorageArea(
            database, self.settings.quota_bytes, lambda name: self.status[name].data_dir_bytes
        )
        try:
            self._server = await asyncio.start_unix_server(self._accept, path=str(self.socket_path))
        except OSError:
            database.close()
            self._storage = None
            raise
        forward_notifications(self.engine, self.publish, self._anyone_wants)
        for spec in self.specs:
            await self._spawn(spec)
        self._watchdog = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Ask every plugin to unload and exit; kill the ones that do not within 5 s."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in list(self._restarts):
            task.cancel()
        for running in list(self._running.values()):
            await self._shutdown(running, "the node is stopping")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        if self._storage is not None:
            self._storage.database.close()
            self._storage = None

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
            self._sandbox = await asyncio.to_thread(Bubblewrap.find)
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
        _LOGGER.info("plugins run in a bubblewrap sandbox (%s)", self._sandbox.executable)
        return None

    async def _shutdown(self, running: _Running, reason: str) -> None:
        status = self.status[running.spec.name]
        status.status = "stopped"
        if running.connection is not None and not running.connection.closed:
            envelope = Envelope()
            envelope.shutdown.reason = reason
            with contextlib.suppress(ConnectionClosedError):
                await running.connection.send(envelope)
        process = running.process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        for task in running.tasks:
            task.cancel()
        self._unregister_endpoints(running.spec)

    # -- processes ----------------------------------------------------------------------------

    def _plugin_data_dir(self, spec: PluginSpec) -> Path:
        return self.data_path / "plugins" / spec.name

    async def _spawn(self, spec: PluginSpec) -> None:
        data_dir = self._plugin_data_dir(spec)
        data_dir.mkdir(parents=True, exist_ok=True)
        config_file = data_dir / "config.json"
        config_file.write_text(json.dumps(spec.config), encoding="utf-8")
        token = secrets.token_hex(16)
        secrets_env = {
            "PLUGIN_TOKEN": token,
            "PLUGIN_ID": spec.name,
            "PLUGIN_CONFIG_JSON": json.dumps(spec.config),
        }
        if self._sandbox is not None:
            # Paths as the plugin sees them inside its sandbox.
            plugin_dir, data, socket_path = (
                Path(PLUGIN_CODE_DIR),
                Path(PLUGIN_DATA_DIR),
                PLUGIN_SOCKET,
            )
            environment = Bubblewrap.environment(secrets_env)
        else:
            plugin_dir, data, socket_path = (
                spec.plugin_dir.resolve(),
                data_dir,
                str(self.socket_path),
            )
            environment = {**os.environ, **secrets_env}
        arguments = [
            "--plugin-id", spec.name,
            "--socket-path", socket_path,
            "--data-dir", str(data),
            "--config-file", str(data / config_file.name),
        ]  # fmt: skip
        if spec.executable:
            command = [str(plugin_dir / spec.entry_point), *arguments]
        else:
            command = [
                sys.executable, "-m", "klayr_py.plugins.runner", *arguments,
                "--plugin-dir", str(plugin_dir),
                "--entry-point", spec.entry_point,
                "--version", spec.version,
            ]  # fmt: skip
        if self._sandbox is not None:
            policy = SandboxPolicy(
                plugin_dir=spec.plugin_dir,
                data_dir=data_dir,
                socket_path=self.socket_path,
                network="network" in spec.capabilities,
            )
            command = self._sandbox.wrap(command, policy)
        running = _Running(spec, token, self.settings.event_buffer, self.settings.request_burst)
        self._running[spec.name] = running
        status = self.status[spec.name]
        status.status = "starting"
        status.sandboxed = self._sandbox is not None
        try:
            running.process = await asyncio.create_subprocess_exec(
                *command,
                cwd=str(data_dir),
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_limits(spec, self.settings.quota_bytes(spec.name)),
            )
        except OSError as error:
            _LOGGER.error("plugin %s could not start: %s", spec.name, error)
            await self._crashed(running, f"could not start: {error}")
            return
        status.pid = running.process.pid
        running.tasks.append(asyncio.create_task(self._wait_exit(running)))
        _LOGGER.info("plugin %s started (pid %d)", spec.name, running.process.pid)

    async def _wait_exit(self, running: _Running) -> None:
        assert running.process is not None
        code = await running.process.wait()
        if self.status[running.spec.name].sandboxed and code > 128:
            code = 128 - code  # bwrap exits 128 + n when signal n killed the plugin
        if self._stopping or self.status[running.spec.name].status == "stopped":
            return
        reason = running.kill_reason or f"exited with code {code}"
        await self._crashed(running, reason)

    async def _crashed(self, running: _Running, reason: str) -> None:
        spec = running.spec
        status = self.status[spec.name]
        status.crashes.append(reason)
        for task in running.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if running.connection is not None:
            await running.connection.close()
        self._unregister_endpoints(spec)
        _LOGGER.warning("plugin %s crashed: %s", spec.name, reason)
        payload = {"name": spec.name, "reason": reason, "restarts": status.restarts}
        self.publish("pluginCrashed", payload)
        if self.rpc is not None:
            self.rpc.publish("pluginCrashed", payload)
        if status.restarts >= self.settings.max_restarts:
            status.status = "failed"
            status.reason = reason
            _LOGGER.error(
                "plugin %s failed %d times; not restarting it", spec.name, status.restarts + 1
            )
            return
        delay = min(self.settings.backoff_initial * 2**status.restarts, self.settings.backoff_max)
        status.restarts += 1
        status.status = "restarting"
        task = asyncio.create_task(self._restart_later(spec, delay))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _restart_later(self, spec: PluginSpec, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self._stopping:
            await self._spawn(spec)

    def _kill(self, running: _Running, reason: str) -> None:
        if running.kill_reason is None:
            running.kill_reason = reason
            if running.process is not None and running.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    running.process.send_signal(signal.SIGKILL)

    async def _watch(self) -> None:
        """Stop plugins that stopped sending heartbeats or outgrew their storage quota; give
        a plugin that ran long enough without crashing its restart budget back."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval)
            now = time.monotonic()
            check_quota = now - self._quota_checked >= self.settings.quota_check_interval
            if check_quota:
                self._quota_checked = now
            for running in list(self._running.values()):
                status = self.status[running.spec.name]
                silent = now - running.last_heartbeat
                if status.status not in ("running", "starting"):
                    continue
                if silent > self.settings.heartbeat_timeout:
                    self._kill(running, f"missed heartbeats for {silent:.1f} s")
                    continue
                if check_quota:
                    await self._check_quota(running)
                since = running.running_since
                stable = since is not None and now - since >= self.settings.restarts_reset_after
                if stable and status.restarts and running.kill_reason is None:
                    _LOGGER.info(
                        "plugin %s ran %.0f s without crashing: its restart budget is whole",
                        running.spec.name,
                        now - (since or now),
                    )
                    status.restarts = 0

    async def _check_quota(self, running: _Running) -> None:
        name = running.spec.name
        status = self.status[name]
        status.data_dir_bytes = await asyncio.to_thread(
            _directory_bytes, self._plugin_data_dir(running.spec)
        )
        stored = self._storage.used(name) if self._storage is not None else 0
        quota = self.settings.quota_bytes(name)
        if status.data_dir_bytes + stored > quota:
            self._kill(
                running,
                f"exceeded its storage quota: {status.data_dir_bytes} bytes in its data "
                f"directory and {stored} in its storage, of {quota} (plugins.storageQuotaMb)",
            )

    # -- connections --------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            hello = await asyncio.wait_for(read_envelope(reader), self.settings.handshake_timeout)
        except (TimeoutError, FrameError, ConnectionError):
            writer.close()
            return
        running = None
        if hello is not None and hello.WhichOneof("body") == "hello":
            candidate = self._running.get(hello.hello.plugin_id)
            if candidate is not None and secrets.compare_digest(candidate.token, hello.hello.token):
                running = candidate
        if running is None or running.connection is not None:
            _LOGGER.warning("refused a plugin connection with a wrong id or token")
            writer.close()
            return

        async def on_envelope(envelope: Envelope) -> None:
            await self._on_envelope(running, envelope)

        connection = Connection(reader, writer, on_envelope)
        running.connection = connection  # claimed before any await: one connection per process
        spec = running.spec
        welcome = Envelope()
        welcome.welcome.protocol_version = PROTOCOL_VERSION
        welcome.welcome.node_version = "klayr_py"
        welcome.welcome.chain_id = self.engine.chain_id.hex()
        welcome.welcome.capabilities.extend(sorted(spec.capabilities))
        welcome.welcome.config_json = json.dumps(spec.config)
        welcome.welcome.heartbeat_interval_ms = int(self.settings.heartbeat_interval * 1000)
        await connection.send(welcome)
        running.last_heartbeat = running.running_since = time.monotonic()
        self.status[spec.name].status = "running"
        running.connected.set()
        sender = asyncio.create_task(self._send_events(running))
        running.tasks.append(sender)
        try:
            await connection.run()
        except FrameError as error:
            self._kill(running, f"sent a malformed message: {error}")
        finally:
            sender.cancel()
            if not self._stopping and self.status[spec.name].status == "running":
                await self._reap(running)

    async def _reap(self, running: _Running) -> None:
        """The connection ended: give the process a moment to exit (its exit code is the
        better reason), then kill it."""
        process = running.process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), 1.0)
        except TimeoutError:
            self._kill(running, running.kill_reason or "closed its connection")

    async def _send_events(self, running: _Running) -> None:
        connection = running.connection
        assert connection is not None
        while True:
            frame = await running.outbox.get()
            if connection.closed:
                return
            try:
                async with connection._write_lock:
                    connection.writer.write(frame)
                    await connection.writer.drain()
            except (ConnectionError, OSError):
                return
            if running.dropped:
                notice = Envelope()
                notice.lagged.dropped = running.dropped
                self.status[running.spec.name].dropped_events += running.dropped
                running.dropped = 0
                await connection.send(notice)

    # -- events -------------------------------------------------------------------------------

    def publish(self, topic: str, payload: Any) -> None:
        """Queue ``topic`` for every subscribed plugin; a full buffer drops it (never blocks).

        Every event some plugin subscribed to gets the next sequence number (the Envelope's
        ``id``) and is kept among the last ``replay_events``, so that a plugin that restarts
        gets again, when it subscribes, those after the last it acknowledged."""
        if not self._anyone_wants(topic):
            return
        self._sequence += 1
        envelope = Envelope(id=self._sequence)
        envelope.event.topic = topic
        envelope.event.payload_json = json.dumps(payload)
        try:
            frame = encode_envelope(envelope)
        except FrameError:
            _LOGGER.warning("event %s is too large for plugins; not sent", topic)
            return
        self._recent.append((self._sequence, topic, frame))
        for running in self._running.values():
            if running.connection is not None and self._wants(running, topic):
                self._enqueue(running, frame)

    def _enqueue(self, running: _Running, frame: bytes) -> None:
        try:
            running.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            running.dropped += 1

    def _subscribe(self, running: _Running, topics: list[str]) -> None:
        """Add ``topics``; queue the kept events they match that the plugin has not
        acknowledged and did not already get on this connection."""
        before = set(running.subscriptions)
        added = [topic for topic in topics if topic not in before]
        running.subscriptions.update(topics)
        self._wanted[running.spec.name].update(topics)
        acknowledged = self.status[running.spec.name].acknowledged
        for sequence, topic, frame in self._recent:
            if sequence <= acknowledged:
                continue
            if any(topic_matches(t, topic) for t in added) and not any(
                topic_matches(t, topic) for t in before
            ):
                self._enqueue(running, frame)

    def _acknowledge(self, running: _Running, params: dict[str, Any]) -> dict[str, int]:
        sequence = params.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
            raise RpcError(-32602, "params.sequence must be an event sequence number")
        status = self.status[running.spec.name]
        status.acknowledged = max(status.acknowledged, min(sequence, self._sequence))
        return {"acknowledged": status.acknowledged}

    def _anyone_wants(self, topic: str) -> bool:
        """Someone subscribed to ``topic``: a running plugin, or one that will be restarted
        (and must get the event then)."""
        return any(
            topic_matches(wanted, topic)
            for name, topics in self._wanted.items()
            if self.status[name].status not in ("failed", "stopped", "refused")
            for wanted in topics
        )

    @staticmethod
    def _wants(running: _Running, topic: str) -> bool:
        return any(topic_matches(wanted, topic) for wanted in running.subscriptions)

    # -- requests -----------------------------------------------------------------------------

    async def _on_envelope(self, running: _Running, envelope: Envelope) -> None:
        kind = envelope.WhichOneof("body")
        if kind == "heartbeat":
            running.last_heartbeat = time.monotonic()
            return
        if kind != "request":
            return
        if not self._take_token(running):
            self._kill(running, "flooded the node with requests")
            return
        # Served in a task: a slow request (another plugin's endpoint) must not stop this
        # connection's reading — heartbeats and responses keep flowing meanwhile.
        task = asyncio.create_task(self._answer(running, envelope.id, envelope.request))
        running.tasks.append(task)
        task.add_done_callback(_forget(running.tasks))

    async def _answer(self, running: _Running, request_id: int, request: Any) -> None:
        connection = running.connection
        assert connection is not None
        async with running.concurrency:
            await self._answer_now(running, connection, request_id, request)

    async def _answer_now(
        self, running: _Running, connection: Connection, request_id: int, request: Any
    ) -> None:
        try:
            params = json.loads(request.params_json or "{}")
            if not isinstance(params, dict):
                raise RpcError(-32602, "params must be a JSON object")
            needed = self._capability_for(request.method)
            if needed is not None and needed not in running.spec.capabilities:
                self.status[running.spec.name].refused_requests += 1
                _LOGGER.warning(
                    "plugin %s asked for %s without the %s capability",
                    running.spec.name,
                    request.method,
                    needed,
                )
                raise RpcError(
                    CAPABILITY_REFUSED,
                    f"{request.method} needs the {needed} capability, which the manifest of "
                    f"{running.spec.name} does not declare",
                )
            result = await self._serve(running, request.method, params)
        except RpcError as error:
            code, message = error.code, error.message
        except (ValueError, RemoteError, TimeoutError) as error:
            code, message = -32603, str(error)
        except Exception as error:  # a module endpoint's bug: answer, log, keep the plugin
            _LOGGER.exception("serving %s for plugin %s failed", request.method, running.spec.name)
            code, message = -32603, f"internal error: {type(error).__name__}: {error}"
        else:
            with contextlib.suppress(ConnectionClosedError):
                await connection.respond(request_id, result)
            return
        with contextlib.suppress(ConnectionClosedError):
            await connection.respond_error(request_id, code, message)

    def _take_token(self, running: _Running) -> bool:
        now = time.monotonic()
        settings = self.settings
        running.tokens = min(
            settings.request_burst,
            running.tokens + (now - running.refill_at) * settings.requests_per_second,
        )
        running.refill_at = now
        if running.tokens < 1:
            return False
        running.tokens -= 1
        return True

    def _capability_for(self, method: str) -> str | None:
        if method in ("subscribe", "unsubscribe"):
            return "subscribe_events"
        if method.startswith("storage_"):
            return "plugin_storage"
        if method == "rpc_register":
            return "register_rpc_endpoint"
        if method == "plugin_call":
            return "call_plugin"
        if method in ("metrics_report", _ACKNOWLEDGE):
            return None
        if self.methods.is_registered(method):
            return "call_plugin"  # another plugin's endpoint, whatever its name looks like
        if method == "txpool_postTransaction":
            return "send_transactions"
        if method in _READ_TXPOOL:
            return "read_txpool"
        if method.startswith(("chain_", "system_")):
            return "read_chain"
        return "read_state"

    async def _serve(self, running: _Running, method: str, params: dict[str, Any]) -> Any:
        spec = running.spec
        if method in ("subscribe", "unsubscribe"):
            topics = params.get("topics")
            if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
                raise RpcError(-32602, "params.topics must be a list of event names")
            if method == "subscribe":
                self._subscribe(running, topics)
            else:
                running.subscriptions.difference_update(topics)
                self._wanted[spec.name].difference_update(topics)
            return {"topics": sorted(running.subscriptions)}
        if method == _ACKNOWLEDGE:
            return self._acknowledge(running, params)
        if method.startswith("storage_"):
            assert self._storage is not None
            return self._storage.handle(spec.name, method, params)
        if method == "rpc_register":
            return self._register_endpoints(spec, params)
        if method == "plugin_call":
            target, endpoint = params.get("plugin"), params.get("endpoint")
            if not isinstance(target, str) or not isinstance(endpoint, str):
                raise RpcError(-32602, "plugin_call needs plugin and endpoint names")
            return await self.call_plugin_endpoint(target, endpoint, params.get("params") or {})
        if method == "metrics_report":
            metrics = params.get("metrics")
            if isinstance(metrics, dict):
                self.status[spec.name].metrics = {
                    str(k): float(v) for k, v in metrics.items() if isinstance(v, (int, float))
                }
            return {}
        if method.startswith(f"{spec.namespace}_") or method in ("subscribe", "unsubscribe"):
            raise RpcError(-32601, f"a plugin cannot call its own endpoint {method}")
        result = self.methods.call(method, params)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    # -- plugin endpoints ---------------------------------------------------------------------

    def _register_endpoints(self, spec: PluginSpec, params: dict[str, Any]) -> Any:
        names = params.get("endpoints")
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise RpcError(-32602, "params.endpoints must be a list of endpoint names")
        self._unregister_endpoints(spec)
        registered = []
        for endpoint in names:
            rpc_name = f"{spec.namespace}_{endpoint}"
            self.methods.register(rpc_name, self._endpoint_caller(spec.name, endpoint))
            registered.append(rpc_name)
        self.status[spec.name].endpoints = registered
        return {"registered": registered}

    def _endpoint_caller(self, plugin: str, endpoint: str) -> Callable[[Any], Any]:
        def call(params: Any) -> Any:
            return self.call_plugin_endpoint(plugin, endpoint, dict(params))

        return call

    def _unregister_endpoints(self, spec: PluginSpec) -> None:
        for rpc_name in self.status[spec.name].endpoints:
            self.methods.unregister(rpc_name)
        self.status[spec.name].endpoints = []

    async def call_plugin_endpoint(self, plugin: str, endpoint: str, params: Any) -> Any:
        """Call ``endpoint`` of ``plugin``; RpcError if it is not running or fails."""
        running = self._running.get(plugin)
        if running is None or running.connection is None or running.connection.closed:
            raise RpcError(-32603, f"plugin {plugin} is not running")
        if f"{running.spec.namespace}_{endpoint}" not in self.status[plugin].endpoints:
            raise RpcError(-32601, f"plugin {plugin} has no endpoint {endpoint}")
        try:
            return await running.connection.request(
                "endpoint_call",
                {"endpoint": endpoint, "params": params},
                timeout=self.settings.call_timeout,
            )
        except RemoteError as error:
            raise RpcError(error.code, f"plugin {plugin}: {error.message}") from None
        except (TimeoutError, ConnectionClosedError):
            raise RpcError(-32603, f"plugin {plugin} did not answer") from None


def _forget(tasks: list[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def remove(task: asyncio.Task[Any]) -> None:
        with contextlib.suppress(ValueError):
            tasks.remove(task)

    return remove


def _directory_bytes(directory: Path) -> int:
    """Bytes of the files under ``directory`` (as allocated on disk, so sparse files count what
    they use; links are not followed)."""
    total = 0
    for folder, _folders, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


def _limits(spec: PluginSpec, file_bytes: int) -> Callable[[], None]:
    """rlimits for the plugin process (applied in the child before it runs): the manifest's,
    and no file larger than the storage quota (a write beyond fails with EFBIG)."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
        if spec.memory_mb is not None:
            size = spec.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if spec.cpu_seconds is not None:
            # SIGXCPU at the limit (a clear exit reason), SIGKILL a second later.
            resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds, spec.cpu_seconds + 1))
        if spec.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (spec.open_files, spec.open_files))

    return apply
