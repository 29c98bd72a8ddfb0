"""Views of one module store: the key space ``store_prefix + sub_store_prefix`` of the state.

A module never sees the whole state: ``get_store(store_prefix, sub_store_prefix)`` gives it a
:class:`PrefixedSubStore` whose keys are relative to those prefixes, as Klayr's ``getStore``. Reads
and writes go to the block cache, so they see every write of the block so far.
"""

from __future__ import annotations

from klayr_py.errors import NotFoundError, StateWriteError
from klayr_py.state._block_cache import BlockCache
from klayr_py.state.keys import STORE_PREFIX_LENGTH, SUB_STORE_PREFIX_LENGTH


def check_prefixes(store_prefix: bytes, sub_store_prefix: bytes) -> None:
    """Reject prefixes of the wrong length: the state tree needs exactly 4 + 2 prefix bytes."""
    if len(store_prefix) != STORE_PREFIX_LENGTH:
        raise ValueError(
            f"store_prefix must be {STORE_PREFIX_LENGTH} bytes, got {store_prefix.hex()!r}"
        )
    if len(sub_store_prefix) != SUB_STORE_PREFIX_LENGTH:
        raise ValueError(
            f"sub_store_prefix must be {SUB_STORE_PREFIX_LENGTH} bytes, "
            f"got {sub_store_prefix.hex()!r}"
        )


class PrefixedSubStore:
    """Read-write access to one module store within the block being executed."""

    __slots__ = ("_cache", "_prefix", "store_prefix", "sub_store_prefix")

    def __init__(self, cache: BlockCache, store_prefix: bytes, sub_store_prefix: bytes) -> None:
        check_prefixes(store_prefix, sub_store_prefix)
        self._cache = cache
        self.store_prefix = bytes(store_prefix)
        self.sub_store_prefix = bytes(sub_store_prefix)
        self._prefix = self.store_prefix + self.sub_store_prefix

    def get(self, key: bytes) -> bytes:
        """The value under ``key``; :class:`NotFoundError` naming the key if there is none."""
        value = self._cache.get(self._prefix + key)
        if value is None:
            raise NotFoundError(f"key {key.hex()} does not exist in store {self._name()}")
        return value

    def has(self, key: bytes) -> bool:
        """Whether a value is stored under ``key``."""
        return self._cache.get(self._prefix + key) is not None

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` (in the block cache until the block is committed)."""
        if type(value) is not bytes:
            value = bytes(value)
        self._cache.write(self._prefix + key, value)

    def delete(self, key: bytes) -> None:
        """Delete ``key``; deleting a missing key does nothing (Klayr's ``del``)."""
        self._cache.write(self._prefix + key, None)

    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[tuple[bytes, bytes]]:
        """``(key, value)`` pairs with ``gte <= key <= lte`` (both inclusive; a missing bound is
        open), in key order or reversed, at most ``limit`` of them (None: all)."""
        return self._cache.iterate(self._prefix, gte, lte, limit, reverse)

    def _name(self) -> str:
        return f"{self.store_prefix.hex()}:{self.sub_store_prefix.hex()}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name()})"


class ReadOnlySubStore(PrefixedSubStore):
    """A :class:`PrefixedSubStore` that refuses writes: what verify hooks and endpoints get."""

    __slots__ = ()

    def set(self, key: bytes, value: bytes) -> None:
        """Refused: raises :class:`StateWriteError`."""
        raise StateWriteError(
            f"read-only state: cannot set key {key.hex()} in store {self._name()}"
        )

    def delete(self, key: bytes) -> None:
        """Refused: raises :class:`StateWriteError`."""
        raise StateWriteError(
            f"read-only state: cannot delete key {key.hex()} in store {self._name()}"
        )


class ReadOnlyStateStore:
    """A read-only view of a state store: the same data (including the block's writes so far),
    with sub-stores that raise :class:`StateWriteError` on any write."""

    __slots__ = ("_cache", "_views")

    def __init__(self, cache: BlockCache) -> None:
        self._cache = cache
        self._views: dict[tuple[bytes, bytes], ReadOnlySubStore] = {}

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> ReadOnlySubStore:
        """The read-only view of one module store."""
        if type(store_prefix) is not bytes or type(sub_store_prefix) is not bytes:
            return ReadOnlySubStore(self._cache, store_prefix, sub_store_prefix)
        view = self._views.get((store_prefix, sub_store_prefix))
        if view is None:
            view = ReadOnlySubStore(self._cache, store_prefix, sub_store_prefix)
            if len(self._views) >= 4096:
                self._views.clear()
            self._views[(view.store_prefix, view.sub_store_prefix)] = view
        return view

    def read_only(self) -> ReadOnlyStateStore:
        """This view itself (it is already read-only)."""
        return self
