"""Sparse Merkle tree update cost: 1000 changed keys over trees of 10^3 .. 10^6 keys.

Run: ``.venv/bin/python benchmarks/bench_smt.py [--sizes 1000,10000,100000,1000000] [--leveldb]``

Keys are 38 bytes and values 32 bytes, as in Klayr's state tree (which stores sha256 of values).
Each block changes 1000 keys: 700 existing keys get new values, 300 new keys are inserted. Every
block is applied to the same base root (nodes are immutable, so blocks do not disturb each other);
the median of the runs is printed with the page reads and writes per block. ``--leveldb`` also
measures a LevelDB-backed store (plyvel) that reads through the database and collects the writes
of each update in one write batch, as the state store will.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from klayr_py.tree import EMPTY_HASH, InMemoryNodeStore, SparseMerkleTree

KEY_LENGTH = 38
CHANGED = 1000
UPDATED_SHARE = 0.7


class CountingStore(InMemoryNodeStore):
    """The in-memory store, counting reads and writes."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.writes = 0

    def get(self, key: bytes) -> bytes | None:
        self.reads += 1
        return super().get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes += 1
        super().set(key, value)


class LevelDBStore:
    """Reads through LevelDB; writes go to a batch until ``flush``."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self._pending: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        value = self._pending.get(key)
        return value if value is not None else self._db.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self._pending[key] = value

    def flush(self) -> None:
        with self._db.write_batch() as batch:
            for key, value in self._pending.items():
                batch.put(key, value)
        self._pending.clear()


def block(rng: random.Random, keys: list[bytes]) -> dict[bytes, bytes]:
    """One block's changes: updates of existing keys and inserts of new ones."""
    updated = rng.sample(keys, int(CHANGED * UPDATED_SHARE))
    changes = {key: rng.randbytes(32) for key in updated}
    while len(changes) < CHANGED:
        changes[rng.randbytes(KEY_LENGTH)] = rng.randbytes(32)
    return changes


def bench_memory(size: int, runs: int, page_height: int) -> None:
    rng = random.Random(size)
    keys = [rng.randbytes(KEY_LENGTH) for _ in range(size)]
    store = CountingStore()
    tree = SparseMerkleTree(store, KEY_LENGTH, page_height=page_height)
    started = time.perf_counter()
    root = tree.update(EMPTY_HASH, {key: rng.randbytes(32) for key in keys})
    build = time.perf_counter() - started
    pages = len(store)
    times, reads, writes = [], [], []
    for _ in range(runs):
        changes = block(rng, keys)
        store.reads = store.writes = 0
        started = time.perf_counter()
        tree.update(root, changes)
        times.append(time.perf_counter() - started)
        reads.append(store.reads)
        writes.append(store.writes)
    print(
        f"memory  h={page_height} n={size:>9,}  build {build:6.2f} s ({pages:,} pages)  "
        f"update {CHANGED} keys: {statistics.median(times) * 1000:7.1f} ms  "
        f"reads {int(statistics.median(reads)):,}  writes {int(statistics.median(writes)):,}"
    )


@contextmanager
def leveldb() -> Iterator[Any]:
    import plyvel

    with tempfile.TemporaryDirectory() as path:
        db = plyvel.DB(path, create_if_missing=True)
        try:
            yield db
        finally:
            db.close()


def bench_leveldb(size: int, runs: int, page_height: int) -> None:
    rng = random.Random(size)
    keys = [rng.randbytes(KEY_LENGTH) for _ in range(size)]
    with leveldb() as db:
        store = LevelDBStore(db)
        tree = SparseMerkleTree(store, KEY_LENGTH, page_height=page_height)
        started = time.perf_counter()
        root = tree.update(EMPTY_HASH, {key: rng.randbytes(32) for key in keys})
        store.flush()
        build = time.perf_counter() - started
        times = []
        for _ in range(runs):
            changes = block(rng, keys)
            started = time.perf_counter()
            tree.update(root, changes)
            store.flush()
            times.append(time.perf_counter() - started)
        print(
            f"leveldb h={page_height} n={size:>9,}  build {build:6.2f} s  "
            f"update {CHANGED} keys + batch write: {statistics.median(times) * 1000:7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--page-heights", default="4", help="comma-separated page heights")
    parser.add_argument("--leveldb", action="store_true", help="also measure a LevelDB store")
    args = parser.parse_args()
    heights = [int(h) for h in args.page_heights.split(",")]
    for size in (int(s) for s in args.sizes.split(",")):
        for height in heights:
            bench_memory(size, args.runs, height)
            if args.leveldb:
                bench_leveldb(size, args.runs, height)


if __name__ == "__main__":
    main()
