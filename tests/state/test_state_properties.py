"""Properties of the state store against a dict model: hypothesis rules and invariants.

The model is the definition: the state is a dict, and the state root is the sparse Merkle root of
its transformed leaves (``smt_leaves``). The store must agree after any sequence of writes,
snapshots, restores, commits, reverts, discards and reopenings.
"""

from __future__ import annotations

import shutil
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from klayr_py.db import Database, InMemoryDatabase, LevelDB
from klayr_py.errors import StateError
from klayr_py.state import PREFIX_STATE, StateStore, smt_leaves
from klayr_py.tree import EMPTY_HASH, sparse_merkle_root

# Adjacent sub-stores and edge keys, so that iteration has to respect store boundaries.
STORES = [
    (b"\x00\x00\x00\x01", b"\x00\x00"),
    (b"\x00\x00\x00\x01", b"\x00\x01"),
    (b"\x7f\xff\xff\xff", b"\xff\xff"),
]
KEYS = [b"", b"\x00", b"\x01", b"a", b"ab", b"b", b"\xff", b"\xff\xff"]

stores = st.sampled_from(STORES)
keys = st.sampled_from(KEYS)
values = st.binary(max_size=3)
bounds = st.none() | keys

Model = dict[bytes, bytes]


def root_of(state: Model) -> bytes:
    """The state root by definition."""
    return sparse_merkle_root(smt_leaves(state), 38)


def stored_state(db: Database) -> Model:
    return {k[1:]: v for k, v in db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 16)}


def model_iterate(
    model: Model,
    prefix: bytes,
    gte: bytes | None,
    lte: bytes | None,
    limit: int | None,
    reverse: bool,
) -> list[tuple[bytes, bytes]]:
    pairs = sorted(
        (key[len(prefix) :], value)
        for key, value in model.items()
        if key.startswith(prefix)
        and (gte is None or key[len(prefix) :] >= gte)
        and (lte is None or key[len(prefix) :] <= lte)
    )
    if reverse:
        pairs.reverse()
    return pairs if limit is None else pairs[:limit]


class StateStoreMachine(RuleBasedStateMachine):
    """Random operations on a StateStore, mirrored on dicts."""

    on_disk = False

    def __init__(self) -> None:
        super().__init__()
        self.path = tempfile.mkdtemp(prefix="klayr-state-") if self.on_disk else ""
        self.memory = InMemoryDatabase()
        self.db = self._open()
        self.state = StateStore(self.db, page_cache_size=4096)
        self.current: Model = {}
        self.committed: Model = {}
        self.history: list[tuple[Model, bytes]] = []  # (state, root) before each commit
        self.root = EMPTY_HASH
        self.height = -1
        self.snapshots: list[tuple[int, Model]] = []
        self.closed_snapshots: list[int] = []

    def _open(self) -> Database:
        return LevelDB(self.path) if self.on_disk else self.memory

    def teardown(self) -> None:
        self.db.close()
        if self.path:
            shutil.rmtree(self.path, ignore_errors=True)

    @initialize(first_height=st.sampled_from([0, 1, 1000]))
    def first_block(self, first_height: int) -> None:
        self.first_height = first_height

    @rule(store=stores, key=keys, value=values)
    def set(self, store: tuple[bytes, bytes], key: bytes, value: bytes) -> None:
        self.state.get_store(*store).set(key, value)
        self.current[store[0] + store[1] + key] = value

    @rule(store=stores, key=keys)
    def delete(self, store: tuple[bytes, bytes], key: bytes) -> None:
        self.state.get_store(*store).delete(key)
        self.current.pop(store[0] + store[1] + key, None)

    @rule(store=stores, key=keys)
    def get(self, store: tuple[bytes, bytes], key: bytes) -> None:
        sub_store = self.state.read_only().get_store(*store)
        expected = self.current.get(store[0] + store[1] + key)
        assert sub_store.has(key) == (expected is not None)
        if expected is not None:
            assert sub_store.get(key) == expected

    @rule(
        store=stores,
        gte=bounds,
        lte=bounds,
        limit=st.none() | st.integers(0, 4),
        reverse=st.booleans(),
    )
    def iterate(
        self,
        store: tuple[bytes, bytes],
        gte: bytes | None,
        lte: bytes | None,
        limit: int | None,
        reverse: bool,
    ) -> None:
        got = self.state.get_store(*store).iterate(gte=gte, lte=lte, limit=limit, reverse=reverse)
        prefix = store[0] + store[1]
        assert got == model_iterate(self.current, prefix, gte, lte, limit, reverse)

    @rule()
    def snapshot(self) -> None:
        self.snapshots.append((self.state.create_snapshot(), dict(self.current)))

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.snapshots) - 1))
        snapshot_id, saved = self.snapshots[index]
        self.state.restore_snapshot(snapshot_id)
        self.current = dict(saved)
        self.closed_snapshots += [i for i, _ in self.snapshots[index:]]
        del self.snapshots[index:]

    @precondition(lambda self: self.closed_snapshots)
    @rule(data=st.data())
    def restore_closed_snapshot_fails(self, data: st.DataObject) -> None:
        snapshot_id = data.draw(st.sampled_from(self.closed_snapshots))
        try:
            self.state.restore_snapshot(snapshot_id)
        except StateError:
            return
        raise AssertionError(f"closed snapshot {snapshot_id} was restored")

    def _forget_snapshots(self) -> None:
        self.closed_snapshots += [i for i, _ in self.snapshots]
        self.snapshots = []

    @rule()
    def commit(self) -> None:
        height = self.first_height if self.height < 0 else self.height + 1
        pending = self.state.prepare_commit(height)
        assert pending.state_root == root_of(self.current)
        self.state.commit(pending)
        self.history.append((self.committed, self.root))
        self.committed = dict(self.current)
        self.root = pending.state_root
        self.height = height
        self._forget_snapshots()
        assert stored_state(self.db) == self.committed

    @precondition(lambda self: self.history)
    @rule()
    def revert(self) -> None:
        self.state.discard()
        previous_root = self.state.revert(self.height)
        self.committed, self.root = self.history.pop()
        assert previous_root == self.root
        self.current = dict(self.committed)
        self.height = self.height - 1 if self.history else -1
        if not self.history and self.first_height > 0:
            self.height = self.first_height - 1
        self._forget_snapshots()
        assert stored_state(self.db) == self.committed

    @rule()
    def discard(self) -> None:
        self.state.discard()
        self.current = dict(self.committed)
        self._forget_snapshots()

    @rule()
    def reopen(self) -> None:
        self.db.close()
        if not self.on_disk:
            self.memory._closed = False  # the in-memory "disk" survives closing
        self.db = self._open()
        self.state = StateStore(self.db, page_cache_size=4096)
        self.current = dict(self.committed)
        self.snapshots = []
        self.closed_snapshots = []  # a new store numbers its snapshots afresh

    @invariant()
    def marker_matches_model(self) -> None:
        assert self.state.height == self.height
        assert self.state.state_root == self.root == root_of(self.committed)


