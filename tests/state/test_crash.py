"""A process committing blocks is SIGKILLed at random moments; every restart is at a whole block.

The writer (``_crash_writer``) commits deterministic blocks to a LevelDB; this test kills it after
a random delay, reopens the database and checks that its (height, state root) marker, its state
and its stand-in block records are exactly those of a fresh in-memory replay of the same blocks
up to that height, that the live tree and the roots of the pruning window are whole and that no
page is left that neither the live tree nor a pending stale-page record holds, then starts the
writer again on the same database.

Kills: ``KLAYR_PY_CRASH_KILLS`` (default 50); seed: ``KLAYR_PY_CRASH_SEED`` (printed; rerun with it
to replay the same blocks and the same kill delays, though not the same kill instants).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from klayr_py.db import Database, InMemoryDatabase, LevelDB
from klayr_py.state import (
    PREFIX_DIFF,
    PREFIX_SMT,
    PREFIX_STALE_PAGES,
    PREFIX_STATE,
    StateStore,
    smt_key,
    smt_leaves,
)
from klayr_py.tree import EMPTY_HASH, SparseMerkleTree, sparse_merkle_root
from tests.state._crash_writer import (
    BLOCK_PREFIX,
    KEEP_HEIGHTS,
    apply_block,
    block_operations,
)

ROOT = Path(__file__).resolve().parents[2]
MAX_KILL_DELAY = (
    0.25  # seconds after the writer is ready: from before its first commit to ~10 blocks
)


class Replay:
    """The chain of the crash writer, folded into plain dicts: state and root by height."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.states: list[dict[bytes, bytes]] = []  # state after block h, h = 0, 1, ...
        self.roots: list[bytes] = []

    def at(self, height: int) -> tuple[dict[bytes, bytes], bytes]:
        """State and root after block ``height`` (-1: before the first block)."""
        if height < 0:
            return {}, EMPTY_HASH
        while len(self.states) <= height:
            state = dict(self.states[-1]) if self.states else {}
            for store, sub_store, key, value in block_operations(self.seed, len(self.states)):
                if value is None:
                    state.pop(store + sub_store + key, None)
                else:
                    state[store + sub_store + key] = value
            self.states.append(state)
            self.roots.append(sparse_merkle_root(smt_leaves(state), 38))
        return self.states[height], self.roots[height]


def _check_whole_block(path: Path, replay: Replay) -> int:
    with LevelDB(path) as db:
        state = StateStore(db)
        height = state.height
        expected_state, expected_root = replay.at(height)
        assert state.state_root == expected_root, f"root at height {height} differs from replay"
        stored = {k[1:]: v for k, v in db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 8)}
        assert stored == expected_state, f"state at height {height} differs from replay"
        blocks = {
            int.from_bytes(k[1:], "big"): v
            for k, v in db.iterate(gte=BLOCK_PREFIX, lte=BLOCK_PREFIX + b"\xff" * 4)
        }
        assert blocks == {h: replay.at(h)[1] for h in range(height + 1)}, "block records"
        if height >= 0:
            assert db.has(PREFIX_DIFF + height.to_bytes(4, "big")), f"diff of block {height}"
        _check_pruned_store(db, state, replay)
    return height


class _StoredPages:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: bytes) -> bytes | None:
        return self._db.get_or_none(PREFIX_SMT + key)

    def set(self, key: bytes, value: bytes) -> None:
        raise AssertionError("read only")


def _check_pruned_store(db: Database, state: StateStore, replay: Replay) -> None:
    """The live tree and the window's roots are whole; every other page is pending pruning."""
    tree = SparseMerkleTree(_StoredPages(db), 38)
    live = set(tree.pages(state.state_root))  # raises if a page of the live tree is missing
    for height in range(max(state.height - KEEP_HEIGHTS + 1, 0), state.height + 1):
        expected_state, root = replay.at(height)
        queries = sorted(smt_key(key) for key in expected_state)[:50]
        assert tree.verify(root, queries, tree.prove(root, queries)), f"root of {height}"
    listed: set[bytes] = set()
    for _, hashes in db.iterate(gte=PREFIX_STALE_PAGES, lte=PREFIX_STALE_PAGES + b"\xff" * 13):
        listed.update(hashes[i : i + 32] for i in range(0, len(hashes), 32))
    stored = {k[1:] for k, _ in db.iterate(gte=PREFIX_SMT, lte=PREFIX_SMT + b"\xff" * 33)}
    assert stored <= live | listed, f"{len(stored - live - listed)} orphaned pages"


def _run_writer_until_killed(path: Path, seed: int, delay: float) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.state._crash_writer", str(path), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert writer.stdout is not None
        ready = writer.stdout.readline()
        assert ready.startswith(b"ready"), writer.communicate(timeout=30)[1].decode()
        time.sleep(delay)
        assert writer.poll() is None, writer.communicate(timeout=30)[1].decode()
        writer.send_signal(signal.SIGKILL)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL


def test_sigkill_at_random_moments_leaves_a_whole_block(tmp_path: Path) -> None:
    kills = int(os.environ.get("KLAYR_PY_CRASH_KILLS", "50"))
    seed = int(os.environ.get("KLAYR_PY_CRASH_SEED", "20240611"))
    print(f"crash test: seed {seed}, {kills} kills")
    rng = random.Random(seed)
    replay = Replay(seed)
    path = tmp_path / "state"
    heights = []
    started = time.monotonic()
    for _ in range(kills):
        _run_writer_until_killed(path, seed, rng.uniform(0, MAX_KILL_DELAY))
        heights.append(_check_whole_block(path, replay))
    print(
        f"crash test: {kills} kills in {time.monotonic() - started:.1f} s; "
        f"reopened at heights {heights}"
    )
    assert heights[-1] >= kills // 2, "the writer made too little progress to test anything"
    with LevelDB(path) as db:  # pruning happened: only the last few heights keep a diff
        diffs = [k for k, _ in db.iterate(gte=PREFIX_DIFF, lte=PREFIX_DIFF + b"\xff" * 4)]
        assert len(diffs) <= 3 * KEEP_HEIGHTS, f"{len(diffs)} diffs kept"

    # The database survived every kill in a state that still reverts exactly, block by block.
    with LevelDB(path) as db:
        state = StateStore(db)
        for height in range(state.height, max(state.height - 5, -1), -1):
            expected_state, expected_root = replay.at(height - 1)
            assert state.revert(height) == expected_root
            assert state.get_store(b"\x00\x00\x00\x01", b"\x00\x00").iterate() == sorted(
                (k[6:], v)
                for k, v in expected_state.items()
                if k[:6] == b"\x00\x00\x00\x01\x00\x00"
            )
    # And a StateStore replay of the same blocks in memory agrees with the dict replay.
    in_memory = StateStore(InMemoryDatabase())
    for height in range(min(heights[-1] + 1, 20)):
        apply_block(in_memory, seed, height)
        in_memory.commit(in_memory.prepare_commit(height))
        assert in_memory.state_root == replay.at(height)[1]
