"""Instructions per block of createHello transactions, counted by valgrind (callgrind).

Run by hand (not in CI; needs valgrind):
    python benchmarks/bench_instructions.py [--state-size 1000] [--block-size 1000] [--blocks 3]
        [--roots sequential|streamed] [--fill-cache DIR]

Wall-clock figures on a shared machine move by up to 2x within minutes (docs/performance.md);
instruction counts do not. This runs ``bench_blocks.py`` twice under callgrind, once timing one
block and once ``1 + --blocks`` blocks, everything else equal (fill, page-cache warm-up, warm-up
blocks), and prints the difference divided by ``--blocks``: the instructions of the main thread
for one block (execution, roots, the write's user-space part, and building the block's
transactions from bytes, which the timed figures leave out). LevelDB's background compaction
runs in other threads and is printed apart: how much of it falls in the counted blocks depends on
scheduling, so it is not comparable between runs. With ``--roots streamed`` the worker process is
not counted. Each run takes a few minutes at 10^3 keys and about 20 at 10^6 (callgrind runs code
about 50x slower): the difference is what matters, e.g. before and after a change.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "bench_blocks.py"


def _instructions(blocks: int, args: argparse.Namespace) -> tuple[int, int]:
    """Instructions callgrind counts for a run of bench_blocks.py timing ``blocks`` blocks: the
    main thread's and the other threads' (LevelDB's background compaction)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--separate-threads=yes",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            str(BENCH),
            "--state-sizes",
            str(args.state_size),
            "--block-size",
            str(args.block_size),
            "--blocks",
            str(blocks),
            "--no-calibration",
            "--roots",
            args.roots,
        ]
        if args.fill_cache:
            command += ["--fill-cache", args.fill_cache]
        subprocess.run(command, capture_output=True, text=True, check=True)
        threads = {}
        for dump in Path(tmp).glob("callgrind.out-*"):  # one per thread, -01 the main one
            found = re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.MULTILINE)
            if found is None:
                raise SystemExit(f"no instruction total in {dump.name}")
            threads[dump.name] = int(found.group(1))
    main_thread = threads.pop("callgrind.out-01", None)
    if main_thread is None:
        raise SystemExit("callgrind wrote no dump for the main thread")
    return main_thread, sum(threads.values())


def main() -> None:
    """Run both counts and print instructions per block."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-size", type=int, default=1000)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=3, help="blocks counted (beyond the first)")
    parser.add_argument("--roots", choices=["sequential", "streamed"], default="sequential")
    parser.add_argument(
        "--fill-cache", help="as bench_blocks.py: reuse filled states (needed for 10^6 keys)"
    )
    args = parser.parse_args()
    base, base_background = _instructions(1, args)
    more, more_background = _instructions(1 + args.blocks, args)
    per_block = (more - base) / args.blocks
    background = (more_background - base_background) / args.blocks
    print(
        f"state {args.state_size:,} keys, blocks of {args.block_size:,} createHello: "
        f"{per_block / 1e6:,.1f} M instructions per block in the main thread "
        f"({per_block / args.block_size / 1e3:,.1f} k per transaction); other threads "
        f"(LevelDB compaction, which falls in whichever blocks it does): "
        f"{background / 1e6:,.1f} M per block"
    )


if __name__ == "__main__":
    main()
