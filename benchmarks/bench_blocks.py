"""Blocks of hello:createHello through the state machine over LevelDB: tx/s and commit time.

Run by hand (not in CI):
    python benchmarks/bench_blocks.py [--block-size 1000] [--blocks 5] [--state-sizes 1000,1000000]
        [--parallel-roots] [--fill-cache DIR] [--page-cache-mb 512] [--profile FILE]

For each state size, a LevelDB in a temp dir is filled with that many message-store entries
(committed in large batches, then compacted; ``--fill-cache`` keeps a copy to reuse), its tree
pages are read into the page cache (as a node that has been running has them), two untimed
blocks run, then blocks of ``--block-size`` createHello transactions from distinct senders are
executed and committed. Transactions are signed beforehand and decoded from bytes, as a pool
holds them; no module verifies signatures, so the figures are execution + commit. Prints
transactions/s and the median time per block to execute the hooks, to compute the roots (state
root = sparse Merkle tree update, shown alone in brackets; event root; with ``--parallel-roots``
the event root is built in a worker fed during execution), and to write the block's batch; then
the ratios of commit time at the largest state to the smallest: roots + write, and state root +
write.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "examples" / "hello_module")]

from hello import HelloModule  # noqa: E402
from hello.schemas import MessageData  # noqa: E402
from hello.stores.message import MessageStore  # noqa: E402

from klayr_py import codec  # noqa: E402
from klayr_py.chain import (  # noqa: E402
    AggregateCommit,
    BlockAssets,
    BlockHeader,
    Transaction,
)
from klayr_py.db import LevelDB  # noqa: E402
from klayr_py.state import StateStore  # noqa: E402
from klayr_py.state_machine import StateMachine  # noqa: E402
from klayr_py.state_machine.block_executor import BlockExecutor  # noqa: E402
from klayr_py.state_machine.parallel_roots import EventRootWorker  # noqa: E402

CHAIN_ID = bytes.fromhex("04000001")
EMPTY = bytes(32)
FILL_BATCH = 50_000
WARM_UP_BLOCKS = 2


def _header(height: int) -> BlockHeader:
    return BlockHeader(
        version=2,
        timestamp=1_700_000_000 + 10 * height,
        height=height,
        previous_block_id=EMPTY,
        generator_address=bytes(20),
        transaction_root=EMPTY,
        asset_root=EMPTY,
        event_root=EMPTY,
        state_root=EMPTY,
        max_height_prevoted=0,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=EMPTY,
        aggregate_commit=AggregateCommit(),
    )


def _transactions(count: int, salt: int, schema: dict[str, object]) -> list[Transaction]:
    """``count`` createHello transactions from distinct (fake) senders, unsigned.

    Signatures are not checked here, so a 64-byte placeholder keeps the bytes realistic.
    """
    params = codec.encode(schema, {"message": "hello from the benchmark"})
    built = [
        Transaction(
            module="hello",
            command="createHello",
            nonce=salt,
            fee=1_000_000,
            sender_public_key=(salt * 1_000_003 + i).to_bytes(32, "big"),
            params=params,
            signatures=[bytes(64)],
        )
        for i in range(count)
    ]
    # Decoded from bytes, as a node's pool receives them (which keeps their encoding).
    return [Transaction.from_bytes(transaction.get_bytes()) for transaction in built]


def _fill(state: StateStore, module: HelloModule, keys: int) -> int:
    """Write ``keys`` message entries, committing every FILL_BATCH; returns the next height."""
    store = module.stores.get(MessageStore)
    height = 0
    for start in range(0, keys, FILL_BATCH):
        for i in range(start, min(keys, start + FILL_BATCH)):
            store.set(state, i.to_bytes(20, "big"), MessageData(message="prefilled"))
        state.commit(state.prepare_commit(height))
        height += 1
    return height


def run(state_size: int, args: argparse.Namespace) -> dict[str, float]:
    """Fill a state of ``state_size`` keys (or copy it from ``args.fill_cache``), then time
    ``args.blocks`` blocks."""
    fill_cache = args.fill_cache
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "state")
        cached = os.path.join(fill_cache, f"state-{state_size}") if fill_cache else None
        started = time.perf_counter()
        if cached and os.path.isdir(cached):
            shutil.copytree(cached, path)
        with LevelDB(path) as db:
            module = HelloModule()
            machine = StateMachine()
            machine.register_module(module)
            machine.init({}, {})
            state = StateStore(db)
            height = state.height + 1
            if height == 0:
                height = _fill(state, module, state_size)
                db.compact()  # steady state: no background compaction during the timed blocks
        if cached and not os.path.isdir(cached):
            shutil.copytree(path, cached)
        fill_seconds = time.perf_counter() - started
        return _time_blocks(path, height, fill_seconds, args)


def _time_blocks(
    path: str, height: int, fill_seconds: float, args: argparse.Namespace
) -> dict[str, float]:
    block_size, blocks, profile = args.block_size, args.blocks, args.profile
    with LevelDB(path) as db:
        module = HelloModule()
        machine = StateMachine()
        machine.register_module(module)
        machine.init({}, {})
        state = StateStore(db, page_cache_size=args.page_cache_mb * 1024 * 1024)
        state.warm_page_cache()  # as a node that has been running has them
        worker = EventRootWorker() if args.parallel_roots else None
        executor = BlockExecutor(machine, state, CHAIN_ID, event_root_worker=worker)
        schema = module.commands[0].schema
        roots_seconds: list[float] = []
        _time_calls(executor, "_finish", roots_seconds)  # every root of the block
        state_root_seconds: list[float] = []
        _time_calls(state, "prepare_commit", state_root_seconds)  # the state root alone
        if worker is not None:
            worker.start()  # spawned outside the timing
        for w in range(WARM_UP_BLOCKS):  # fills the page cache, as in a node that has been running
            transactions = _transactions(block_size, 1_000_000 + w, schema)
            executor.commit(executor.execute(_header(height), BlockAssets(), transactions))
            height += 1
        roots_seconds.clear()
        state_root_seconds.clear()
        executes, commits, roots, state_roots = [], [], [], []
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        for b in range(blocks):
            transactions = _transactions(block_size, b + 1, schema)
            t0 = time.perf_counter()
            result = executor.execute(_header(height), BlockAssets(), transactions)
            t1 = time.perf_counter()
            executor.commit(result)
            t2 = time.perf_counter()
            block_roots = sum(roots_seconds)
            roots_seconds.clear()
            state_roots.append(sum(state_root_seconds))
            state_root_seconds.clear()
            roots.append(block_roots)
            executes.append(t1 - t0 - block_roots)
            commits.append(t2 - t1)
            height += 1
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        if worker is not None:
            worker.close()
        execute, root, commit = map(statistics.median, (executes, roots, commits))
        return {
            "fill_s": fill_seconds,
            "execute_ms": execute * 1000,
            "roots_ms": root * 1000,
            "state_root_ms": statistics.median(state_roots) * 1000,
            "commit_ms": commit * 1000,
            "tx_per_s": block_size / (execute + root + commit),
        }


def _time_calls(owner: object, name: str, sink: list[float]) -> None:
    """Wrap ``owner.name`` so each call's duration is appended to ``sink``."""
    original = getattr(owner, name)

    def timed(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - started)

    setattr(owner, name, timed)


