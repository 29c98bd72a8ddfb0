"""Where a sparse Merkle tree keeps its nodes: a two-method key-value protocol and a dict store.

Nodes are content-addressed (the key is the node's hash) and never change once written, so a store
only ever needs ``get`` and ``set``: an update writes new nodes beside the old ones and every
earlier root stays readable. A LevelDB-backed store can implement the same protocol by reading
through its database and collecting ``set`` calls into one atomic write batch.
"""

from __future__ import annotations

from typing import Protocol


class NodeStore(Protocol):
    """A key-value store of tree nodes, keyed by node hash."""

    def get(self, key: bytes) -> bytes | None:
        """The node stored under ``key``, or None."""
        ...

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` (overwriting an equal value is harmless)."""
        ...


class InMemoryNodeStore:
    """A :class:`NodeStore` kept in a dict: for tests, in-memory trees and one-off roots."""

    def __init__(self) -> None:
        self._nodes: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """The node stored under ``key``, or None."""
        return self._nodes.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key``."""
        self._nodes[key] = value

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        return key in self._nodes
