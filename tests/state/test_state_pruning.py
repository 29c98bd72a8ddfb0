"""Pruning (bounded disk): random commits, values set back, deletes and reverts with a small
window; the live tree and every root in the window stay provable, nothing outside it is left."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.db import Database, InMemoryDatabase, LevelDB
from klayr_py.errors import NotFoundError, StateError
from klayr_py.state import PREFIX_DIFF, PREFIX_SMT, StateStore, _pruning, smt_key, smt_leaves
from klayr_py.state.keys import PREFIX_PAGE_WRITTEN, PREFIX_STALE_PAGES, SMT_KEY_LENGTH
from klayr_py.tree import SparseMerkleTree, is_inclusion_proof, sparse_merkle_root

STORE = b"\x00\x00\x00\x01"
SUB = b"\x00\x00"
# Enough keys for pages below the root page, few values: values come back, subtrees are rebuilt
# as they were, leaves move across page boundaries.
KEYS = [bytes([i]) for i in range(40)]
VALUES = [b"", b"a", b"b"]

_changes = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4)
_steps = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), _changes),
        st.tuples(st.just("revert"), st.integers(1, 3)),
        st.tuples(st.just("finalize"), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=30,
)


def _keys_in(db: Database, prefix: bytes) -> list[bytes]:
    return [key for key, _ in db.iterate(gte=prefix, lte=prefix + b"\xff" * 48)]


def _tree_pages(db: Database, root: bytes) -> set[bytes]:
    return set(SparseMerkleTree(_Pages(db), SMT_KEY_LENGTH).pages(root))


class _Pages:
    """The stored pages, read without the state store's cache."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: bytes) -> bytes | None:
        return self._db.get_or_none(PREFIX_SMT + key)

    def set(self, key: bytes, value: bytes) -> None:
        raise AssertionError("read only")


def _check_provable(store: StateStore, root: bytes, state: dict[bytes, bytes]) -> None:
    full = {STORE + SUB + key: value for key, value in state.items()}
    assert root == sparse_merkle_root(smt_leaves(full), SMT_KEY_LENGTH)
    queries = [smt_key(STORE + SUB + key) for key in KEYS]
    # Through a fresh store (no page cache): only what is on disk counts.
    proof = StateStore(store.db).prove(queries, root)
    tree = SparseMerkleTree(_Pages(store.db), SMT_KEY_LENGTH)
    assert tree.verify(root, queries, proof)
    for key, query in zip(KEYS, proof.queries, strict=True):
        assert is_inclusion_proof(smt_key(STORE + SUB + key), query) == bool(state.get(key))


def _check_bounded(store: StateStore, boundary: int) -> None:
    """Nothing of the heights at or below the boundary is left, and every stored page is the
    live tree's or listed as stale by a record still kept (to be pruned when it leaves)."""
    db = store.db
    heights = [int.from_bytes(key[1:5], "big") for key in _keys_in(db, PREFIX_STALE_PAGES)]
    assert all(height > boundary for height in heights)
    diffs = [int.from_bytes(key[1:5], "big") for key in _keys_in(db, PREFIX_DIFF)]
    assert all(height > boundary for height in diffs)
    listed: set[bytes] = set()
    for _, hashes in db.iterate(gte=PREFIX_STALE_PAGES, lte=PREFIX_STALE_PAGES + b"\xff" * 13):
        listed.update(hashes[i : i + 32] for i in range(0, len(hashes), 32))
    stored = {key[1:] for key in _keys_in(db, PREFIX_SMT)}
    assert stored <= _tree_pages(db, store.state_root) | listed
    stamped = {key[1:] for key in _keys_in(db, PREFIX_PAGE_WRITTEN)}
    assert stamped == stored  # a stamp goes with its page


@pytest.mark.parametrize(("keep", "recent"), [(0, 64), (1, 64), (3, 64), (3, 1)])
@settings(max_examples=60, deadline=None)
@given(steps=_steps)
def test_pruning_keeps_the_window_provable_and_nothing_else(
    keep: int, recent: int, steps: list[tuple[str, object]]
) -> None:
    """``recent``: operations whose writes are remembered in memory (1: most stamps are read
    from the database instead)."""
    db = InMemoryDatabase()
    store = StateStore(db, keep_heights=keep, page_cache_size=1 << 16)
    sub = store.get_store(STORE, SUB)
    state = {key: b"a" for key in KEYS[::2]}
    for key, value in state.items():
        sub.set(key, value)
    store.commit(store.prepare_commit(0))
    chain = [(store.state_root, dict(state))]  # (root, state) per height
    pruned = -1  # the highest boundary a commit pruned at
    with (
        mock.patch.object(_pruning, "PRUNE_HEIGHTS_PER_COMMIT", 10**6),
        mock.patch.object(_pruning, "RECENT_OPERATIONS", recent),
    ):
        for kind, arg in steps:
            if kind == "commit":
                assert isinstance(arg, dict)
                for key, value in arg.items():
                    sub.set(key, value) if value else sub.delete(key)
                    state = {k: v for k, v in {**state, key: value}.items() if v}
                pruned = max(pruned, store.prune_boundary)
                store.commit(store.prepare_commit(store.height + 1))
                chain.append((store.state_root, dict(state)))
                store.finalize(store.height)  # a single validator: every commit is final
                _check_bounded(store, pruned)
            elif kind == "revert":
                assert isinstance(arg, int)
                for _ in range(arg):
                    if store.height <= 0:
                        break
                    if store.height <= pruned:  # its diff is gone
                        with pytest.raises(StateError, match="cannot be reverted"):
                            store.revert(store.height)
                        break
                    store.revert(store.height)
                    chain.pop()
                    state = dict(chain[-1][1])
            else:  # BFT-style finality lagging behind the committed height
                assert isinstance(arg, int)
                store.finalize(store.height - arg)
            if not chain:
                continue
            assert store.state_root == chain[-1][0]
            _check_provable(store, store.state_root, state)
            for height in range(max(pruned, 0), len(chain)):
                _check_provable(store, *chain[height])


