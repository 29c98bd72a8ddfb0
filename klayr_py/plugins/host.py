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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klayr_py.db import Database, LevelDB
from klayr_py.node.engine import Engine
from klayr_py.node.rpc import RpcError, RpcMethods, RpcServer
from klayr_py.node.rpc.notifications import forward_notifications, topic_matches
from klayr_py.plugins.connection import Connection, ConnectionClosedError, RemoteError
from klayr_py.plugins.protocol import PROTOCOL_VERSION, Envelope, FrameError, read_envelope
from klayr_py.plugins.protocol.framing import encode_envelope

__all__ = ["HostSettings", "PluginHost", "PluginSpec", "PluginStatus"]

_LOGGER = logging.getLogger("klayr_py.plugins")
CAPABILITY_REFUSED = -32001

_MAX_CONCURRENT_REQUESTS = 32
"""Requests of one plugin served at once; more wait their turn."""
_MAX_LIST_ITEMS = 1000
_MAX_LIST_BYTES = 1 << 20

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


@dataclass
class PluginStatus:
    """What the host knows of one plugin (``status`` is starting/running/restarting/failed/
    stopped)."""

    spec: PluginSpec
    status: str = "starting"
    restarts: int = 0
    crashes: list[str] = field(default_factory=list)
    dropped_events: int = 0
    refused_requests: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)
    pid: int | None = None


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
        self._storage: Database | None = None
        self._stopping = False
        self._watchdog: asyncio.Task[None] | None = None
        self._restarts: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on the plugin socket, subscribe to the engine, start every plugin."""
        self.data_path.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._storage = LevelDB(self.data_path / "plugins.db")
        try:
            self._server = await asyncio.start_unix_server(
                self._accept, path=str(self.socket_path)
            )
        except OSError:
            self._storage.close()
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
            self._storage.close()
            self._storage = None

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
        arguments = [
            "--plugin-id", spec.name,
            "--socket-path", str(self.socket_path),
            "--data-dir", str(data_dir),
            "--config-file", str(config_file),
        ]  # fmt: skip
        if spec.executable:
            command = [str((spec.plugin_dir / spec.entry_point).resolve()), *arguments]
        else:
            command = [
                sys.executable, "-m", "klayr_py.plugins.runner", *arguments,
                "--plugin-dir", str(spec.plugin_dir.resolve()),
                "--entry-point", spec.entry_point,
                "--version", spec.version,
            ]  # fmt: skip
        environment = {**os.environ, "PLUGIN_TOKEN": token, "PLUGIN_ID": spec.name}
        environment["PLUGIN_CONFIG_JSON"] = json.dumps(spec.config)
        running = _Running(spec, token, self.settings.event_buffer, self.settings.request_burst)
        self._running[spec.name] = running
        status = self.status[spec.name]
        status.status = "starting"
        try:
            running.process = await asyncio.create_subprocess_exec(
                *command,
                cwd=str(data_dir),
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_limits(spec),
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
            _LOGGER.error(
                "plugin %s failed %d times; not restarting it", spec.name, status.restarts + 1
            )
            return
        delay = min(
            self.settings.backoff_initial * 2**status.restarts, self.settings.backoff_max
        )
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
        """Stop plugins that stopped sending heartbeats."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval)
            now = time.monotonic()
            for running in list(self._running.values()):
                status = self.status[running.spec.name].status
                silent = now - running.last_heartbeat
                if status in ("running", "starting") and silent > self.settings.heartbeat_timeout:
                    self._kill(running, f"missed heartbeats for {silent:.1f} s")

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
        running.last_heartbeat = time.monotonic()
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
        """Queue ``topic`` for every subscribed plugin; a full buffer drops it (never blocks)."""
        frame: bytes | None = None
        for running in self._running.values():
            if running.connection is None or not self._wants(running, topic):
                continue
            if frame is None:
                envelope = Envelope()
                envelope.event.topic = topic
                envelope.event.payload_json = json.dumps(payload)
                try:
                    frame = encode_envelope(envelope)
                except FrameError:
                    _LOGGER.warning("event %s is too large for plugins; not sent", topic)
                    return
            try:
                running.outbox.put_nowait(frame)
            except asyncio.QueueFull:
                running.dropped += 1

    def _anyone_wants(self, topic: str) -> bool:
        return any(self._wants(running, topic) for running in self._running.values())

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
        if method == "metrics_report":
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
                running.subscriptions.update(topics)
            else:
                running.subscriptions.difference_update(topics)
            return {"topics": sorted(running.subscriptions)}
        if method.startswith("storage_"):
            return self._storage_request(spec, method, params)
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

    # -- storage ------------------------------------------------------------------------------

    def _storage_request(self, spec: PluginSpec, method: str, params: dict[str, Any]) -> Any:
        storage = self._storage
        assert storage is not None
        prefix = spec.name.encode() + b"\x00"
        key = params.get("key", params.get("prefix", ""))
        if not isinstance(key, str):
            raise RpcError(-32602, "storage keys are strings")
        if method == "storage_get":
            value = storage.get_or_none(prefix + key.encode())
            return None if value is None else value.decode()
        if method == "storage_set":
            value = params.get("value")
            if not isinstance(value, str):
                raise RpcError(-32602, "storage values are strings")
            if len(value) > 1 << 20:
                raise RpcError(-32602, "storage values are limited to 1 MiB")
            storage.set(prefix + key.encode(), value.encode())
            return None
        if method == "storage_delete":
            storage.delete(prefix + key.encode())
            return None
        if method == "storage_list":
            start = prefix + key.encode()
            after = params.get("after")
            low = prefix + after.encode() + b"\x00" if isinstance(after, str) else start
            items: list[list[str]] = []
            size = 0
            for found, value in storage.iterate(
                gte=low, lte=start + b"\xff" * 8, limit=_MAX_LIST_ITEMS
            ):
                size += len(found) + len(value)
                if items and size > _MAX_LIST_BYTES:
                    break  # the caller asks again with "after" the last key it got
                items.append([found[len(prefix) :].decode(), value.decode()])
            return items
        raise RpcError(-32601, f"unknown storage method {method}")

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


def _limits(spec: PluginSpec) -> Callable[[], None] | None:
    """rlimits for the plugin process (applied in the child before it runs)."""
    if spec.memory_mb is None and spec.cpu_seconds is None and spec.open_files is None:
        return None

    def apply() -> None:
        import resource

        if spec.memory_mb is not None:
            size = spec.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if spec.cpu_seconds is not None:
            # SIGXCPU at the limit (a clear exit reason), SIGKILL a second later.
            resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds, spec.cpu_seconds + 1))
        if spec.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (spec.open_files, spec.open_files))

    return apply
