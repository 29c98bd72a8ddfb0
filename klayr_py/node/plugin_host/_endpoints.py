"""Plugin endpoints served by the node's RPC: ``<namespace>_<endpoint>`` forwarded to the
plugin's process over its connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from klayr_py.node.plugin_host.spec import PluginSpec
from klayr_py.node.rpc import RpcError
from klayr_py.plugins.connection import ConnectionClosedError, RemoteError

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["PluginEndpoints"]


class PluginEndpoints:
    """Registers ``host``'s plugins' endpoints with its RPC methods and calls them."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    def register(self, spec: PluginSpec, params: dict[str, Any]) -> Any:
        """``rpc_register {endpoints}``: serve these endpoints of ``spec`` (replacing any)."""
        names = params.get("endpoints")
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise RpcError(-32602, "params.endpoints must be a list of endpoint names")
        self.unregister(spec)
        registered = []
        for endpoint in names:
            rpc_name = f"{spec.namespace}_{endpoint}"
            self.host.methods.register(rpc_name, self._caller(spec.name, endpoint))
            registered.append(rpc_name)
        self.host.status[spec.name].endpoints = registered
        return {"registered": registered}

    def unregister(self, spec: PluginSpec) -> None:
        """Stop serving every endpoint of ``spec``."""
        status = self.host.status[spec.name]
        for rpc_name in status.endpoints:
            self.host.methods.unregister(rpc_name)
        status.endpoints = []

    async def call(self, plugin: str, endpoint: str, params: Any) -> Any:
        """Call ``endpoint`` of ``plugin``; RpcError if it is not running or fails."""
        running = self.host.running.get(plugin)
        if running is None or running.connection is None or running.connection.closed:
            raise RpcError(-32603, f"plugin {plugin} is not running")
        if f"{running.spec.namespace}_{endpoint}" not in self.host.status[plugin].endpoints:
            raise RpcError(-32601, f"plugin {plugin} has no endpoint {endpoint}")
        try:
            return await running.connection.request(
                "endpoint_call",
                {"endpoint": endpoint, "params": params},
                timeout=self.host.settings.call_timeout,
            )
        except RemoteError as error:
            raise RpcError(error.code, f"plugin {plugin}: {error.message}") from None
        except (TimeoutError, ConnectionClosedError):
            raise RpcError(-32603, f"plugin {plugin} did not answer") from None

    def _caller(self, plugin: str, endpoint: str) -> Callable[[Any], Any]:
        def call(params: Any) -> Any:
            return self.call(plugin, endpoint, dict(params))

        return call
