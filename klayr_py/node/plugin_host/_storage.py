"""The node-kept storage of plugins (``storage_*`` requests): one key prefix per plugin in
``<dataPath>/plugins.db``, each bounded by a byte quota.

Without a quota a plugin filled the node's disk at 160 MiB/s. The quota counts the bytes of the
plugin's keys and values here plus what its data directory holds (measured by the host), so one
number bounds everything a plugin keeps on the node's disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py.db import Database
from klayr_py.node.rpc import RpcError

__all__ = ["STORAGE_QUOTA_EXCEEDED", "PluginStorageArea"]

STORAGE_QUOTA_EXCEEDED = -32002
_MAX_VALUE_BYTES = 1 << 20
_MAX_LIST_ITEMS = 1000
_MAX_LIST_BYTES = 1 << 20


class PluginStorageArea:
    """Every plugin's key-value storage in ``database``; ``quota_of(name)`` is its byte quota
    and ``elsewhere(name)`` the bytes it already keeps elsewhere (its data directory)."""

    def __init__(
        self,
        database: Database,
        quota_of: Callable[[str], int],
        elsewhere: Callable[[str], int],
    ) -> None:
        self.database = database
        self._quota_of = quota_of
        self._elsewhere = elsewhere
        self._used: dict[str, int] = {}

    def used(self, plugin: str) -> int:
        """Bytes of ``plugin``'s keys and values (counted once, then kept up to date)."""
        if plugin not in self._used:
            prefix = _prefix(plugin)
            total = 0
            for key, value in self.database.iterate(gte=prefix):
                if not key.startswith(prefix):
                    break
                total += len(key) - len(prefix) + len(value)
            self._used[plugin] = total
        return self._used[plugin]

    def handle(self, plugin: str, method: str, params: dict[str, Any]) -> Any:
        """Serve one ``storage_*`` request of ``plugin``."""
        prefix = _prefix(plugin)
        key = params.get("key", params.get("prefix", ""))
        if not isinstance(key, str):
            raise RpcError(-32602, "storage keys are strings")
        stored_key = prefix + key.encode()
        if method == "storage_get":
            value = self.database.get_or_none(stored_key)
            return None if value is None else value.decode()
        if method == "storage_set":
            return self._set(plugin, key, stored_key, params.get("value"))
        if method == "storage_delete":
            old = self.database.get_or_none(stored_key)
            if old is not None:
                self.database.delete(stored_key)
                self._used[plugin] = self.used(plugin) - len(key.encode()) - len(old)
            return None
        if method == "storage_list":
            return self._list(prefix, stored_key, params.get("after"))
        raise RpcError(-32601, f"unknown storage method {method}")

    def _set(self, plugin: str, key: str, stored_key: bytes, value: Any) -> None:
        if not isinstance(value, str):
            raise RpcError(-32602, "storage values are strings")
        encoded = value.encode()
        if len(encoded) > _MAX_VALUE_BYTES:
            raise RpcError(-32602, "storage values are limited to 1 MiB")
        old = self.database.get_or_none(stored_key)
        key_bytes = len(key.encode())
        before = self.used(plugin)
        after = before - (0 if old is None else key_bytes + len(old)) + key_bytes + len(encoded)
        quota = self._quota_of(plugin)
        total = after + self._elsewhere(plugin)
        if after > before and total > quota:
            raise RpcError(
                STORAGE_QUOTA_EXCEEDED,
                f"storage quota of plugin {plugin} exceeded: this value would bring it to "
                f"{total} bytes of its {quota} (plugins.storageQuotaMb); delete data first",
            )
        self.database.set(stored_key, encoded)
        self._used[plugin] = after

    def _list(self, prefix: bytes, start: bytes, after: Any) -> list[list[str]]:
        low = prefix + after.encode() + b"\x00" if isinstance(after, str) else start
        items: list[list[str]] = []
        size = 0
        for found, value in self.database.iterate(
            gte=low, lte=start + b"\xff" * 8, limit=_MAX_LIST_ITEMS
        ):
            size += len(found) + len(value)
            if items and size > _MAX_LIST_BYTES:
                break  # the caller asks again with "after" the last key it got
            items.append([found[len(prefix) :].decode(), value.decode()])
        return items


def _prefix(plugin: str) -> bytes:
    return plugin.encode() + b"\x00"