def main() -> None:
    """Parse arguments, run every state size, print the table and the commit-time ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--state-sizes", default="1000,100000,1000000")
    parser.add_argument(
        "--parallel-roots",
        action="store_true",
        help="build the event root in a worker process fed while the block executes",
    )
    parser.add_argument(
        "--fill-cache",
        help="keep each filled state in this directory and copy it on later runs (faster)",
    )
    parser.add_argument(
        "--page-cache-mb", type=int, default=512, help="the state store's tree page cache"
    )
    parser.add_argument("--profile", help="write a cProfile of the timed blocks to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.state_sizes.split(",")]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"blocks of {args.block_size} createHello transactions, median of {args.blocks} blocks")
    if args.parallel_roots:
        print("event root built in a worker process fed while the block executes")
    print(
        f"{'state keys':>12}{'fill s':>8}{'execute ms':>12}{'roots ms':>10}{'(state)':>9}"
        f"{'write ms':>10}{'tx/s':>8}"
    )
    results = {}
    for size in sizes:
        results[size] = run(size, args)
        r = results[size]
        print(
            f"{size:>12,}{r['fill_s']:>8.1f}{r['execute_ms']:>12.1f}{r['roots_ms']:>10.1f}"
            f"{r['state_root_ms']:>9.1f}{r['commit_ms']:>10.1f}{r['tx_per_s']:>8,.0f}"
        )
    small, large = results[sizes[0]], results[sizes[-1]]
    commit_small = small["roots_ms"] + small["commit_ms"]
    commit_large = large["roots_ms"] + large["commit_ms"]
    print(
        f"commit time (roots + write) ratio {sizes[-1]:,} / {sizes[0]:,} keys: "
        f"{commit_large / commit_small:.2f}x"
    )
    state_small = small["state_root_ms"] + small["commit_ms"]
    state_large = large["state_root_ms"] + large["commit_ms"]
    print(
        f"state commit (state root + write) ratio {sizes[-1]:,} / {sizes[0]:,} keys: "
        f"{state_large / state_small:.2f}x"
    )


if __name__ == "__main__":
    main()
