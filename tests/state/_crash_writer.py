"""The process the crash test kills: it commits deterministic blocks to a LevelDB until killed.

Run: ``python -m tests.state._crash_writer DB_PATH SEED``. It opens the database, prints
``ready <height>``, then commits block after block, each one a pure function of (seed, height), so
that any prefix of the chain can be replayed elsewhere. Every block also writes a stand-in for the
block itself (``BLOCK_PREFIX + height`` -> state root) in the same batch, as chain storage will;
every fourth block is reverted once (deleting that record in the revert's batch) and committed
again, so kills also land in reverts. Pruning is on with a small window (each commit is final,
as on a single-validator node), so kills also land in commits that delete diffs and pages.
"""

from __future__ import annotations

import random
import sys

from klayr_py.db import LevelDB
from klayr_py.state import StateStore

STORES = [
    (b"\x00\x00\x00\x01", b"\x00\x00"),
    (b"\x00\x00\x00\x01", b"\x00\x01"),
    (b"\x12\x34\x56\x78", b"\xab\xcd"),
]
KEYS_PER_STORE = 800
OPERATIONS_PER_BLOCK = 250
KEEP_HEIGHTS = 5
"""The pruning window: the blocks the test reverts at the end keep their diffs."""
BLOCK_PREFIX = b"\x03"
"""Prefix of the stand-in block records (Klayr's ``DB_KEY_BLOCKS_ID`` byte)."""

Operation = tuple[bytes, bytes, bytes, bytes | None]  # store, sub-store, key, value (None: delete)


def block_operations(seed: int, height: int) -> list[Operation]:
    """The writes of block ``height``: only ever depends on (seed, height)."""
    rng = random.Random(f"{seed}:{height}")
    operations: list[Operation] = []
    for _ in range(OPERATIONS_PER_BLOCK):
        store, sub_store = rng.choice(STORES)
        key = rng.randrange(KEYS_PER_STORE).to_bytes(2, "big")
        if rng.random() < 0.2:
            operations.append((store, sub_store, key, None))
        else:
            operations.append((store, sub_store, key, rng.randbytes(rng.choice((0, 8, 32, 64)))))
    return operations


def apply_block(state: StateStore, seed: int, height: int) -> None:
    """Execute block ``height``, with a snapshot restored halfway (it must change nothing)."""
    operations = block_operations(seed, height)
    half = len(operations) // 2
    for store, sub_store, key, value in operations[:half]:
        _write(state, store, sub_store, key, value)
    snapshot = state.create_snapshot()
    for store, sub_store, key, _ in operations[half : half + 20]:
        state.get_store(store, sub_store).set(key, b"discarded")
    state.restore_snapshot(snapshot)
    for store, sub_store, key, value in operations[half:]:
        _write(state, store, sub_store, key, value)


def _write(
    state: StateStore, store: bytes, sub_store: bytes, key: bytes, value: bytes | None
) -> None:
    if value is None:
        state.get_store(store, sub_store).delete(key)
    else:
        state.get_store(store, sub_store).set(key, value)


def main(path: str, seed: int) -> None:
    db = LevelDB(path)
    state = StateStore(db, keep_heights=KEEP_HEIGHTS)
    print(f"ready {state.height}", flush=True)
    reverted: set[int] = set()
    while True:
        height = state.height + 1
        apply_block(state, seed, height)
        pending = state.prepare_commit(height)
        batch = db.new_batch()
        batch.set(BLOCK_PREFIX + height.to_bytes(4, "big"), pending.state_root)
        state.commit(pending, batch)
        state.finalize(height)
        if height % 4 == 3 and height not in reverted:
            reverted.add(height)
            batch = db.new_batch()
            batch.delete(BLOCK_PREFIX + height.to_bytes(4, "big"))
            state.revert(height, batch)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