def test_pages_a_revert_brings_back_survive_the_pruning_of_the_reverted_block() -> None:
    """Block 1 made pages stale and was reverted: those pages are live again. When height 1
    leaves the window, its record must not delete them (the revert stamped them anew)."""
    db = InMemoryDatabase()
    store = StateStore(db, keep_heights=1)
    sub = store.get_store(STORE, SUB)
    state = {key: b"a" for key in KEYS}
    for key in KEYS:
        sub.set(key, b"a")
    store.commit(store.prepare_commit(0))
    store.finalize(0)
    sub.set(KEYS[1], b"b")
    store.commit(store.prepare_commit(1))
    store.finalize(1)
    store.revert(1)
    for height in range(1, 6):
        sub.set(KEYS[20 + height], b"c")
        state[KEYS[20 + height]] = b"c"
        store.commit(store.prepare_commit(height))
        store.finalize(height)
        _check_provable(store, store.state_root, state)


def test_without_finality_nothing_is_pruned() -> None:
    db = InMemoryDatabase()
    store = StateStore(db, keep_heights=0)
    sub = store.get_store(STORE, SUB)
    roots = []
    for height in range(6):
        sub.set(b"k", bytes([height + 1]))
        store.commit(store.prepare_commit(height))
        roots.append(store.state_root)
    assert store.prune_boundary == -1
    assert len(_keys_in(db, PREFIX_DIFF)) == 6
    for root in roots:
        store.prove([smt_key(STORE + SUB + b"k")], root)


def test_pruned_roots_are_gone_and_revert_stops_at_the_boundary() -> None:
    db = InMemoryDatabase()
    store = StateStore(db, keep_heights=2)
    sub = store.get_store(STORE, SUB)
    roots = []
    for height in range(8):
        for i in range(20):
            sub.set(bytes([i]), bytes([height + 1]))
        store.commit(store.prepare_commit(height))
        store.finalize(height)
        roots.append(store.state_root)
    query = [smt_key(STORE + SUB + b"\x00")]
    # Pruned by commit 7, with boundary min(6, 6) - 2 = 4: roots 4..7 stay.
    for root in roots[4:]:
        StateStore(db).prove(query, root)
    with pytest.raises(NotFoundError):
        StateStore(db).prove(query, roots[2])
    assert [int.from_bytes(k[1:5], "big") for k in _keys_in(db, PREFIX_DIFF)] == [5, 6, 7]
    for height in (7, 6, 5):
        store.revert(height)
    assert store.state_root == roots[4]
    with pytest.raises(StateError, match="no diff stored for block 4"):
        store.revert(4)


def test_a_late_finality_is_caught_up_a_few_heights_per_commit() -> None:
    db = InMemoryDatabase()
    store = StateStore(db, keep_heights=0)
    sub = store.get_store(STORE, SUB)
    for height in range(12):
        sub.set(b"k", bytes([height + 1]))
        store.commit(store.prepare_commit(height))
    store.finalize(11)
    sub.set(b"k", b"last")
    store.commit(store.prepare_commit(12))
    heights = {int.from_bytes(k[1:5], "big") for k in _keys_in(db, PREFIX_STALE_PAGES)}
    assert min(heights) == _pruning.PRUNE_HEIGHTS_PER_COMMIT + 1  # 1..4 pruned (0 made none)
    for height in range(13, 16):
        store.finalize(height - 1)
        sub.set(b"k", bytes([height]))
        store.commit(store.prepare_commit(height))
    assert {int.from_bytes(k[1:5], "big") for k in _keys_in(db, PREFIX_STALE_PAGES)} == {15}


def test_a_store_written_before_pruning_keeps_working(tmp_path: Path) -> None:
    """Old data: no stamps, no records, diffs of every block. They are pruned a few per commit;
    pages made stale before pruning existed stay (docs/state.md)."""
    db = LevelDB(tmp_path)
    store = StateStore(db)
    sub = store.get_store(STORE, SUB)
    for height in range(40):
        sub.set(bytes([height % 5]), bytes([height + 1]))
        store.commit(store.prepare_commit(height))
    for prefix in (PREFIX_STALE_PAGES, PREFIX_PAGE_WRITTEN):  # as an old version left it
        batch = db.new_batch()
        for key in _keys_in(db, prefix):
            batch.delete(key)
        db.write(batch)
    batch = db.new_batch()
    batch.delete(b"\x50")
    db.write(batch)
    state = {bytes([h % 5]): bytes([h + 1]) for h in range(40)}
    store = StateStore(db, keep_heights=1)
    sub = store.get_store(STORE, SUB)
    for height in range(40, 45):
        store.finalize(height - 1)
        sub.set(b"\x09", bytes([height]))
        state[b"\x09"] = bytes([height])
        store.commit(store.prepare_commit(height))
        _check_provable(store, store.state_root, state)
    # Commit h prunes below min(h - 1, h - 1) - 1, 16 diffs at most: 0-15, 16-31, 32-40, 41, 42.
    assert [int.from_bytes(k[1:5], "big") for k in _keys_in(db, PREFIX_DIFF)] == [43, 44]
    db.close()


def test_keep_heights_is_checked() -> None:
    with pytest.raises(StateError, match="keep_heights must be -1"):
        StateStore(InMemoryDatabase(), keep_heights=-2)
