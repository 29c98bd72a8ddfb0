"""Instructions for one state-root update, klayr_py against lisk-db, counted by callgrind.

Run by hand (not in CI; needs valgrind, and lisk-db built by build_liskdb.sh):
    .venv/bin/python benchmarks/anchor/root_instructions.py [--state-size 1000] [--batches 5]
        [--fill-cache DIR]

bench_anchor.py times the state-root update alone on a shared machine, where timings move by up
to 2x within minutes; this counts instructions instead, on the same batches (1,000 fresh
message-store keys and the counter, bench_anchor.py's ``_root_batch``) over the same filled state:

- klayr_py: the whole process runs under callgrind twice, everything else equal (fill copy,
  page-cache warm-up, warm-up blocks, one first batch): once setting the keys of ``--batches``
  more batches and discarding them, once also running ``StateStore.prepare_commit`` on each; the
  difference of the main thread's totals over ``--batches`` is one ``prepare_commit``.
- lisk-db: Node runs klayr_hello_bench.js under callgrind and the count is the inclusive cost of
  the Rust function ``lisk_db::state::state_db::StateDB::commit`` (readonly: the tree update and
  the root; the keys were set before), over ``--batches`` calls. Setting the keys from JS and the
  promise round trip are not counted, which favours lisk-db a little.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bench_anchor  # noqa: E402
import bench_blocks  # noqa: E402
from bench_blocks import _StateUnderTest  # noqa: E402
from hello.schemas import CounterData, MessageData  # noqa: E402
from hello.stores.counter import CounterStore  # noqa: E402
from hello.stores.message import MessageStore  # noqa: E402

LISKDB_COMMIT = "lisk_db::state::state_db::StateDB::commit"


def _child(args: argparse.Namespace) -> None:
    """The measured klayr_py process: a filled state, one root batch, then ``args.child`` more,
    with ``--set-only`` setting their keys and discarding them without computing the root."""
    with ExitStack() as stack:
        state = _StateUnderTest(args.state_size, False, args, stack)
        bench_anchor._klayr_py_root(state, bench_anchor._root_batch(0, args.root_keys), 0)
        for b in range(1, 1 + args.child):
            addresses = bench_anchor._root_batch(b, args.root_keys)
            if not args.set_only:
                bench_anchor._klayr_py_root(state, addresses, b)
                continue
            module = bench_blocks._hello_machine()[0]
            messages = module.stores.get(MessageStore)
            for address in addresses:
                messages.set(state.state, address, MessageData(message=bench_anchor.ROOT_MESSAGE))
            module.stores.get(CounterStore).set_value(state.state, CounterData(counter=b))
            state.state.discard()


def _main_thread_total(out: Path) -> int:
    """The main thread's instruction total of a callgrind run with --separate-threads."""
    dump = next(out.parent.glob(out.name + "-01"))
    found = re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.MULTILINE)
    if found is None:
        raise SystemExit(f"no instruction total in {dump}")
    return int(found.group(1))


def _klayr_py(args: argparse.Namespace, set_only: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--separate-threads=yes",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            str(args.batches),
            "--state-size",
            str(args.state_size),
            "--root-keys",
            str(args.root_keys),
        ]
        if args.fill_cache:
            command += ["--fill-cache", args.fill_cache]
        if set_only:
            command.append("--set-only")
        subprocess.run(command, capture_output=True, text=True, check=True)
        return _main_thread_total(out)


def _lisk_db(args: argparse.Namespace) -> int:
    """Inclusive instructions of lisk-db's StateDB::commit over ``args.batches`` readonly
    commits on a filled lisk-db state."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        cached = Path(args.fill_cache) / f"liskdb-{args.state_size}" if args.fill_cache else None
        if cached is not None and cached.is_dir():
            subprocess.run(["cp", "-r", str(cached), str(path)], check=True)
        requests = [{"op": "open", "path": str(path), "keys": args.state_size, "fillBatch": 50_000}]
        requests += [
            {
                "op": "root",
                "height": 1_000_000,
                "addresses": [a.hex() for a in bench_anchor._root_batch(b, args.root_keys)],
                "message": bench_anchor.ROOT_MESSAGE,
                "counter": b,
            }
            for b in range(args.batches)
        ]
        requests.append({"op": "close"})
        out = Path(tmp) / "callgrind.out"
        bench_anchor.klayr_under_callgrind(requests, out)
        annotated = subprocess.run(
            ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    for line in annotated.splitlines():
        if line.rstrip().endswith(LISKDB_COMMIT) or f"{LISKDB_COMMIT} [" in line:
            return int(line.split()[0].replace(",", ""))
    raise SystemExit(f"{LISKDB_COMMIT} not in the callgrind profile")


def main() -> None:
    """Count both sides and print instructions per batch and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state-size", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--root-keys", type=int, default=1000)
    parser.add_argument("--fill-cache", help="filled states kept by bench_anchor.py --fill-cache")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--set-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # What _StateUnderTest reads from bench_blocks.py's arguments.
    args.block_size, args.page_cache_mb = 1000, 512
    if args.child is not None:
        _child(args)
        return
    subprocess.run(["bash", str(HERE / "build_liskdb.sh")], check=True)
    ours = (_klayr_py(args, set_only=False) - _klayr_py(args, set_only=True)) / args.batches
    theirs = _lisk_db(args) / args.batches
    print(
        f"{args.state_size:,} keys, batches of {args.root_keys:,} keys + the counter, "
        f"{args.batches} batches: instructions per state-root update: klayr_py {ours:,.0f}, "
        f"lisk-db {theirs:,.0f}; lisk-db / klayr_py {theirs / ours:.2f}x"
    )


if __name__ == "__main__":
    main()
