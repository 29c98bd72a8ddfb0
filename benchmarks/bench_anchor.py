"""The anchor: klayr_py against Klayr's own state machine over lisk-db, on the same blocks.

Run by hand (not in CI), with the project's venv:
    .venv/bin/python benchmarks/bench_anchor.py [--blocks 5] [--state-sizes 1000,1000000]
        [--block-size 1000] [--root-keys 1000] [--fill-cache DIR] [--page-cache-mb 512]

Builds lisk-db 0.3.7 from source first if needed (benchmarks/anchor/build_liskdb.sh: npm +
crates.io; needs node, npm and cargo). For each state size it fills klayr_py's LevelDB state as
bench_blocks.py does and a lisk-db StateDB with the same entries (benchmarks/anchor/
klayr_hello_bench.js, one Node process per size), runs bench_blocks.py's two warm-up blocks on
both, then ``--blocks`` rounds. Each round, for every size, both sides execute and commit the
SAME block (bench_blocks.py's 1,000 createHello transactions from distinct senders, the bytes
sent to Node), and both time the state-root update alone on the same batch of 1,000 fresh
message-store keys plus the counter (klayr_py's ``StateStore.prepare_commit``; lisk-db's
``StateDB.commit`` with ``readonly``; wall and CPU time), the side going first alternating
between rounds. Roots are compared: the state, event and transaction roots of every block, and
the state root of every batch, must be equal on both sides. Prints tx/s (median and range) per
side, the per-round ratios, where each side's time goes, the state-root times, and whether
issue 13's two anchor targets are met. ``--root-keys`` sets the batch size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ANCHOR = HERE / "anchor"
sys.path.insert(0, str(HERE))

import bench_blocks  # noqa: E402
from bench_blocks import FILL_BATCH, WARM_UP_BLOCKS, _StateUnderTest, _transactions  # noqa: E402
from hello.schemas import CounterData, MessageData  # noqa: E402
from hello.stores.counter import CounterStore  # noqa: E402
from hello.stores.message import MessageStore  # noqa: E402
from kernels import native_available  # noqa: E402

from klayr_py.db import WriteBatch  # noqa: E402
from klayr_py.state_machine.block_executor import BlockResult  # noqa: E402

ROOT_MESSAGE = "hello from the benchmark"


class _KlayrSide:
    """One Node process running Klayr's state machine over one lisk-db StateDB."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(ANCHOR / "klayr_hello_bench.js")],
            cwd=ANCHOR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **request: Any) -> dict[str, Any]:
        """Send one request, wait for its answer; a Node-side error is raised here."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"klayr_hello_bench.js exited ({self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"klayr_hello_bench.js: {answer['error']}")
        return answer

    def close(self) -> None:
        """Close the StateDB and wait for the process."""
        if self.process.poll() is None:
            try:
                self.ask(op="close")
                self.process.wait(timeout=60)
            finally:
                if self.process.poll() is None:
                    self.process.kill()

    def cpu_seconds(self) -> float:
        """The Node process's CPU time so far (all threads: RocksDB's compaction included)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit: float = 300.0) -> float:
        """Wait until the process uses no CPU for 2 s (RocksDB compacting after the fill)."""
        started = time.perf_counter()
        last, quiet = self.cpu_seconds(), 0.0
        while quiet < 2.0 and time.perf_counter() - started < limit:
            time.sleep(0.5)
            now = self.cpu_seconds()
            quiet = quiet + 0.5 if now == last else 0.0
            last = now
        return time.perf_counter() - started


