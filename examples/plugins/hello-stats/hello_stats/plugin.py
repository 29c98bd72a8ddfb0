"""hello-stats: a plugin that counts hellos per sender and serves the top ones.

It subscribes to the hello module's ``newHello`` event, keeps one counter per sender address in
its plugin storage (``count:<address>``) and the number of blocks it has seen, and serves
``helloStats_getTop`` ``{limit?}`` -> ``[{address, hellos}]`` (most hellos first).
"""

from __future__ import annotations

from typing import Any

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.plugins import BasePlugin, endpoint


class HelloStatsPlugin(BasePlugin):
    """Counts hellos; survives restarts because the counts live in the node-kept storage."""

    async def load(self) -> None:
        await self.subscribe("hello_newHello", self.on_hello)
        await self.subscribe("chain_newBlock", self.on_block)
        self.logger.info("hello-stats loaded (top limit %s)", self.config.get("topLimit", 10))

    async def on_hello(self, event: dict[str, Any]) -> None:
        sender = get_klayr32_address_from_address(bytes.fromhex(event["data"]["senderAddress"]))
        key = f"count:{sender}"
        count = int(await self.node.storage.get(key) or "0") + 1
        await self.node.storage.set(key, str(count))
        self.metrics.increment("hellos")

    async def on_block(self, payload: dict[str, Any]) -> None:
        await self.node.storage.set("lastHeight", str(payload["blockHeader"]["height"]))

    @endpoint
    async def get_top(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The senders with the most hellos, most first (ties by address)."""
        limit = int(params.get("limit", self.config.get("topLimit", 10)))
        counts = [
            (int(value), key.removeprefix("count:"))
            for key, value in await self.node.storage.items("count:")
        ]
        counts.sort(key=lambda item: (-item[0], item[1]))
        return [{"address": address, "hellos": hellos} for hellos, address in counts[:limit]]
