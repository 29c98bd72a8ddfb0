"""OffchainStore: module-store views and snapshots, committed without tree, diff or marker."""

from __future__ import annotations

from pathlib import Path

import pytest

from klayr_py.db import InMemoryDatabase, LevelDB
from klayr_py.errors import StateWriteError
from klayr_py.state import PREFIX_STATE, OffchainStore

STORE, SUB = b"\x00\x00\x00\x03", b"\x00\x07"


def test_commit_writes_only_the_changed_entries_with_the_callers_batch() -> None:
    db = InMemoryDatabase()
    offchain = OffchainStore(db)
    store = offchain.get_store(STORE, SUB)
    store.set(b"a", b"1")
    store.set(b"b", b"2")
    batch = db.new_batch()
    batch.set(b"\x01other", b"x")
    offchain.commit(batch)
    assert dict(db.iterate()) == {
        PREFIX_STATE + STORE + SUB + b"a": b"1",
        PREFIX_STATE + STORE + SUB + b"b": b"2",
        b"\x01other": b"x",
    }
    assert not offchain.has_changes
    store.delete(b"a")
    store.set(b"b", b"2")  # unchanged: not written again
    offchain.commit()
    assert store.iterate() == [(b"b", b"2")]
    assert not db.has(PREFIX_STATE + STORE + SUB + b"a")


def test_snapshots_discard_and_read_only_view() -> None:
    offchain = OffchainStore(InMemoryDatabase())
    store = offchain.get_store(STORE, SUB)
    store.set(b"a", b"1")
    snapshot = offchain.create_snapshot()
    store.set(b"a", b"2")
    offchain.restore_snapshot(snapshot)
    assert store.get(b"a") == b"1"
    with pytest.raises(StateWriteError):
        offchain.read_only().get_store(STORE, SUB).set(b"a", b"3")
    offchain.discard()
    assert not store.has(b"a")


def test_persists_across_reopen(tmp_path: Path) -> None:
    with LevelDB(tmp_path) as db:
        offchain = OffchainStore(db)
        offchain.get_store(STORE, SUB).set(b"k", b"v")
        offchain.commit()
    with LevelDB(tmp_path) as db:
        assert OffchainStore(db).get_store(STORE, SUB).get(b"k") == b"v"
