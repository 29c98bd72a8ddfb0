"""Bounded disk: a LevelDB's size after many blocks with state pruning on and off, against the
live state's own size, and what pruning costs a commit.

Run: ``.venv/bin/python benchmarks/bench_pruning.py [--keys 100000] [--blocks 1000]
[--changes 1000] [--keep 32] [--every 100]``

Two LevelDBs in temporary directories get the same genesis of ``--keys`` keys (38-byte state
keys, 32-byte values), then the same ``--blocks`` blocks of ``--changes`` changed keys each (80%
existing keys given new values, 10% deleted, 10% new: the state keeps its size). One store prunes
(``keep_heights=--keep``, every commit final, as on a single-validator node), the other keeps
everything (``-1``: it still records stale pages and page stamps, so that pruning can be switched
on later). A third store, "legacy", commits as before pruning existed (no records, no stamps:
the bookkeeping is patched out) to show what the bookkeeping itself costs. Blocks are
interleaved (one block on each store in turn, rotating which goes first) so all see the same
machine load; per block the commit time (``prepare_commit`` + ``commit``, sync) is recorded.
Every ``--every`` blocks the size on disk of the directories is printed. At the end they are
compacted (``compact_range``) and measured again, and the live state is rewritten into a fresh
LevelDB (one commit, compacted): the reference "live size".
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from leveldb_settle import settle

import klayr_py.state.state_store as state_store_module
from klayr_py.db import LevelDB
from klayr_py.state import StateStore
from klayr_py.state._pruning import PrunePlan

NAMES = ("on", "off", "legacy")

STORE_PREFIX = b"\x01\x02\x03\x04"
SUB_STORE_PREFIX = b"\x00\x00"
KEY_LENGTH = 32
VALUE_LENGTH = 32


def disk_size(path: Path) -> int:
    """Bytes of the files in a LevelDB directory. LevelDB's background compaction deletes
    table files while we list them: a file gone before its ``stat`` counts as nothing (a run
    of 8,000 blocks at 10^6 keys died on one)."""
    total = 0
    for entry in os.scandir(path):
        try:
            if entry.is_file():
                total += entry.stat().st_size
        except FileNotFoundError:
            continue
    return total


def _mib(size: int) -> str:
    return f"{size / 2**20:8.1f}"


def block_changes(
    rng: random.Random, keys: list[bytes], changes: int
) -> tuple[dict[bytes, bytes | None], list[bytes]]:
    """One block: 80% updates, 10% deletes, 10% inserts; the live key list after it."""
    chosen = rng.sample(range(len(keys)), int(changes * 0.9))
    updates = chosen[: int(changes * 0.8)]
    deletes = set(chosen[int(changes * 0.8) :])
    block: dict[bytes, bytes | None] = {keys[i]: rng.randbytes(VALUE_LENGTH) for i in updates}
    for i in deletes:
        block[keys[i]] = None
    new = [rng.randbytes(KEY_LENGTH) for _ in range(changes - len(chosen))]
    for key in new:
        block[key] = rng.randbytes(VALUE_LENGTH)
    kept = [key for i, key in enumerate(keys) if i not in deletes]
    return block, kept + new


def _no_record(*_: object) -> None:
    return None


def _no_prune(*_: object) -> PrunePlan:
    return PrunePlan()


def commit(state: StateStore, block: dict[bytes, bytes | None], legacy: bool = False) -> float:
    """Apply and commit one block; the seconds of prepare_commit + commit."""
    if legacy:
        saved = state_store_module.record_operation, state_store_module.plan_prune
        state_store_module.record_operation = _no_record  # type: ignore[assignment]
        state_store_module.plan_prune = _no_prune  # type: ignore[assignment]
        try:
            return commit(state, block)
        finally:
            state_store_module.record_operation, state_store_module.plan_prune = saved
    store = state.get_store(STORE_PREFIX, SUB_STORE_PREFIX)
    for key, value in block.items():
        if value is None:
            store.delete(key)
        else:
            store.set(key, value)
    started = time.perf_counter()
    state.commit(state.prepare_commit(state.height + 1))
    elapsed = time.perf_counter() - started
    state.finalize(state.height)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--keep", type=int, default=32)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--page-cache-mb", type=int, default=512)
    parser.add_argument("--modes", default=",".join(NAMES), help="of on, off, legacy")
    args = parser.parse_args()
    names = tuple(name for name in NAMES if name in args.modes.split(","))
    rng = random.Random(args.keys)
    cache = args.page_cache_mb * 2**20
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / name for name in (*NAMES, "live")}
        dbs = {name: LevelDB(paths[name]) for name in names}
        stores = {
            name: StateStore(
                dbs[name], keep_heights=args.keep if name == "on" else -1, page_cache_size=cache
            )
            for name in names
        }
        keys = [rng.randbytes(KEY_LENGTH) for _ in range(args.keys)]
        genesis: dict[bytes, bytes | None] = {key: rng.randbytes(VALUE_LENGTH) for key in keys}
        for name in names:
            commit(stores[name], genesis, legacy=name == "legacy")
            dbs[name].compact()
        settle()
        print(
            f"{args.keys:,} keys, {args.blocks:,} blocks of {args.changes:,} changes, "
            f"keep {args.keep}; load {os.getloadavg()[0]:.2f}\n"
            f"{'blocks':>7} "
            + " ".join(f"{name + ' MiB':>8}" for name in names)
            + " "
            + " ".join(f"{name + ' ms':>7}" for name in names)
        )
        times: dict[str, list[float]] = {name: [] for name in names}
        window: dict[str, list[float]] = {name: [] for name in names}
        started = time.perf_counter()
        for number in range(1, args.blocks + 1):
            block, keys = block_changes(rng, keys, args.changes)
            turn = number % len(names)
            for name in names[turn:] + names[:turn]:
                elapsed = commit(stores[name], block, legacy=name == "legacy")
                times[name].append(elapsed)
                window[name].append(elapsed)
            if number % args.every == 0 or number == args.blocks:
                sizes = " ".join(_mib(disk_size(paths[name])) for name in names)
                medians = " ".join(
                    f"{statistics.median(window[name]) * 1000:7.1f}" for name in names
                )
                print(
                    f"{number:>7,} {sizes} {medians}"
                    f"  ({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
                window = {name: [] for name in names}
        before = {name: disk_size(paths[name]) for name in names}
        for name in names:
            dbs[name].compact()
        settle()
        after = {name: disk_size(paths[name]) for name in names}
        live_db = LevelDB(paths["live"])
        live_state = StateStore(live_db)
        store = live_state.get_store(STORE_PREFIX, SUB_STORE_PREFIX)
        for key, value in stores[names[0]].get_store(STORE_PREFIX, SUB_STORE_PREFIX).iterate():
            store.set(key, value)
        live_state.commit(live_state.prepare_commit(0))
        assert {store.state_root for store in stores.values()} == {live_state.state_root}
        live_db.compact()
        settle()
        live = disk_size(paths["live"])
        print(f"live state rewritten into a fresh LevelDB, compacted: {_mib(live)} MiB")
        for name in names:
            print(
                f"pruning {name:>6}: {_mib(before[name])} MiB ({before[name] / live:.2f}x live), "
                f"after compact_range {_mib(after[name])} MiB ({after[name] / live:.2f}x live)"
            )
        for name in names:
            ordered = sorted(times[name])
            print(
                f"commit ms, pruning {name:>6}: median {statistics.median(ordered) * 1000:.1f}, "
                f"p10 {ordered[len(ordered) // 10] * 1000:.1f}, "
                f"p90 {ordered[len(ordered) * 9 // 10] * 1000:.1f}"
            )
        for a, b in (("on", "off"), ("on", "legacy"), ("off", "legacy")):
            if a not in names or b not in names:
                continue
            ratios = sorted(x / y for x, y in zip(times[a], times[b], strict=True))
            print(
                f"per-block ratio {a}/{b}: median {statistics.median(ratios):.2f}, "
                f"p10 {ratios[len(ratios) // 10]:.2f}, p90 {ratios[len(ratios) * 9 // 10]:.2f}"
            )
        print(f"load {os.getloadavg()[0]:.2f}")
        for db in (*dbs.values(), live_db):
            db.close()


if __name__ == "__main__":
    main()