def _open_klayr(size: int, args: argparse.Namespace, stack: ExitStack) -> tuple[_KlayrSide, float]:
    """A Node process over a lisk-db state of ``size`` message entries; and the fill seconds."""
    path = os.path.join(stack.enter_context(tempfile.TemporaryDirectory()), "state.db")
    cached = os.path.join(args.fill_cache, f"liskdb-{size}") if args.fill_cache else None
    fill_seconds = -1.0  # copied from the cache: not filled in this run
    if cached and not os.path.isdir(cached):
        # Filled into the cache, closed, then renamed: an interrupted fill leaves no cache.
        partial = cached + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        filler = _KlayrSide()
        fill_seconds = filler.ask(op="open", path=partial, keys=size, fillBatch=FILL_BATCH)[
            "fillSeconds"
        ]
        filler.close()
        os.rename(partial, cached)
    if cached:
        shutil.copytree(cached, path)
    side = _KlayrSide()
    stack.callback(side.close)
    opened = side.ask(op="open", path=path, keys=size, fillBatch=FILL_BATCH)
    return side, opened["fillSeconds"] if not cached else fill_seconds


def _schema(state: _StateUnderTest) -> dict[str, object]:
    """createHello's params schema (set by the module's init, so never None here)."""
    if state.schema is None:
        raise RuntimeError("the Hello module was not initialised")
    return state.schema


def klayr_under_callgrind(requests: list[dict[str, Any]], out: Path) -> None:
    """Run klayr_hello_bench.js under callgrind on ``requests`` (one JSON per line on its
    stdin), its profile written to ``out``: the anchor's instruction counts."""
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "node",
            str(ANCHOR / "klayr_hello_bench.js"),
        ],
        input="".join(json.dumps(request) + "\n" for request in requests),
        cwd=ANCHOR,
        capture_output=True,
        text=True,
        check=True,
    )


def _root_batch(round_: int, count: int) -> list[bytes]:
    """``count`` fresh 20-byte addresses (as sha256 makes them): the keys of one root batch."""
    return [
        hashlib.sha256(f"anchor root batch {round_} {i}".encode()).digest()[:20]
        for i in range(count)
    ]


def _klayr_py_root(state: _StateUnderTest, addresses: list[bytes], counter: int) -> dict[str, Any]:
    """klayr_py's state-root update alone on one batch: prepare_commit timed, then discarded."""
    module = bench_blocks._hello_machine()[0]
    store = state.state
    messages, counters = module.stores.get(MessageStore), module.stores.get(CounterStore)
    for address in addresses:
        messages.set(store, address, MessageData(message=ROOT_MESSAGE))
    counters.set_value(store, CounterData(counter=counter))
    cpu = time.process_time()
    started = time.perf_counter()
    pending = store.prepare_commit(store.height + 1)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu  # every thread's, as on Node's side
    store.discard()
    return {"ms": elapsed * 1000, "cpuMs": cpu * 1000, "root": pending.state_root.hex()}


def _keep_results(state: _StateUnderTest) -> list[BlockResult]:
    """Keep every BlockResult ``state`` commits from now on (its event and transaction roots)."""
    kept: list[BlockResult] = []
    original = state.executor.commit

    def commit(result: BlockResult, batch: WriteBatch | None = None) -> None:
        kept.append(result)
        original(result, batch)

    setattr(state.executor, "commit", commit)  # noqa: B010 (assigning to a method)
    return kept


def _block_pair(
    state: _StateUnderTest,
    results: list[BlockResult],
    klayr: _KlayrSide,
    salt: int,
    klayr_first: bool,
) -> tuple[dict[str, float], dict[str, Any], list[str]]:
    """Both sides execute and commit the block of ``salt``: their timings and the roots that
    differ (state, event, transaction), if any."""
    height = state.height
    transactions = _transactions(state.block_size, salt, _schema(state))
    request = {
        "op": "block",
        "height": height,
        "timestamp": 1_700_000_000 + 10 * height,
        "transactions": [transaction.get_bytes().hex() for transaction in transactions],
    }
    if klayr_first:
        theirs = klayr.ask(**request)
        ours = state.block(salt)
    else:
        ours = state.block(salt)
        theirs = klayr.ask(**request)
    result = results[-1]
    differ = [
        name
        for name, mine in (
            ("stateRoot", result.state_root),
            ("eventRoot", result.event_root),
            ("transactionRoot", result.transaction_root),
        )
        if theirs[name] != mine.hex()
    ]
    return ours, theirs, differ


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):,.1f} ({min(values):,.1f}-{max(values):,.1f})"


