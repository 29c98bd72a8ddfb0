"""The plugin SDK: what a plugin author subclasses and calls, inside the plugin's own process.

.. code-block:: python

    class HelloStatsPlugin(BasePlugin):
        async def load(self) -> None:
            await self.subscribe("hello_newHello", self.on_hello)

        async def on_hello(self, event: dict) -> None:
            sender = event["data"]["senderAddress"]
            count = int(await self.node.storage.get(sender) or "0") + 1
            await self.node.storage.set(sender, str(count))

        @endpoint
        async def get_top(self, params: dict) -> list:     # served as helloStats_getTop
            ...

Everything a plugin asks of the node goes through :attr:`BasePlugin.node` over the IPC socket,
and the node checks the plugin's capabilities on every request: a plugin can read the chain,
post transactions through the pool like any client, and keep its own storage — it can never
write consensus state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from klayr_py.plugins.connection import Connection

__all__ = ["BasePlugin", "Metrics", "NodeAPI", "PluginStorage", "endpoint"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
EventHandler = Callable[[Any], Awaitable[None]]


def endpoint(method: F) -> F:
    """Mark an async method ``(self, params) -> result`` as an RPC endpoint of the plugin,
    served by the node as ``<pluginNamespace>_<methodNameInCamelCase>``."""
    method.__klayr_endpoint__ = True  # type: ignore[attr-defined]
    return method


class PluginStorage:
    """The plugin's own key-value storage, kept by the node (capability ``plugin_storage``)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def get(self, key: str) -> str | None:
        """The value of ``key``, or None."""
        value: str | None = await self._connection.request("storage_get", {"key": key})
        return value

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        await self._connection.request("storage_set", {"key": key, "value": value})

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        await self._connection.request("storage_delete", {"key": key})

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        """Every ``(key, value)`` whose key starts with ``prefix``, in key order (fetched in
        pages of at most 1,000 entries or 1 MiB)."""
        found: list[tuple[str, str]] = []
        params: dict[str, Any] = {"prefix": prefix}
        while True:
            page = await self._connection.request("storage_list", params)
            found.extend((key, value) for key, value in page)
            if not page or len(page) < 2:
                return found
            params = {"prefix": prefix, "after": page[-1][0]}


class NodeAPI:
    """The node, seen from a plugin: RPC methods, transactions, storage, other plugins."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.storage = PluginStorage(connection)

    async def invoke(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call a node RPC method (``chain_getLastBlock``, ``hello_getHello``...)."""
        return await self._connection.request(method, params or {})

    async def get_last_block(self) -> Any:
        """``chain_getLastBlock`` (capability ``read_chain``)."""
        return await self.invoke("chain_getLastBlock")

    async def post_transaction(self, transaction_hex: str) -> str:
        """Submit a signed transaction through the pool (capability ``send_transactions``)."""
        result = await self.invoke("txpool_postTransaction", {"transaction": transaction_hex})
        transaction_id: str = result["transactionId"]
        return transaction_id

    async def call_plugin(
        self, plugin: str, endpoint_name: str, params: dict[str, Any] | None = None
    ) -> Any:
        """Call another plugin's endpoint (capability ``call_plugin``)."""
        return await self._connection.request(
            "plugin_call", {"plugin": plugin, "endpoint": endpoint_name, "params": params or {}}
        )


class Metrics:
    """Counters and gauges the node collects from the plugin (reported every few seconds)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def increment(self, name: str, by: float = 1) -> None:
        """Add ``by`` to counter ``name``."""
        self.values[name] = self.values.get(name, 0) + by

    def set(self, name: str, value: float) -> None:
        """Set gauge ``name``."""
        self.values[name] = value


class BasePlugin:
    """Subclass to write a plugin; the runner makes one instance per process.

    Available once loaded: ``config`` (validated against the manifest's schema), ``data_dir``
    (the process's working directory, confined to it), ``node`` (:class:`NodeAPI`), ``logger``,
    ``metrics``. Override :meth:`load` and :meth:`unload`; subscribe to events with
    :meth:`subscribe`; mark endpoints with :func:`endpoint`; run periodic work with :meth:`every`.
    """

    name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.data_dir = Path(".")
        self.logger = logging.getLogger("klayr_py.plugin")
        self.metrics = Metrics()
        self.capabilities: frozenset[str] = frozenset()
        self._node: NodeAPI | None = None
        self._handlers: dict[str, list[EventHandler]] = {}
        self._timers: list[asyncio.Task[None]] = []

    @property
    def node(self) -> NodeAPI:
        """The node API (after the handshake)."""
        if self._node is None:
            raise RuntimeError("the plugin is not connected to the node yet")
        return self._node

    async def load(self) -> None:
        """Called once connected: subscribe, register, start timers."""

    async def unload(self) -> None:
        """Called before the process exits (the node asked it to stop)."""

    async def subscribe(self, topic: str, handler: EventHandler) -> None:
        """Call ``handler(payload)`` for each ``topic`` event (capability ``subscribe_events``).

        Topics are the RPC's: ``chain_newBlock``, ``chain_deleteBlock``,
        ``txpool_newTransaction``, module events such as ``hello_newHello``, and
        ``pluginCrashed``.
        """
        first = topic not in self._handlers
        self._handlers.setdefault(topic, []).append(handler)
        if first:
            await self.node.invoke("subscribe", {"topics": [topic]})

    def every(self, seconds: float, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` every ``seconds`` until the plugin unloads (errors are logged)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await callback()
                except Exception:
                    self.logger.exception("timer callback failed")

        self._timers.append(asyncio.create_task(loop()))

    def on_lagged(self, dropped: int) -> None:
        """The node dropped ``dropped`` events because this plugin was too slow to take them."""
        self.logger.warning("the node dropped %d events: this plugin lagged", dropped)

    # -- used by the runner -------------------------------------------------------------------

    def endpoint_names(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[Any]]]:
        """Endpoints by camelCase name."""
        found: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {}
        for attribute in dir(type(self)):
            method = getattr(type(self), attribute, None)
            if callable(method) and getattr(method, "__klayr_endpoint__", False):
                found[_camel(attribute)] = getattr(self, attribute)
        return found

    async def _dispatch_event(self, topic: str, payload: Any) -> None:
        # A snapshot: a handler may run while load() still subscribes (replayed events arrive
        # as soon as their topic is subscribed), which changes the handlers.
        for subscribed, handlers in list(self._handlers.items()):
            if subscribed == topic or subscribed in topic:
                for handler in list(handlers):
                    try:
                        await handler(payload)
                    except Exception:
                        self.logger.exception("handler of %s failed", topic)

    def _stop_timers(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