class TestStateStoreInMemory(StateStoreMachine.TestCase):  # type: ignore[name-defined]
    settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


class _OnDiskMachine(StateStoreMachine):
    on_disk = True


class TestStateStoreOnLevelDB(_OnDiskMachine.TestCase):  # type: ignore[name-defined]
    settings = settings(max_examples=25, stateful_step_count=40, deadline=None)


operations = st.lists(st.tuples(stores, keys, st.none() | values), max_size=30)


def _apply(state: StateStore, ops: list[tuple[tuple[bytes, bytes], bytes, bytes | None]]) -> None:
    for store, key, value in ops:
        if value is None:
            state.get_store(*store).delete(key)
        else:
            state.get_store(*store).set(key, value)


@settings(max_examples=100, deadline=None)
@given(ops=operations, split=st.integers(0, 30), data=st.data())
def test_root_does_not_depend_on_operation_order_or_blocks(
    ops: list[tuple[tuple[bytes, bytes], bytes, bytes | None]], split: int, data: st.DataObject
) -> None:
    final: Model = {}
    for store, key, value in ops:
        full_key = store[0] + store[1] + key
        if value is None:
            final.pop(full_key, None)
        else:
            final[full_key] = value
    # One block, operations in order.
    in_order = StateStore(InMemoryDatabase())
    _apply(in_order, ops)
    in_order.commit(in_order.prepare_commit(0))
    # Two blocks split anywhere.
    two_blocks = StateStore(InMemoryDatabase())
    _apply(two_blocks, ops[:split])
    two_blocks.commit(two_blocks.prepare_commit(0))
    _apply(two_blocks, ops[split:])
    two_blocks.commit(two_blocks.prepare_commit(1))
    # The final entries alone, in a random order.
    shuffled = StateStore(InMemoryDatabase())
    entries = data.draw(st.permutations(sorted(final.items())))
    store = shuffled.get_store(STORES[0][0], STORES[0][1])
    for full_key, value in entries:
        shuffled.get_store(full_key[:4], full_key[4:6]).set(full_key[6:], value)
    del store
    shuffled.commit(shuffled.prepare_commit(0))
    assert in_order.state_root == two_blocks.state_root == shuffled.state_root == root_of(final)


_TREE_AND_PRUNING = (b"\x4c", b"\x4e", b"\x4f", b"\x50")


@settings(max_examples=60, deadline=None)
@given(blocks=st.lists(operations, min_size=1, max_size=6))
def test_commits_then_reverts_in_reverse_order_restore_everything(
    blocks: list[list[tuple[tuple[bytes, bytes], bytes, bytes | None]]],
) -> None:
    db = InMemoryDatabase()
    state = StateStore(db)
    before: list[tuple[Model, bytes, dict[bytes, bytes]]] = []
    for height, ops in enumerate(blocks):
        before.append((stored_state(db), state.state_root, dict(db.iterate())))
        _apply(state, ops)
        state.commit(state.prepare_commit(height))
    for height in reversed(range(len(blocks))):
        expected_state, expected_root, whole_db = before[height]
        assert state.revert(height) == expected_root
        assert stored_state(db) == expected_state
        assert state.state_root == root_of(expected_state)
        # Besides tree pages (kept: immutable) and the pruning records (a revert is an operation
        # of its own: docs/state.md), the database is exactly as before the block.
        assert {k: v for k, v in db.iterate() if k[:1] not in _TREE_AND_PRUNING} == {
            k: v for k, v in whole_db.items() if k[:1] not in _TREE_AND_PRUNING
        }
    assert state.height == -1