def main() -> None:
    """Build if needed, open both sides per size, run the rounds, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=5, help="rounds (one block per size each)")
    parser.add_argument("--state-sizes", default="1000,1000000")
    parser.add_argument("--root-keys", type=int, default=1000, help="keys per root-only batch")
    parser.add_argument("--fill-cache", help="keep filled states here and copy them on later runs")
    parser.add_argument("--page-cache-mb", type=int, default=512)
    args = parser.parse_args()
    sizes = [int(s) for s in args.state_sizes.split(",")]
    started = time.perf_counter()
    subprocess.run(["bash", str(ANCHOR / "build_liskdb.sh")], check=True)
    build_seconds = time.perf_counter() - started
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Node {node}; klayr_py kernels: "
        f"{'Rust' if native_available() else 'pure Python'}; build check {build_seconds:.0f} s"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with ExitStack() as stack:
        sides: dict[int, tuple[_StateUnderTest, list[BlockResult], _KlayrSide]] = {}
        for size in sizes:
            ours = _StateUnderTest(size, False, args, stack)
            theirs, fill_seconds = _open_klayr(size, args, stack)
            warm_up: dict[str, Any] = {}
            for w in range(WARM_UP_BLOCKS):  # the blocks bench_blocks.py ran on our side
                height = ours.height - WARM_UP_BLOCKS + w
                warm_up = theirs.ask(
                    op="block",
                    height=height,
                    timestamp=1_700_000_000 + 10 * height,
                    transactions=[
                        t.get_bytes().hex()
                        for t in _transactions(args.block_size, 1_000_000 + w, _schema(ours))
                    ],
                )
            if warm_up["stateRoot"] != ours.state.state_root.hex():
                print(
                    f"{size:,} keys: STATE ROOTS DIFFER after the fill and warm-up blocks: "
                    f"klayr_py {ours.state.state_root.hex()}, lisk-db {warm_up['stateRoot']}"
                )
            waited = theirs.settle()
            print(
                f"{size:,} keys: fill (or copy from --fill-cache) klayr_py "
                f"{ours.fill_seconds:.1f} s, lisk-db "
                + (f"{fill_seconds:.1f} s" if fill_seconds >= 0 else "copied from the cache")
                + f"; waited {ours.settle_seconds:.0f} s (LevelDB) and "
                f"{waited:.0f} s (RocksDB) for compaction"
            )
            sides[size] = (ours, _keep_results(ours), theirs)
        rows: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
        for b in range(args.blocks):
            klayr_first = b % 2 == 1
            for size, (ours, results, theirs) in sides.items():
                block_ours, block_theirs, differ = _block_pair(
                    ours, results, theirs, b + 1, klayr_first
                )
                addresses = _root_batch(b, args.root_keys)
                counter = 10_000 + b
                root_request = {
                    "op": "root",
                    "height": ours.height,
                    "addresses": [a.hex() for a in addresses],
                    "message": ROOT_MESSAGE,
                    "counter": counter,
                }
                if klayr_first:
                    root_theirs = theirs.ask(**root_request)
                    root_ours = _klayr_py_root(ours, addresses, counter)
                else:
                    root_ours = _klayr_py_root(ours, addresses, counter)
                    root_theirs = theirs.ask(**root_request)
                rows[size].append(
                    {
                        "ours": block_ours,
                        "theirs": block_theirs,
                        "differ": differ,
                        "root_ours": root_ours["ms"],
                        "root_theirs": root_theirs["ms"],
                        "root_cpu_ours": root_ours["cpuMs"],
                        "root_cpu_theirs": root_theirs["cpuMs"],
                        "same_batch_root": root_ours["root"] == root_theirs["root"],
                    }
                )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _report(rows, args.block_size)


def _report(rows: dict[int, list[dict[str, Any]]], block_size: int) -> None:
    """Medians (ranges) per state size; ratios taken within each round."""
    for size, blocks in rows.items():
        ours = [block_size * 1000 / r["ours"]["total"] for r in blocks]
        theirs = [block_size * 1000 / r["theirs"]["total"] for r in blocks]
        ratio = [o / t for o, t in zip(ours, theirs, strict=True)]
        root_ratio = [r["root_theirs"] / r["root_ours"] for r in blocks]
        print(f"\n{size:,} keys in state, {len(blocks)} rounds: median (range)")
        print(f"  klayr_py tx/s          {_summary(ours)}")
        print(f"  Klayr+lisk-db tx/s     {_summary(theirs)}")
        print(f"  klayr_py / Klayr       {_summary(ratio)} x")
        print(
            "  klayr_py ms: execute "
            f"{_summary([r['ours']['execute'] for r in blocks])}, roots (state+event+tx) "
            f"{_summary([r['ours']['roots'] for r in blocks])}, write "
            f"{_summary([r['ours']['write'] for r in blocks])}"
        )
        print(
            "  Klayr ms: execute "
            f"{_summary([r['theirs']['execute'] for r in blocks])}, event+tx roots "
            f"{_summary([r['theirs']['roots'] for r in blocks])} (event root alone "
            f"{_summary([r['theirs']['eventRootMs'] for r in blocks])}), commit (state root+write) "
            f"{_summary([r['theirs']['commit'] for r in blocks])}"
        )
        state_commit = [r["ours"]["state_root"] + r["ours"]["write"] for r in blocks]
        commit_ratio = [
            r["theirs"]["commit"] / mine for r, mine in zip(blocks, state_commit, strict=True)
        ]
        print(
            f"  state commit (state root + write), ms: klayr_py {_summary(state_commit)}, "
            f"lisk-db {_summary([r['theirs']['commit'] for r in blocks])}, "
            f"lisk-db / klayr_py {_summary(commit_ratio)} x"
        )
        print(
            f"  state root alone, ms: klayr_py {_summary([r['root_ours'] for r in blocks])}, "
            f"lisk-db {_summary([r['root_theirs'] for r in blocks])}, "
            f"lisk-db / klayr_py {_summary(root_ratio)} x"
        )
        cpu_ratio = [r["root_cpu_theirs"] / max(r["root_cpu_ours"], 1e-3) for r in blocks]
        print(
            "  state root alone, CPU ms (all threads of each process): klayr_py "
            f"{_summary([r['root_cpu_ours'] for r in blocks])}, lisk-db "
            f"{_summary([r['root_cpu_theirs'] for r in blocks])}, lisk-db / klayr_py "
            f"{_summary(cpu_ratio)} x"
        )
        same_blocks = sum(not r["differ"] for r in blocks)
        same_batches = sum(r["same_batch_root"] for r in blocks)
        differ = sorted({name for r in blocks for name in r["differ"]})
        print(
            f"  state, event and transaction roots equal in {same_blocks}/{len(blocks)} blocks"
            + (f" (differing: {', '.join(differ)})" if differ else "")
            + f"; state roots equal in {same_batches}/{len(blocks)} root-only batches"
        )
        print(
            "  issue 13's targets (round medians): committed tx/s >= 2x Klayr's: "
            f"{'met' if statistics.median(ratio) >= 2 else 'MISSED'}; state-root update >= 1x "
            f"lisk-db's: {'met' if statistics.median(root_ratio) >= 1 else 'MISSED'} (where the "
            "two are close, decide with anchor/root_instructions.py)"
        )


if __name__ == "__main__":
    main()
