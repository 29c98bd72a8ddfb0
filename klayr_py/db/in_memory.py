"""An in-memory database with LevelDB's semantics: for tests and throw-away state."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from klayr_py.db.database import Database, WriteBatch, check_limit


class InMemoryDatabase(Database):
    """A dict plus a sorted key list that is rebuilt lazily, on the first iteration after a key was
    added or removed (writes stay O(1); iteration pays for sorting once)."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] = []
        self._sorted_valid = True
        self._closed = False

    def get_or_none(self, key: bytes) -> bytes | None:
        """The value stored under ``key``, or None."""
        self._check_open()
        return self._data.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key``."""
        self._check_open()
        if key not in self._data:
            self._sorted_valid = False
        self._data[key] = bytes(value)

    def delete(self, key: bytes) -> None:
        """Delete ``key`` if present."""
        self._check_open()
        if self._data.pop(key, None) is not None:
            self._sorted_valid = False

    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> Iterator[tuple[bytes, bytes]]:
        """Pairs with ``gte <= key <= lte`` in key order, copied when the call is made (as a
        LevelDB iterator reads a snapshot)."""
        self._check_open()
        check_limit(limit)
        if not self._sorted_valid:
            self._sorted = sorted(self._data)
            self._sorted_valid = True
        keys = self._sorted
        start = 0 if gte is None else bisect_left(keys, gte)
        stop = len(keys) if lte is None else bisect_right(keys, lte)
        if stop <= start:
            return iter(())
        if reverse:
            first = start if limit is None else max(start, stop - limit)
            selected = keys[first:stop][::-1]
        else:
            selected = keys[start:stop] if limit is None else keys[start : min(stop, start + limit)]
        data = self._data
        return iter([(key, data[key]) for key in selected])

    def write(self, batch: WriteBatch, sync: bool = True) -> None:
        """Apply ``batch`` (there is no disk, so ``sync`` changes nothing)."""
        self._check_open()
        data = self._data
        for key, value in batch.operations():
            if value is None:
                if data.pop(key, None) is not None:
                    self._sorted_valid = False
            else:
                if key not in data:
                    self._sorted_valid = False
                data[key] = value

    def close(self) -> None:
        """Mark the database closed; later use raises, as with LevelDB."""
        self._closed = True

    def __len__(self) -> int:
        return len(self._data)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("database is closed")
