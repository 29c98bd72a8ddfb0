"""Instructions per committed block, klayr_py against Klayr over lisk-db, counted by callgrind.

Run by hand (not in CI; needs valgrind, and lisk-db built by build_liskdb.sh):
    .venv/bin/python benchmarks/anchor/block_instructions.py [--state-size 1000] [--blocks 3]
        [--fill-cache DIR]

The wall-clock comparison of bench_anchor.py moves by up to 2x between rounds on a shared
machine; instruction counts do not. Both sides run twice under callgrind, with 1 and with
``1 + --blocks`` blocks of 1,000 createHello (bench_blocks.py's blocks: the same transactions,
salts 1, 2, ...), everything else equal, and the difference over ``--blocks`` is one block:

- klayr_py: bench_instructions.py's count, the main thread (execution, roots, the write's
  user-space part, and decoding the block's transactions from bytes); LevelDB's compaction
  threads apart.
- Klayr: klayr_hello_bench.js under Node, every thread (lisk-db runs its work, and RocksDB its
  compaction, in threads of their own; V8 compiles and collects garbage in others), so this
  count holds work that klayr_py's leaves out: read it as an upper bound for Klayr.
Instructions are not time (lisk-db works on a second thread, memory stalls cost no
instructions): this is the tie-breaker, bench_anchor.py the measure.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import bench_anchor  # noqa: E402
import bench_blocks  # noqa: E402
import bench_instructions  # noqa: E402
from bench_blocks import FILL_BATCH, WARM_UP_BLOCKS, _transactions  # noqa: E402


def _block_request(height: int, salt: int, args: argparse.Namespace) -> dict[str, Any]:
    schema = bench_blocks._hello_machine()[0].commands[0].schema
    if schema is None:
        raise RuntimeError("the Hello module was not initialised")
    return {
        "op": "block",
        "height": height,
        "timestamp": 1_700_000_000 + 10 * height,
        "transactions": [t.get_bytes().hex() for t in _transactions(args.block_size, salt, schema)],
    }


def _klayr(blocks: int, args: argparse.Namespace) -> int:
    """All threads' instructions of a Node run over a filled lisk-db state: warm-up blocks as
    bench_blocks.py runs them, then ``blocks`` blocks."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        cached = Path(args.fill_cache) / f"liskdb-{args.state_size}" if args.fill_cache else None
        if cached is not None and cached.is_dir():
            shutil.copytree(cached, path)
        height = math.ceil(args.state_size / FILL_BATCH)  # the fill commits heights 0, 1, ...
        requests = [
            {"op": "open", "path": str(path), "keys": args.state_size, "fillBatch": FILL_BATCH}
        ]
        salts = [1_000_000 + w for w in range(WARM_UP_BLOCKS)] + list(range(1, blocks + 1))
        requests += [_block_request(height + i, salt, args) for i, salt in enumerate(salts)]
        requests.append({"op": "close"})
        out = Path(tmp) / "callgrind.out"
        bench_anchor.klayr_under_callgrind(requests, out)
        found = re.search(r"^totals: (\d+)", out.read_text(errors="replace"), re.MULTILINE)
        if found is None:
            raise SystemExit("no instruction total in Node's callgrind dump")
        return int(found.group(1))


def main() -> None:
    """Count both sides and print instructions per block and per transaction."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-size", type=int, default=1000)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=3, help="blocks counted (beyond the first)")
    parser.add_argument("--fill-cache", help="filled states kept by bench_anchor.py --fill-cache")
    args = parser.parse_args()
    args.roots = "sequential"  # what bench_instructions.py passes on to bench_blocks.py
    subprocess.run(["bash", str(HERE / "build_liskdb.sh")], check=True)
    base, _ = bench_instructions._instructions(1, args)
    more, _ = bench_instructions._instructions(1 + args.blocks, args)
    ours = (more - base) / args.blocks
    theirs = (_klayr(1 + args.blocks, args) - _klayr(1, args)) / args.blocks
    print(
        f"{args.state_size:,} keys, blocks of {args.block_size:,} createHello, {args.blocks} "
        f"blocks counted: M instructions per block: klayr_py {ours / 1e6:,.1f} (main thread), "
        f"Klayr over lisk-db {theirs / 1e6:,.1f} (all threads); Klayr / klayr_py "
        f"{theirs / ours:.2f}x"
    )


if __name__ == "__main__":
    main()
