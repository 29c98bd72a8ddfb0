"""The key-value database interface shared by LevelDB and the in-memory database, and write batches.

Keys and values are bytes; keys are ordered bytewise, as LevelDB orders them. Everything a block
changes goes into one :class:`WriteBatch` and is written with one atomic :meth:`Database.write`,
so a crash leaves the database before or after the block, never between.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from types import TracebackType

from klayr_py.errors import NotFoundError


class WriteBatch:
    """Buffered writes, applied all at once by :meth:`Database.write`.

    Database-independent, so one batch can be filled by several writers (state store, chain
    storage) before the single write. A later operation on a key replaces an earlier one, which is
    what applying them in order would give.
    """

    __slots__ = ("_operations",)

    def __init__(self) -> None:
        # key -> value to store, or None to delete the key
        self._operations: dict[bytes, bytes | None] = {}

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` when the batch is written."""
        self._operations[key] = value

    def delete(self, key: bytes) -> None:
        """Delete ``key`` (if present) when the batch is written."""
        self._operations[key] = None

    def operations(self) -> Iterator[tuple[bytes, bytes | None]]:
        """The buffered ``(key, value)`` pairs; a value of None is a deletion."""
        return iter(self._operations.items())

    def clear(self) -> None:
        """Forget every buffered operation."""
        self._operations.clear()

    def __len__(self) -> int:
        return len(self._operations)

    def __repr__(self) -> str:
        return f"WriteBatch({len(self._operations)} operations)"


class Database(ABC):
    """An ordered key-value database.

    ``iterate`` takes inclusive bounds as Klayr's ``iterate({gte, lte, limit, reverse})`` does.
    """

    @abstractmethod
    def get_or_none(self, key: bytes) -> bytes | None:
        """The value stored under ``key``, or None."""

    @abstractmethod
    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` now (prefer a batch for anything that must be atomic)."""

    @abstractmethod
    def delete(self, key: bytes) -> None:
        """Delete ``key`` now; deleting a missing key is not an error."""

    @abstractmethod
    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> Iterator[tuple[bytes, bytes]]:
        """``(key, value)`` pairs with ``gte <= key <= lte`` in key order (descending if
        ``reverse``), at most ``limit`` of them, as they were when iteration began."""

    @abstractmethod
    def write(self, batch: WriteBatch, sync: bool = True) -> None:
        """Apply every operation of ``batch`` atomically; ``sync`` waits until it is on disk."""

    @abstractmethod
    def close(self) -> None:
        """Release the database; it must not be used afterwards."""

    def get(self, key: bytes) -> bytes:
        """The value stored under ``key``; :class:`NotFoundError` if there is none."""
        value = self.get_or_none(key)
        if value is None:
            raise NotFoundError(f"key {key.hex()} does not exist")
        return value

    def has(self, key: bytes) -> bool:
        """Whether a value is stored under ``key``."""
        return self.get_or_none(key) is not None

    def new_batch(self) -> WriteBatch:
        """An empty batch for :meth:`write`."""
        return WriteBatch()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def check_limit(limit: int | None) -> None:
    """Reject a negative ``limit``: None means no limit, 0 means no pairs."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or at least 0, got {limit}")
