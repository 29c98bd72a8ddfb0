"""The node-kept plugin storage: one prefix per plugin, and a byte quota that counts keys,
values and what the plugin's data directory holds."""

from __future__ import annotations

import pytest

from klayr_py.db import InMemoryDatabase
from klayr_py.node.plugin_host._storage import STORAGE_QUOTA_EXCEEDED, PluginStorageArea
from klayr_py.node.rpc import RpcError


def _area(quota: int, elsewhere: int = 0) -> tuple[PluginStorageArea, InMemoryDatabase]:
    database = InMemoryDatabase()
    return PluginStorageArea(database, lambda _name: quota, lambda _name: elsewhere), database


def test_usage_counts_keys_and_values_and_follows_overwrites_and_deletes() -> None:
    area, _ = _area(quota=100)
    area.handle("p", "storage_set", {"key": "ab", "value": "12345"})
    assert area.used("p") == 7
    area.handle("p", "storage_set", {"key": "ab", "value": "1"})
    assert area.used("p") == 3
    area.handle("p", "storage_delete", {"key": "ab"})
    area.handle("p", "storage_delete", {"key": "never there"})
    assert area.used("p") == 0
    assert area.handle("p", "storage_get", {"key": "ab"}) is None


def test_a_growing_write_past_the_quota_is_refused_naming_it() -> None:
    area, _ = _area(quota=10)
    area.handle("p", "storage_set", {"key": "k", "value": "x" * 9})  # 10 bytes: exactly the quota
    with pytest.raises(RpcError) as refused:
        area.handle("p", "storage_set", {"key": "k2", "value": "x"})
    assert refused.value.code == STORAGE_QUOTA_EXCEEDED
    assert refused.value.message == (
        "storage quota of plugin p exceeded: this value would bring it to 13 bytes of its 10 "
        "(plugins.storageQuotaMb); delete data first"
    )
    area.handle("p", "storage_set", {"key": "k", "value": "y" * 9})  # same size: allowed
    area.handle("p", "storage_set", {"key": "k", "value": "y"})  # shrinking: allowed
    assert area.used("p") == 2


def test_the_data_directory_counts_against_the_same_quota() -> None:
    area, _ = _area(quota=10, elsewhere=8)
    with pytest.raises(RpcError, match="would bring it to 11 bytes of its 10"):
        area.handle("p", "storage_set", {"key": "k", "value": "xx"})


def test_plugins_are_apart_and_usage_is_counted_again_from_the_database() -> None:
    area, database = _area(quota=100)
    area.handle("a", "storage_set", {"key": "k", "value": "from a"})
    area.handle("ab", "storage_set", {"key": "k", "value": "from ab"})
    assert area.handle("a", "storage_get", {"key": "k"}) == "from a"
    assert area.handle("a", "storage_list", {"prefix": ""}) == [["k", "from a"]]
    reopened = PluginStorageArea(database, lambda _name: 100, lambda _name: 0)
    assert (reopened.used("a"), reopened.used("ab"), reopened.used("b")) == (7, 8, 0)
