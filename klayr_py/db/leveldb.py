"""LevelDB through plyvel: the database a node keeps on disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice, takewhile

import plyvel

from klayr_py.db.database import Database, WriteBatch, check_limit

DEFAULT_LRU_CACHE_SIZE = 64 * 1024 * 1024
"""LevelDB's block cache (plyvel's default is 8 MiB): state-tree pages are read at random, and a
larger cache keeps more of them in memory."""

DEFAULT_WRITE_BUFFER_SIZE = 16 * 1024 * 1024
"""LevelDB's memtable size (default 4 MiB): fewer, larger level-0 files when blocks are big."""


class LevelDB(Database):
    """A LevelDB database in directory ``path``, created if missing.

    A bloom filter (10 bits per key) spares a disk read for most missing keys, which the state
    store asks for whenever a block creates a key. Blocks are stored uncompressed by default
    (``compression=None``; plyvel's default is ``"snappy"``): a node's data is mostly hashes,
    signatures and state-tree pages, which do not compress, and snappy's attempts cost LevelDB's
    background compaction about 3x the CPU (docs/performance.md). Either setting reads
    databases written with the other.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lru_cache_size: int = DEFAULT_LRU_CACHE_SIZE,
        write_buffer_size: int = DEFAULT_WRITE_BUFFER_SIZE,
        bloom_filter_bits: int = 10,
        compression: str | None = None,
        create_if_missing: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        self._db = plyvel.DB(
            self.path,
            create_if_missing=create_if_missing,
            lru_cache_size=lru_cache_size,
            write_buffer_size=write_buffer_size,
            bloom_filter_bits=bloom_filter_bits,
            compression=compression,
        )

    def get_or_none(self, key: bytes) -> bytes | None:
        """The value stored under ``key``, or None."""
        value: bytes | None = self._db.get(key)
        return value

    def set(self, key: bytes, value: bytes) -> None:
        """Store ``value`` under ``key`` now."""
        self._db.put(key, value)

    def delete(self, key: bytes) -> None:
        """Delete ``key`` now."""
        self._db.delete(key)

    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> Iterator[tuple[bytes, bytes]]:
        """Pairs with ``gte <= key <= lte`` in key order, from a LevelDB snapshot."""
        check_limit(limit)
        if gte is not None and lte is not None and gte > lte:
            return iter(())
        if reverse:
            # plyvel 1.5 drops a reverse range whose first pair is the start key (e.g. the only
            # key in range equals ``gte``), so the lower bound is checked here instead.
            pairs: Iterator[tuple[bytes, bytes]] = self._db.iterator(
                stop=lte, include_stop=True, reverse=True
            )
            if gte is not None:
                pairs = takewhile(lambda pair: pair[0] >= gte, pairs)
        else:
            pairs = self._db.iterator(start=gte, stop=lte, include_start=True, include_stop=True)
        return pairs if limit is None else islice(pairs, limit)

    def write(self, batch: WriteBatch, sync: bool = True) -> None:
        """Apply ``batch`` as one LevelDB write batch (atomic; fsync'd when ``sync``)."""
        leveldb_batch = self._db.write_batch(sync=sync)
        put = leveldb_batch.put
        delete = leveldb_batch.delete
        for key, value in batch.operations():
            if value is None:
                delete(key)
            else:
                put(key, value)
        leveldb_batch.write()

    def compact(self) -> None:
        """Ask LevelDB to compact the whole key range now (after a bulk load, so that later
        reads touch fewer files). LevelDB (1.22, through plyvel) may leave a few level-0 files
        and go on compacting in its background thread afterwards."""
        self._db.compact_range()

    def close(self) -> None:
        """Close the database (idempotent)."""
        self._db.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        closed: bool = self._db.closed
        return closed

    def __repr__(self) -> str:
        return f"LevelDB({self.path!r})"
