"""Blocks of hello:createHello through the state machine over LevelDB: tx/s and commit time.

Run by hand (not in CI):
    python benchmarks/bench_blocks.py [--block-size 1000] [--blocks 5] [--state-sizes 1000,1000000]
        [--roots sequential|streamed|both] [--kernels native|python|both] [--fill-cache DIR]
        [--page-cache-mb 512] [--profile FILE]

For each state size, a LevelDB in a temp dir is filled with that many message-store entries
(committed in large batches, then compacted; ``--fill-cache`` keeps a copy to reuse), its tree
pages are read into the page cache (as a node that has been running has them) and two untimed
blocks run. Then ``--blocks`` rounds each execute and commit one block of ``--block-size``
createHello transactions from distinct senders at every state size in turn, so that all sizes
share the machine's fast and slow periods (a shared machine's speed moves by up to 2x within
minutes); a fixed pure-Python hashing task timed before each round shows the machine's speed.
Transactions are signed beforehand and decoded from bytes, as a pool holds them; no module
verifies signatures, so the figures are execution + commit. Prints the median time per block to
execute the hooks, to compute the roots (state root = sparse Merkle tree update, shown alone in
brackets; event root) and to write the block's batch, and transactions/s (median and range);
then, per round, the ratios of commit time at the largest state to the smallest: roots + write,
and state root + write. ``--roots streamed`` builds the event root in a worker process fed while
the block executes (the node's ``parallelRoots``); ``--roots both`` runs both side by side and
prints their ratio. ``--kernels`` picks klayr_py's Rust kernels (the default when built) or their
pure-Python twins; ``both`` runs each case with each, in the same rounds, and prints their ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "examples" / "hello_module")]

from hello import HelloModule  # noqa: E402
from hello.schemas import MessageData  # noqa: E402
from hello.stores.message import MessageStore  # noqa: E402
from kernels import KERNELS, kernels, native_available  # noqa: E402
from leveldb_settle import background_cpu_ms, settle  # noqa: E402

from klayr_py import codec  # noqa: E402
from klayr_py.chain import (  # noqa: E402
    AggregateCommit,
    BlockAssets,
    BlockHeader,
    Transaction,
)
from klayr_py.db import LevelDB  # noqa: E402
from klayr_py.node.event_root_worker import EventRootWorker  # noqa: E402
from klayr_py.state import StateStore  # noqa: E402
from klayr_py.state_machine import StateMachine  # noqa: E402
from klayr_py.state_machine.block_executor import BlockExecutor  # noqa: E402

CHAIN_ID = bytes.fromhex("04000001")
EMPTY = bytes(32)
FILL_BATCH = 50_000
WARM_UP_BLOCKS = 2
CALIBRATION_STEPS = 20_000
MODES = ("sequential", "streamed")


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


class _StateUnderTest:
    """A filled state of ``size`` keys, opened, warmed up and ready to time blocks on."""

    def __init__(
        self, size: int, streamed: bool, args: argparse.Namespace, stack: ExitStack
    ) -> None:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        path = os.path.join(tmp, "state")
        cached = os.path.join(args.fill_cache, f"state-{size}") if args.fill_cache else None
        started = time.perf_counter()
        if cached and os.path.isdir(cached):
            shutil.copytree(cached, path)
        with LevelDB(path) as db:
            state = StateStore(db)
            height = state.height + 1
            if height == 0:
                height = _fill(state, _hello_machine()[0], size)
                db.compact()  # most of it now; settle() waits for what LevelDB does later
        if cached and not os.path.isdir(cached):
            shutil.copytree(path, cached)
        self.fill_seconds = time.perf_counter() - started
        self.block_size = args.block_size
        db = stack.enter_context(LevelDB(path))
        module, machine = _hello_machine()
        self.schema = module.commands[0].schema
        self.state = StateStore(db, page_cache_size=args.page_cache_mb * 1024 * 1024)
        self.state.warm_page_cache()  # as a node that has been running has them
        worker = EventRootWorker() if streamed else None
        if worker is not None:
            worker.start()  # spawned outside the timing
            stack.callback(worker.close)
        self.executor = BlockExecutor(machine, self.state, CHAIN_ID, event_root_worker=worker)
        self.roots_seconds: list[float] = []
        _time_calls(self.executor, "_finish", self.roots_seconds)  # every root of the block
        self.state_root_seconds: list[float] = []
        _time_calls(self.state, "prepare_commit", self.state_root_seconds)  # the state root alone
        self.height = height
        for w in range(WARM_UP_BLOCKS):  # fills the page cache, as in a node that has been running
            self.block(1_000_000 + w)
        self.settle_seconds = settle()

    def block(self, salt: int) -> dict[str, float]:
        """Execute and commit one block of fresh transactions; its timings in ms."""
        transactions = _transactions(self.block_size, salt, self.schema)
        self.roots_seconds.clear()
        self.state_root_seconds.clear()
        c0 = time.thread_time()
        t0 = time.perf_counter()
        result = self.executor.execute(_header(self.height), BlockAssets(), transactions)
        t1 = time.perf_counter()
        self.executor.commit(result)
        t2 = time.perf_counter()
        c2 = time.thread_time()
        self.height += 1
        roots = sum(self.roots_seconds)
        return {
            "execute": (t1 - t0 - roots) * 1000,
            "roots": roots * 1000,
            "state_root": sum(self.state_root_seconds) * 1000,
            "write": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
            "cpu": (c2 - c0) * 1000,  # this thread's CPU time: steadier than wall on a busy machine
        }


def _hello_machine() -> tuple[HelloModule, StateMachine]:
    module = HelloModule()
    machine = StateMachine()
    machine.register_module(module)
    machine.init({}, {})
    return module, machine


def _calibrate() -> float:
    """Milliseconds for a fixed piece of pure-Python hashing (CALIBRATION_STEPS chained
    SHA-256): how fast the machine is right now. Shared machines change speed by up to 2x within
    minutes; the range printed shows whether the rounds ran in slow or fast periods."""
    node = bytes(32)
    started = time.perf_counter()
    for _ in range(CALIBRATION_STEPS):
        node = hashlib.sha256(node).digest()
    return (time.perf_counter() - started) * 1000


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
    """Parse arguments, run the rounds, print the table and the commit-time ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=5, help="rounds (one block per state each)")
    parser.add_argument("--state-sizes", default="1000,100000,1000000")
    parser.add_argument(
        "--roots",
        choices=[*MODES, "both"],
        default="sequential",
        help="event root computed after execution (sequential), in a worker process fed while "
        "the block executes (streamed), or both side by side",
    )
    parser.add_argument(
        "--kernels",
        choices=[*KERNELS, "both"],
        help="klayr_py's Rust kernels, their pure-Python twins, or both side by side (default: "
        "the kernels in use, i.e. Python under KLAYR_PY_NO_NATIVE=1)",
    )
    parser.add_argument(
        "--fill-cache",
        help="keep each filled state in this directory and copy it on later runs (faster)",
    )
    parser.add_argument(
        "--page-cache-mb", type=int, default=512, help="the state store's tree page cache"
    )
    parser.add_argument("--profile", help="write a cProfile of the timed blocks to this file")
    parser.add_argument(
        "--no-calibration",
        action="store_true",
        help="skip the machine-speed task (for bench_instructions.py, which counts everything)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.state_sizes.split(",")]
    roots_modes = list(MODES) if args.roots == "both" else [args.roots]
    if args.kernels is None:
        args.kernels = "native" if native_available() else "python"
    kernel_sets = list(KERNELS) if args.kernels == "both" else [args.kernels]
    if len(kernel_sets) > 1 and "streamed" in roots_modes:
        # The worker process picks its kernels at import (KLAYR_PY_NO_NATIVE), not per round.
        parser.error("--kernels both needs --roots sequential")
    # A case's label: its roots mode or its kernels, whichever varies.
    variants = {
        (kernel if len(kernel_sets) > 1 else mode): (mode, kernel)
        for mode in roots_modes
        for kernel in kernel_sets
    }
    modes = list(variants)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"blocks of {args.block_size} createHello transactions, {args.blocks} rounds")
    with ExitStack() as stack:
        states = {}
        for mode in modes:
            for size in sizes:
                with kernels(variants[mode][1]):
                    states[mode, size] = _StateUnderTest(
                        size, variants[mode][0] == "streamed", args, stack
                    )
        rows: dict[tuple[str, int], list[dict[str, float]]] = {case: [] for case in states}
        speeds = []
        profiler = cProfile.Profile() if args.profile else None
        background = []
        for b in range(args.blocks):
            # One block of every case per round: they share the machine's fast and slow periods.
            if not args.no_calibration:
                speeds.append(_calibrate())
            before = background_cpu_ms()
            if profiler is not None:
                profiler.enable()
            for case, state in states.items():
                with kernels(variants[case[0]][1]):
                    rows[case].append(state.block(b + 1))
            if profiler is not None:
                profiler.disable()
            after = background_cpu_ms()
            background.append(after - before if after is not None and before is not None else 0)
        if profiler is not None:
            profiler.dump_stats(args.profile)
    if speeds:
        print(
            f"calibration ({CALIBRATION_STEPS:,} chained SHA-256 before each round) ms: min "
            f"{min(speeds):.1f}, median {statistics.median(speeds):.1f}, max {max(speeds):.1f}"
        )
        print(
            "tx/s per round, fastest machine first: calibration ms, background (LevelDB "
            "compaction) CPU ms in the round | "
            + ", ".join(f"{mode} {size:,}" for mode, size in rows)
        )
        for b in sorted(range(args.blocks), key=speeds.__getitem__):
            rates = [args.block_size * 1000 / blocks[b]["total"] for blocks in rows.values()]
            print(
                f"  {speeds[b]:6.1f} {background[b]:6.0f} | "
                + ", ".join(f"{rate:,.0f}" for rate in rates)
            )
    print(
        f"background CPU (LevelDB compaction) per round: median {statistics.median(background):.0f}"
        f" ms; waited {max(state.settle_seconds for state in states.values()):.0f} s at most for"
        " it to stop before timing"
    )
    print(
        f"{'roots':>11}{'state keys':>12}{'fill s':>8}{'execute ms':>12}{'roots ms':>10}"
        f"{'(state)':>9}{'write ms':>10}{'tx/s':>8}{'tx/s range':>15}{'CPU ms':>8}"
        f"{'CPU range':>14}"
    )
    for (mode, size), blocks in rows.items():

        def median(column: str, blocks: list[dict[str, float]] = blocks) -> float:
            return statistics.median(block[column] for block in blocks)

        rates = [args.block_size * 1000 / block["total"] for block in blocks]
        print(
            f"{mode:>11}{size:>12,}{states[mode, size].fill_seconds:>8.1f}"
            f"{median('execute'):>12.1f}{median('roots'):>10.1f}{median('state_root'):>9.1f}"
            f"{median('write'):>10.1f}{statistics.median(rates):>8,.0f}"
            f"{min(rates):>8,.0f}-{max(rates):,.0f}{median('cpu'):>8.1f}"
            f"{min(b['cpu'] for b in blocks):>8.1f}-{max(b['cpu'] for b in blocks):.1f}"
        )
    for mode in modes:
        if len(sizes) > 1:
            small, large = rows[mode, sizes[0]], rows[mode, sizes[-1]]
            for label, parts in (
                ("commit time (roots + write)", ("roots", "write")),
                ("state commit (state root + write)", ("state_root", "write")),
            ):
                ratios = [
                    sum(big[part] for part in parts) / sum(little[part] for part in parts)
                    for little, big in zip(small, large, strict=True)
                ]
                print(
                    f"{mode}: {label} ratio {sizes[-1]:,} / {sizes[0]:,} keys, same round: "
                    f"median {statistics.median(ratios):.2f}x "
                    f"(range {min(ratios):.2f}-{max(ratios):.2f}x)"
                )
    if len(modes) > 1:
        for size in sizes:
            for column, label in (("total", "block time"), ("cpu", "main-thread CPU time")):
                gains = [
                    one[column] / other[column]
                    for one, other in zip(rows[modes[0], size], rows[modes[1], size], strict=True)
                ]
                print(
                    f"{size:,} keys: {label} {modes[0]} / {modes[1]}, same round: median "
                    f"{statistics.median(gains):.2f}x (range {min(gains):.2f}-{max(gains):.2f}x)"
                )


if __name__ == "__main__":
    main()
