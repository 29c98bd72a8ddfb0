"""Instructions per block with state pruning on, off and as before pruning existed (callgrind).

Run by hand (needs valgrind): ``.venv/bin/python benchmarks/bench_pruning_instructions.py
[--keys 10000] [--changes 1000] [--blocks 10] [--keep 4]``

Wall-clock figures on a shared machine move by up to 2x (docs/performance.md); instruction counts
do not. For each mode a child process under callgrind builds the same state in a LevelDB and
commits ``--keep`` + 8 warm-up blocks (so pruning is in its steady state), then ``--blocks``
more; the difference from a run without them, divided by ``--blocks``, is the main thread's
instructions per block (applying the changes and committing; LevelDB's background threads
apart). Modes as in ``bench_pruning.py``.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(mode: str, keys_count: int, changes: int, blocks: int, keep: int) -> None:
    """The measured process: a state, ``keep`` + 8 warm-up blocks, then ``blocks`` blocks."""
    sys.path.insert(0, str(HERE))
    import bench_pruning

    from klayr_py.db import LevelDB
    from klayr_py.state import StateStore

    rng = random.Random(keys_count)
    legacy = mode == "legacy"
    with tempfile.TemporaryDirectory() as tmp:
        db = LevelDB(tmp)
        state = StateStore(db, keep_heights=keep if mode == "on" else -1)
        keys = [rng.randbytes(32) for _ in range(keys_count)]
        bench_pruning.commit(state, {key: rng.randbytes(32) for key in keys}, legacy)
        for _ in range(keep + 8 + blocks):
            block, keys = bench_pruning.block_changes(rng, keys, changes)
            bench_pruning.commit(state, block, legacy)
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--keep", type=int, default=4)
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.keys, args.changes, args.blocks, args.keep)
        return
    for mode in ("on", "off", "legacy"):
        counts = [_count(mode, blocks, args) for blocks in (0, args.blocks)]
        per_block = (counts[1] - counts[0]) / args.blocks
        print(f"{mode:>6}: {per_block / 1e6:8.1f} M instructions per block", flush=True)


def _count(mode: str, blocks: int, args: argparse.Namespace) -> int:
    """The main thread's instructions for a child run measuring ``blocks`` blocks."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--separate-threads=yes",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                __file__,
                "--child",
                mode,
                "--keys",
                str(args.keys),
                "--changes",
                str(args.changes),
                "--blocks",
                str(blocks),
                "--keep",
                str(args.keep),
            ],
            check=True,
            capture_output=True,
        )
        main_thread = (Path(tmp) / "callgrind.out-01").read_text(errors="replace")
        found = re.search(r"^(?:summary|totals): (\d+)", main_thread, re.MULTILINE)
        if found is None:
            raise SystemExit(f"no instruction count in callgrind's output for {mode}")
        return int(found.group(1))


if __name__ == "__main__":
    main()
