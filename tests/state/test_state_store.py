"""StateStore: module stores over the block cache, snapshots, commit, revert, roots, key layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from klayr_py.db import Database, InMemoryDatabase, LevelDB, WriteBatch
from klayr_py.errors import KlayrError, NotFoundError, StateError, StateWriteError
from klayr_py.state import (
    KEY_STATE_SEQUENCE,
    PREFIX_DIFF,
    PREFIX_PAGE_WRITTEN,
    PREFIX_SMT,
    PREFIX_STALE_PAGES,
    PREFIX_STATE,
    PREFIX_STATE_MARKER,
    STATE_DIFF_SCHEMA,
    StateDiff,
    StateStore,
    smt_key,
    smt_leaves,
    smt_value,
)
from klayr_py.tree import EMPTY_HASH, sparse_merkle_root

STORE = b"\x00\x00\x00\x01"
SUB = b"\x00\x00"
OTHER_SUB = b"\x00\x01"
P = STORE + SUB  # state-key prefix of the main test store


@pytest.fixture(params=["memory", "leveldb"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database: Database = InMemoryDatabase() if request.param == "memory" else LevelDB(tmp_path)
    yield database
    database.close()


def _root(state: dict[bytes, bytes]) -> bytes:
    return sparse_merkle_root(smt_leaves(state), 38)


def _stored_state(db: Database) -> dict[bytes, bytes]:
    return {k[1:]: v for k, v in db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 64)}


def test_fresh_store_is_before_genesis(db: Database) -> None:
    store = StateStore(db)
    assert store.height == -1
    assert store.state_root == EMPTY_HASH
    assert not store.has_changes


def test_sub_store_get_set_delete(db: Database) -> None:
    store = StateStore(db).get_store(STORE, SUB)
    assert not store.has(b"k")
    store.set(b"k", b"v")
    assert store.get(b"k") == b"v"
    assert store.has(b"k")
    store.set(b"k", bytearray(b"w"))  # type: ignore[arg-type]
    assert store.get(b"k") == b"w"
    store.delete(b"k")
    assert not store.has(b"k")
    store.delete(b"never-there")


def test_get_missing_names_key_and_store(db: Database) -> None:
    store = StateStore(db).get_store(STORE, SUB)
    with pytest.raises(NotFoundError, match=r"abcd.*00000001:0000"):
        store.get(b"\xab\xcd")


def test_prefix_lengths_are_checked(db: Database) -> None:
    state = StateStore(db)
    with pytest.raises(ValueError, match="store_prefix"):
        state.get_store(b"\x00" * 3, SUB)
    with pytest.raises(ValueError, match="sub_store_prefix"):
        state.get_store(STORE, b"\x00")


def test_stores_are_isolated(db: Database) -> None:
    state = StateStore(db)
    first, second = state.get_store(STORE, SUB), state.get_store(STORE, OTHER_SUB)
    first.set(b"", b"empty key")
    first.set(b"\xff\xff", b"a")
    second.set(b"", b"b")
    second.set(b"\x00", b"c")
    state.commit(state.prepare_commit(0))
    first.set(b"\x01", b"d")
    assert first.iterate() == [(b"", b"empty key"), (b"\x01", b"d"), (b"\xff\xff", b"a")]
    assert second.iterate(reverse=True) == [(b"\x00", b"c"), (b"", b"b")]
    top = state.get_store(b"\xff" * 4, b"\xff\xff")
    top.set(b"\xff", b"top")
    assert top.iterate() == [(b"\xff", b"top")]
    assert top.iterate(lte=b"\xff") == [(b"\xff", b"top")]


def test_iterate_merges_cache_and_committed_data(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    for key in (b"a", b"c", b"e", b"g"):
        store.set(key, key.upper())
    state.commit(state.prepare_commit(0))
    store.set(b"b", b"B")  # new, between committed keys
    store.set(b"e", b"E2")  # updated
    store.delete(b"c")  # deleted
    store.set(b"h", b"H")
    assert store.iterate() == [
        (b"a", b"A"),
        (b"b", b"B"),
        (b"e", b"E2"),
        (b"g", b"G"),
        (b"h", b"H"),
    ]
    assert store.iterate(gte=b"b", lte=b"g") == [(b"b", b"B"), (b"e", b"E2"), (b"g", b"G")]
    assert store.iterate(gte=b"b", lte=b"g", reverse=True, limit=2) == [(b"g", b"G"), (b"e", b"E2")]
    assert store.iterate(gte=b"c", lte=b"d") == []
    assert store.iterate(gte=b"z") == []
    assert store.iterate(limit=0) == []
    assert store.iterate(limit=1, reverse=True) == [(b"h", b"H")]
    with pytest.raises(ValueError, match="limit"):
        store.iterate(limit=-1)


def test_read_only_view_reads_the_block_and_refuses_writes(db: Database) -> None:
    state = StateStore(db)
    state.get_store(STORE, SUB).set(b"k", b"v")
    view = state.read_only()
    assert view.read_only() is view
    store = view.get_store(STORE, SUB)
    assert store.get(b"k") == b"v"
    assert store.iterate() == [(b"k", b"v")]
    with pytest.raises(StateWriteError, match=r"read-only state: cannot set key 6b in store"):
        store.set(b"k", b"x")
    with pytest.raises(StateWriteError, match="cannot delete key 6b"):
        store.delete(b"k")
    assert isinstance(StateWriteError("x"), KlayrError)
    assert store.get(b"k") == b"v"


def test_snapshots_nest_and_restoring_closes_newer_ones(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"a", b"1")
    outer = state.create_snapshot()
    store.set(b"a", b"2")
    store.set(b"b", b"2")
    inner = state.create_snapshot()
    store.delete(b"a")
    store.set(b"c", b"3")
    state.restore_snapshot(inner)
    assert store.iterate() == [(b"a", b"2"), (b"b", b"2")]
    with pytest.raises(StateError, match=f"snapshot {inner}"):
        state.restore_snapshot(inner)
    newer = state.create_snapshot()
    store.set(b"d", b"4")
    state.restore_snapshot(outer)
    assert store.iterate() == [(b"a", b"1")]
    with pytest.raises(StateError):
        state.restore_snapshot(newer)
    with pytest.raises(StateError):
        state.restore_snapshot(12345)


def test_commit_and_discard_close_snapshots(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    snapshot = state.create_snapshot()
    store.set(b"a", b"1")
    state.commit(state.prepare_commit(0))
    with pytest.raises(StateError):
        state.restore_snapshot(snapshot)
    snapshot = state.create_snapshot()
    store.set(b"b", b"1")
    state.discard()
    assert store.iterate() == [(b"a", b"1")]
    assert not state.has_changes
    with pytest.raises(StateError):
        state.restore_snapshot(snapshot)


def test_commit_writes_state_tree_diff_and_marker(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"a", b"1")
    store.set(b"b", b"2")
    pending = state.prepare_commit(0)
    assert pending.state_root == _root({P + b"a": b"1", P + b"b": b"2"})
    assert state.state_root == EMPTY_HASH  # nothing written yet
    assert db.get_or_none(PREFIX_STATE + P + b"a") is None
    state.commit(pending)
    assert (state.height, state.state_root) == (0, pending.state_root)
    assert db.get(PREFIX_STATE_MARKER) == b"\x00\x00\x00\x00" + pending.state_root
    assert StateDiff.decode(db.get(PREFIX_DIFF + b"\x00\x00\x00\x00")) == StateDiff(
        created=[P + b"a", P + b"b"]
    )
    assert db.has(PREFIX_SMT + pending.state_root)
    assert _stored_state(db) == {P + b"a": b"1", P + b"b": b"2"}

    store.set(b"a", b"1")  # same value: no change
    store.set(b"b", b"3")
    store.delete(b"a")
    store.set(b"c", b"4")
    store.delete(b"zz")  # absent: no change
    pending = state.prepare_commit(1)
    assert pending.diff == StateDiff(
        updated=[(P + b"b", b"2")], created=[P + b"c"], deleted=[(P + b"a", b"1")]
    )
    state.commit(pending)
    assert state.state_root == _root({P + b"b": b"3", P + b"c": b"4"})
    assert _stored_state(db) == {P + b"b": b"3", P + b"c": b"4"}


def test_every_key_is_under_a_known_prefix(db: Database) -> None:
    state = StateStore(db)
    state.get_store(STORE, SUB).set(b"a", b"1")
    state.commit(state.prepare_commit(7))
    state.get_store(STORE, SUB).set(b"a", b"2")
    state.commit(state.prepare_commit(8))
    known = {
        PREFIX_STATE,
        PREFIX_SMT,
        PREFIX_DIFF,
        PREFIX_STATE_MARKER,
        PREFIX_STALE_PAGES,
        PREFIX_PAGE_WRITTEN,
        KEY_STATE_SEQUENCE,
    }
    assert {key[:1] for key, _ in db.iterate()} == known
    assert len(known) == 7


def test_heights_must_follow_each_other(db: Database) -> None:
    state = StateStore(db)
    with pytest.raises(StateError, match=r"0\.\.4294967295"):
        state.prepare_commit(-1)
    state.commit(state.prepare_commit(5))  # the first block may have any height
    with pytest.raises(StateError, match="last committed block is 5"):
        state.prepare_commit(5)
    with pytest.raises(StateError):
        state.prepare_commit(7)
    state.commit(state.prepare_commit(6))
    assert state.height == 6


def test_stale_pending_commit_is_refused(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"a", b"1")
    pending = state.prepare_commit(0)
    store.set(b"b", b"2")
    with pytest.raises(StateError, match="stale"):
        state.commit(pending)
    pending = state.prepare_commit(0)
    state.commit(pending)
    with pytest.raises(StateError, match="stale"):
        state.commit(pending)  # twice


def test_commit_shares_the_callers_batch(db: Database) -> None:
    state = StateStore(db)
    state.get_store(STORE, SUB).set(b"a", b"1")
    pending = state.prepare_commit(0)
    batch = db.new_batch()
    batch.set(b"\x03block", b"the block")
    state.commit(pending, batch)
    assert db.get(b"\x03block") == b"the block"
    assert state.height == 0


class _FailingWrites(InMemoryDatabase):
    fail = True

    def write(self, batch: WriteBatch, sync: bool = True) -> None:
        if self.fail:
            raise OSError("disk full")
        super().write(batch, sync)


def test_failed_write_changes_nothing_and_can_be_retried() -> None:
    db = _FailingWrites()
    state = StateStore(db)
    state.get_store(STORE, SUB).set(b"a", b"1")
    pending = state.prepare_commit(0)
    with pytest.raises(OSError):
        state.commit(pending)
    assert (state.height, state.state_root) == (-1, EMPTY_HASH)
    assert state.get_store(STORE, SUB).get(b"a") == b"1"
    db.fail = False
    state.commit(pending)
    assert state.height == 0
    assert StateStore(db).state_root == pending.state_root


def test_empty_values_are_state_but_not_leaves(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"empty", b"")
    store.set(b"full", b"x")
    state.commit(state.prepare_commit(0))
    assert store.get(b"empty") == b""
    assert state.state_root == sparse_merkle_root({smt_key(P + b"full"): smt_value(b"x")}, 38)
    assert smt_value(b"") == b""


def test_revert_restores_state_root_and_marker(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"a", b"1")
    store.set(b"b", b"2")
    state.commit(state.prepare_commit(0))
    root0 = state.state_root
    store.set(b"a", b"9")
    store.delete(b"b")
    store.set(b"c", b"3")
    state.commit(state.prepare_commit(1))
    assert state.revert(1) == root0
    assert (state.height, state.state_root) == (0, root0)
    assert _stored_state(db) == {P + b"a": b"1", P + b"b": b"2"}
    assert not db.has(PREFIX_DIFF + b"\x00\x00\x00\x01")
    assert StateStore(db).state_root == root0
    assert state.revert(0) == EMPTY_HASH
    assert (state.height, state.state_root) == (-1, EMPTY_HASH)
    assert not db.has(PREFIX_STATE_MARKER)
    assert _stored_state(db) == {}


def test_revert_is_checked(db: Database) -> None:
    state = StateStore(db)
    with pytest.raises(StateError, match="last committed block -1"):
        state.revert(0)
    state.get_store(STORE, SUB).set(b"a", b"1")
    state.commit(state.prepare_commit(3))
    with pytest.raises(StateError):
        state.revert(2)
    state.get_store(STORE, SUB).set(b"b", b"1")
    with pytest.raises(StateError, match="uncommitted"):
        state.revert(3)
    state.discard()
    db.delete(PREFIX_DIFF + (3).to_bytes(4, "big"))
    with pytest.raises(StateError, match="no diff stored for block 3"):
        state.revert(3)


def test_revert_of_a_first_block_above_zero_keeps_a_marker(db: Database) -> None:
    state = StateStore(db)
    state.get_store(STORE, SUB).set(b"a", b"1")
    state.commit(state.prepare_commit(10))
    batch = db.new_batch()
    batch.delete(b"\x03block10")
    pending = state.prepare_revert(10)
    assert (pending.height, pending.state_root, pending.is_revert) == (9, EMPTY_HASH, True)
    state.commit(pending, batch)
    assert (state.height, state.state_root) == (9, EMPTY_HASH)
    state.commit(state.prepare_commit(10))


def test_reopen_reads_the_marker(tmp_path: Path) -> None:
    with LevelDB(tmp_path) as db:
        state = StateStore(db)
        state.get_store(STORE, SUB).set(b"a", b"1")
        state.commit(state.prepare_commit(0))
        root = state.state_root
    with LevelDB(tmp_path) as db:
        state = StateStore(db)
        assert (state.height, state.state_root) == (0, root)
        assert state.get_store(STORE, SUB).get(b"a") == b"1"
        db.set(PREFIX_STATE_MARKER, b"short")
        with pytest.raises(StateError, match="marker"):
            StateStore(db)


def test_old_roots_stay_provable(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    store.set(b"a", b"1")
    state.commit(state.prepare_commit(0))
    root0 = state.state_root
    store.set(b"a", b"2")
    state.commit(state.prepare_commit(1))
    key = smt_key(P + b"a")
    proof = state.prove([key], root0)
    assert proof.queries[0].value == smt_value(b"1")
    assert state.prove([key]).queries[0].value == smt_value(b"2")


def test_page_cache_is_bounded_and_used(db: Database) -> None:
    state = StateStore(db, page_cache_size=20_000)
    store = state.get_store(STORE, SUB)
    for height in range(5):
        for i in range(200):
            store.set(i.to_bytes(2, "big"), bytes([height]))
        state.commit(state.prepare_commit(height))
    assert 0 < state.page_cache.size <= 20_000
    assert state.page_cache.hits > 0
    assert StateStore(db, page_cache_size=0).state_root == state.state_root


def test_warm_page_cache_reads_the_top_levels_first(db: Database) -> None:
    state = StateStore(db)
    store = state.get_store(STORE, SUB)
    for i in range(3000):
        store.set(i.to_bytes(4, "big"), b"v")
    state.commit(state.prepare_commit(0))
    root = state.state_root

    cold = StateStore(db)
    assert len(cold.page_cache) == 0
    everything = cold.warm_page_cache()
    assert everything == len(cold.page_cache) > 3000 // 15
    assert cold.warm_page_cache() == everything  # all hits now: nothing more to read

    assert StateStore(db, page_cache_size=0).warm_page_cache() == 0  # nothing to keep them in
    few = StateStore(db)
    assert few.warm_page_cache(max_pages=0) == 0 == len(few.page_cache)
    assert few.warm_page_cache(max_pages=3) == 3 == len(few.page_cache)
    assert few.page_cache.get(root) is not None  # the root page comes first

    small = StateStore(db, page_cache_size=10_000)
    read = small.warm_page_cache()
    assert 0 < read < everything
    assert read == len(small.page_cache)  # it stopped before the cache evicted anything
    assert small.page_cache.get(root) is not None


def test_diff_encoding_is_klayrs_schema() -> None:
    from klayr_py import codec

    diff = StateDiff(updated=[(b"k1", b"old")], created=[b"k2"], deleted=[(b"k3", b"gone")])
    assert diff.encode() == codec.encode(
        STATE_DIFF_SCHEMA,
        {
            "updated": [{"key": b"k1", "value": b"old"}],
            "created": [b"k2"],
            "deleted": [{"key": b"k3", "value": b"gone"}],
        },
    )
    assert StateDiff.decode(diff.encode()) == diff
    assert StateDiff().encode() == b""
    assert len(diff) == 3
    assert diff.inverse() == {b"k1": b"old", b"k2": None, b"k3": b"gone"}


def test_a_leaf_lifted_to_the_root_is_stored(db: Database) -> None:
    """Deleting all keys but one lifts the last leaf to the root without creating a node; its
    page must still be written, or the next update or revert cannot read the root."""
    state = StateStore(db, page_cache_size=0)
    state.get_store(STORE, SUB).set(b"", b"\x00")
    state.get_store(b"\x7f\xff\xff\xff", b"\xff\xff").set(b"", b"\x00")
    state.commit(state.prepare_commit(0))
    root0 = state.state_root
    state.get_store(STORE, SUB).delete(b"")
    state.commit(state.prepare_commit(1))
    assert db.has(PREFIX_SMT + state.state_root)
    assert state.revert(1) == root0
