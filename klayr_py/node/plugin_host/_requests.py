"""A plugin's requests to the node: the capability each needs, the rate limit, and serving
them (RPC methods, subscriptions, storage, endpoints, metrics, acknowledgements)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.node.rpc import RpcError, RpcMethods
from klayr_py.plugins.connection import Connection, ConnectionClosedError, RemoteError
from klayr_py.plugins.protocol import Envelope

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["ACKNOWLEDGE", "CAPABILITY_REFUSED", "Requests", "capability_for"]

_LOGGER = logging.getLogger("klayr_py.plugins")
CAPABILITY_REFUSED = -32001
ACKNOWLEDGE = "events_ack"
_READ_TXPOOL = frozenset({"txpool_getTransactionsFromPool", "txpool_dryRunTransaction"})


def capability_for(methods: RpcMethods, method: str) -> str | None:
    """The capability a plugin needs to ask ``method`` (None: every plugin may)."""
    if method in ("subscribe", "unsubscribe"):
        return "subscribe_events"
    if method.startswith("storage_"):
        return "plugin_storage"
    if method == "rpc_register":
        return "register_rpc_endpoint"
    if method == "plugin_call":
        return "call_plugin"
    if method in ("metrics_report", ACKNOWLEDGE):
        return None
    if methods.is_registered(method):
        return "call_plugin"  # another plugin's endpoint, whatever its name looks like
    if method == "txpool_postTransaction":
        return "send_transactions"
    if method in _READ_TXPOOL:
        return "read_txpool"
    if method.startswith(("chain_", "system_")):
        return "read_chain"
    return "read_state"


class Requests:
    """Serves what ``host``'s plugins send over their connections."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    async def on_envelope(self, running: PluginProcess, envelope: Envelope) -> None:
        """A heartbeat or a request from ``running`` (anything else is ignored)."""
        kind = envelope.WhichOneof("body")
        if kind == "heartbeat":
            running.last_heartbeat = time.monotonic()
            return
        if kind != "request":
            return
        if not running.take_token(self.host.settings):
            self.host.supervisor.kill(running, "flooded the node with requests")
            return
        # Served in a task: a slow request (another plugin's endpoint) must not stop this
        # connection's reading — heartbeats and responses keep flowing meanwhile.
        running.track(asyncio.create_task(self._answer(running, envelope.id, envelope.request)))

    async def _answer(self, running: PluginProcess, request_id: int, request: Any) -> None:
        connection = running.connection
        assert connection is not None
        async with running.concurrency:
            await self._answer_now(running, connection, request_id, request)

    async def _answer_now(
        self, running: PluginProcess, connection: Connection, request_id: int, request: Any
    ) -> None:
        name = running.spec.name
        try:
            params = json.loads(request.params_json or "{}")
            if not isinstance(params, dict):
                raise RpcError(-32602, "params must be a JSON object")
            needed = capability_for(self.host.methods, request.method)
            if needed is not None and needed not in running.spec.capabilities:
                self.host.status[name].refused_requests += 1
                _LOGGER.warning(
                    "plugin %s asked for %s without the %s capability", name, request.method, needed
                )
                raise RpcError(
                    CAPABILITY_REFUSED,
                    f"{request.method} needs the {needed} capability, which the manifest of "
                    f"{name} does not declare",
                )
            result = await self._serve(running, request.method, params)
        except RpcError as error:
            code, message = error.code, error.message
        except (ValueError, RemoteError, TimeoutError) as error:
            code, message = -32603, str(error)
        except Exception as error:  # a module endpoint's bug: answer, log, keep the plugin
            _LOGGER.exception("serving %s for plugin %s failed", request.method, name)
            code, message = -32603, f"internal error: {type(error).__name__}: {error}"
        else:
            with contextlib.suppress(ConnectionClosedError):
                await connection.respond(request_id, result)
            return
        with contextlib.suppress(ConnectionClosedError):
            await connection.respond_error(request_id, code, message)

    async def _serve(self, running: PluginProcess, method: str, params: dict[str, Any]) -> Any:
        host, spec = self.host, running.spec
        if method in ("subscribe", "unsubscribe"):
            topics = params.get("topics")
            if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
                raise RpcError(-32602, "params.topics must be a list of event names")
            if method == "subscribe":
                host.events.subscribe(running, topics)
            else:
                host.events.unsubscribe(running, topics)
            return {"topics": sorted(running.subscriptions)}
        if method == ACKNOWLEDGE:
            return host.events.acknowledge(running, params)
        if method.startswith("storage_"):
            assert host.storage is not None
            return host.storage.handle(spec.name, method, params)
        if method == "rpc_register":
            return host.endpoints.register(spec, params)
        if method == "plugin_call":
            target, endpoint = params.get("plugin"), params.get("endpoint")
            if not isinstance(target, str) or not isinstance(endpoint, str):
                raise RpcError(-32602, "plugin_call needs plugin and endpoint names")
            return await host.endpoints.call(target, endpoint, params.get("params") or {})
        if method == "metrics_report":
            metrics = params.get("metrics")
            if isinstance(metrics, dict):
                host.status[spec.name].metrics = {
                    str(k): float(v) for k, v in metrics.items() if isinstance(v, (int, float))
                }
            return {}
        if method.startswith(f"{spec.namespace}_"):
            raise RpcError(-32601, f"a plugin cannot call its own endpoint {method}")
        result = host.methods.call(method, params)
        if asyncio.iscoroutine(result):
            result = await result
        return result
