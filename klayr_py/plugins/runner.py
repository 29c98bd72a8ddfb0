"""The process a Python plugin runs in: ``python -m klayr_py.plugins.runner``.

The node starts it with ``--plugin-id``, ``--socket-path``, ``--data-dir`` (also the working
directory), ``--plugin-dir`` and ``--entry-point`` (``module`` or ``module:Class``), the plugin's
configuration in ``--config-file`` and a secret in the ``PLUGIN_TOKEN`` environment variable. It
connects to the node, says Hello, loads the plugin, sends heartbeats and metrics, delivers events
to the plugin's handlers (in order, one at a time) and answers calls to its endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from klayr_py.plugins.connection import Connection, RemoteError
from klayr_py.plugins.protocol import PROTOCOL_VERSION, Envelope, read_envelope
from klayr_py.plugins.protocol.framing import encode_envelope
from klayr_py.plugins.sdk import BasePlugin, NodeAPI

__all__ = ["load_plugin_class", "main", "run_plugin"]

_METRICS_INTERVAL = 5.0
_ACKNOWLEDGE_EVERY = 64
"""Events handled between two acknowledgements while more are waiting (one is always sent
when the queue runs empty)."""
_LOGGER = logging.getLogger("klayr_py.plugin")


def load_plugin_class(entry_point: str, plugin_dir: Path) -> type[BasePlugin]:
    """The :class:`BasePlugin` subclass ``module:Class`` (or the only one in ``module``)."""
    if str(plugin_dir) not in sys.path:
        sys.path.insert(0, str(plugin_dir))
    module_name, _, class_name = entry_point.partition(":")
    module = importlib.import_module(module_name)
    if class_name:
        found = getattr(module, class_name)
        if not (inspect.isclass(found) and issubclass(found, BasePlugin)):
            raise TypeError(f"{entry_point} is not a BasePlugin subclass")
        return found
    candidates = [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BasePlugin)
        and value is not BasePlugin
        and value.__module__ == module.__name__
    ]
    if len(candidates) != 1:
        raise TypeError(
            f"{module_name} defines {len(candidates)} BasePlugin subclasses; name one as "
            f"{module_name}:ClassName"
        )
    return candidates[0]


async def run_plugin(
    plugin: BasePlugin, *, plugin_id: str, socket_path: str, token: str, version: str = ""
) -> int:
    """Connect ``plugin`` to the node and serve it until the node says stop (0) or goes (1)."""
    reader, writer = await asyncio.open_unix_connection(socket_path)
    hello = Envelope()
    hello.hello.plugin_id = plugin_id
    hello.hello.name = plugin.name or plugin_id
    hello.hello.version = version
    hello.hello.protocol_version = PROTOCOL_VERSION
    hello.hello.token = token
    writer.write(encode_envelope(hello))
    await writer.drain()
    welcome = await read_envelope(reader)
    if welcome is None or welcome.WhichOneof("body") != "welcome":
        _LOGGER.error("the node refused the connection")
        return 1
    plugin.config = json.loads(welcome.welcome.config_json or "{}")
    plugin.capabilities = frozenset(welcome.welcome.capabilities)
    interval = max(welcome.welcome.heartbeat_interval_ms, 50) / 1000

    stop = asyncio.Event()
    events: asyncio.Queue[tuple[int, str, Any]] = asyncio.Queue()
    endpoints = plugin.endpoint_names()
    tasks: set[asyncio.Task[Any]] = set()

    async def on_envelope(envelope: Envelope) -> None:
        kind = envelope.WhichOneof("body")
        if kind == "event":
            payload = json.loads(envelope.event.payload_json)
            events.put_nowait((envelope.id, envelope.event.topic, payload))
        elif kind == "request":
            task = asyncio.create_task(answer(envelope.id, envelope.request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        elif kind == "lagged":
            plugin.on_lagged(envelope.lagged.dropped)
        elif kind == "shutdown":
            stop.set()

    async def answer(request_id: int, request: Any) -> None:
        params = json.loads(request.params_json or "{}")
        if request.method != "endpoint_call" or params.get("endpoint") not in endpoints:
            await connection.respond_error(request_id, -32601, f"no endpoint {params}")
            return
        try:
            result = await endpoints[params["endpoint"]](params.get("params") or {})
        except Exception as error:
            await connection.respond_error(request_id, -32603, f"{type(error).__name__}: {error}")
            return
        await connection.respond(request_id, result)

    async def deliver_events() -> None:
        # After its handlers ran, an event is acknowledged (by its sequence number): a restarted
        # plugin gets again every event after the last acknowledged one (at least once).
        unacknowledged = 0
        while True:
            sequence, topic, payload = await events.get()
            await plugin._dispatch_event(topic, payload)
            unacknowledged += 1
            if sequence and (events.empty() or unacknowledged >= _ACKNOWLEDGE_EVERY):
                unacknowledged = 0
                with contextlib.suppress(RemoteError):
                    await connection.request("events_ack", {"sequence": sequence})

    async def heartbeat() -> None:
        sequence = 0
        while True:
            sequence += 1
            beat = Envelope()
            beat.heartbeat.sequence = sequence
            await connection.send(beat)
            await asyncio.sleep(interval)

    async def report_metrics() -> None:
        while True:
            await asyncio.sleep(_METRICS_INTERVAL)
            if plugin.metrics.values:
                await connection.request("metrics_report", {"metrics": plugin.metrics.values})

    connection = Connection(reader, writer, on_envelope)
    plugin._node = NodeAPI(connection)
    reading = asyncio.create_task(connection.run())
    helpers = [asyncio.create_task(job()) for job in (deliver_events, heartbeat, report_metrics)]
    exit_code = 0
    try:
        await plugin.load()
        if endpoints:
            await connection.request("rpc_register", {"endpoints": sorted(endpoints)})
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if reading in done and not stop.is_set():
            _LOGGER.error("the node closed the connection")
            exit_code = 1
        stopping.cancel()
    except RemoteError as error:
        _LOGGER.error("the node refused a request while loading: %s", error.message)
        exit_code = 1
    finally:
        plugin._stop_timers()
        with contextlib.suppress(Exception):
            await plugin.unload()
        for task in (*helpers, reading, *tasks):
            task.cancel()
        await connection.close()
    return exit_code


def main(argv: list[str] | None = None) -> None:
    """Parse the node's arguments, load the plugin class, run it."""
    parser = argparse.ArgumentParser(description="Run a klayr_py plugin (started by the node).")
    parser.add_argument("--plugin-id", required=True)
    parser.add_argument("--socket-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--plugin-dir", required=True)
    parser.add_argument("--entry-point", required=True)
    parser.add_argument("--version", default="")
    parser.add_argument("--config-file")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s %(levelname)s plugin {args.plugin_id}: %(message)s"
    )
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(data_dir)
    plugin_class = load_plugin_class(args.entry_point, Path(args.plugin_dir).resolve())
    plugin = plugin_class()
    plugin.data_dir = data_dir.resolve()
    plugin.logger = logging.getLogger(f"klayr_py.plugin.{args.plugin_id}")
    if args.config_file:
        plugin.config = json.loads(Path(args.config_file).read_text(encoding="utf-8"))
    code = asyncio.run(
        run_plugin(
            plugin,
            plugin_id=args.plugin_id,
            socket_path=args.socket_path,
            token=os.environ.get("PLUGIN_TOKEN", ""),
            version=args.version,
        )
    )
    sys.exit(code)


if __name__ == "__main__":
    main()
