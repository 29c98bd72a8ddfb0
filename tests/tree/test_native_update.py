"""The Rust sparse Merkle tree update against its Python twin: the same roots, the same pages
written in the same order, the same stale pages reported, the same proofs and the same errors
(hypothesis); fuzzed stores."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import NotFoundError, TreeError
from klayr_py.tree import EMPTY_HASH, InMemoryNodeStore, SparseMerkleTree, sparse_merkle_root
from klayr_py.tree import sparse_merkle_tree as smt
from tests._native import native_module

native = native_module()

_Apply = Callable[[InMemoryNodeStore, bytes, Mapping[bytes, bytes], int, int], bytes]


class _RecordingStore(InMemoryNodeStore):
    """An in-memory store that remembers every write, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[bytes, bytes]] = []

    def set(self, key: bytes, value: bytes) -> None:
        self.writes.append((key, value))
        super().set(key, value)


def _outcome(
    apply: _Apply,
    store: InMemoryNodeStore,
    root: bytes,
    changes: dict[bytes, bytes],
    key_length: int,
    page_height: int,
) -> bytes | str:
    try:
        return apply(store, root, changes, key_length, page_height)
    except (TreeError, NotFoundError) as error:
        return f"{type(error).__name__}: {error}"


@st.composite
def batches(draw: st.DrawFn) -> tuple[int, int, list[dict[bytes, bytes]]]:
    """A key length, a page height and update batches over a small key space (so keys meet,
    move, are replaced, set to the same value again and deleted, present or not)."""
    key_length = draw(st.sampled_from([1, 2, 3, 32]))
    page_height = draw(st.integers(min_value=1, max_value=5))
    if key_length == 32:
        key = st.binary(min_size=1, max_size=2).map(lambda k: k.ljust(32, b"\x07"))
    else:
        key = st.binary(min_size=key_length, max_size=key_length)
    value = st.sampled_from([b"", b"", b"a", b"b", b"\x00" * 40])
    batch = st.dictionaries(key, value, max_size=25)
    return key_length, page_height, draw(st.lists(batch, min_size=1, max_size=6))


@settings(max_examples=200, deadline=None)
@given(batches())
def test_updates_match_python(case: tuple[int, int, list[dict[bytes, bytes]]]) -> None:
    key_length, page_height, updates = case
    python_store, native_store = _RecordingStore(), _RecordingStore()
    python_root = native_root = EMPTY_HASH
    present: dict[bytes, bytes] = {}
    tree = SparseMerkleTree(python_store, key_length, page_height=page_height)
    for changes in updates:
        before = set(tree.pages(python_root))
        python_stale: list[bytes] = []
        native_stale: list[bytes] = []
        python_root = smt._py_apply_changes(
            python_store, python_root, changes, key_length, page_height, python_stale
        )
        native_root = native.apply_changes(
            native_store, native_root, changes, key_length, page_height, native_stale
        )
        assert native_root == python_root
        assert native_store.writes == python_store.writes
        assert native_stale == python_stale  # the same pages, in the same order
        assert set(python_stale) == before - set(tree.pages(python_root))
        present.update(changes)
        assert native_root == sparse_merkle_root(present, key_length)
    keys = sorted(present)[:4]
    if keys:
        proofs = [
            SparseMerkleTree(store, key_length, page_height=page_height).prove(native_root, keys)
            for store in (python_store, native_store)
        ]
        assert proofs[0] == proofs[1]


@settings(max_examples=120, deadline=None)
@given(batches(), st.data())
def test_missing_and_foreign_pages_give_the_same_errors(
    case: tuple[int, int, list[dict[bytes, bytes]]], data: st.DataObject
) -> None:
    """A store that lost a page, or holds another page under its hash: the same error."""
    key_length, page_height, updates = case
    store = InMemoryNodeStore()
    root = EMPTY_HASH
    for changes in updates[:-1]:
        root = smt._py_apply_changes(store, root, changes, key_length, page_height)
    pages = sorted(store._nodes)
    if not pages:
        return
    damaged = data.draw(st.sampled_from(pages))
    replacement = data.draw(st.sampled_from([None, *pages]))
    outcomes = []
    for apply in (smt._py_apply_changes, native.apply_changes):
        copy = InMemoryNodeStore()
        copy._nodes = dict(store._nodes)
        if replacement is None:
            del copy._nodes[damaged]
        else:
            copy._nodes[damaged] = store._nodes[replacement]
        outcomes.append(_outcome(apply, copy, root, updates[-1], key_length, page_height))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    ("changes", "key_length", "page_height", "message"),
    [
        ({b"\x01\x02": b"v"}, 1, 4, "key 0102 has length 2; this tree's keys have length 1"),
        ({b"\x02": b"v", b"\x01\x02\x03": b"w"}, 1, 4, "key 010203 has length 3"),
        ({b"\x01": b"v"}, 1, 0, "page_height must be at least 1"),
    ],
)
def test_bad_arguments_raise_tree_errors(
    changes: dict[bytes, bytes], key_length: int, page_height: int, message: str
) -> None:
    with pytest.raises(TreeError, match=message):
        native.apply_changes(InMemoryNodeStore(), EMPTY_HASH, changes, key_length, page_height)


def test_no_changes_give_the_root_back_unread() -> None:
    assert native.apply_changes(InMemoryNodeStore(), b"any root", {}, 1, 4) == b"any root"


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=1, max_size=2), st.binary(max_size=2), min_size=1),
    st.lists(st.binary(max_size=140), min_size=1, max_size=6),
    st.data(),
)
def test_random_pages_never_crash_the_interpreter(
    changes: dict[bytes, bytes], blobs: list[bytes], data: st.DataObject
) -> None:
    """A store of random pages (each under its own first 32 bytes, or under a child hash the
    walk will ask for): the update returns or raises TreeError/NotFoundError, never crashes."""
    store = InMemoryNodeStore()
    for blob in blobs:
        page = data.draw(st.sampled_from([blob, EMPTY_HASH[:1] + blob]))
        store.set(page[:32] if len(page) >= 32 else page, page)
    root = data.draw(st.sampled_from([*store._nodes, EMPTY_HASH]))
    key_length = len(next(iter(changes)))
    changes = {k: v for k, v in changes.items() if len(k) == key_length}
    with contextlib.suppress(TreeError, NotFoundError):
        native.apply_changes(store, root, changes, key_length, data.draw(st.integers(1, 4)))


def test_a_store_that_raises_passes_its_error_through() -> None:
    class Failing(InMemoryNodeStore):
        def get(self, key: bytes) -> bytes | None:
            raise OSError("disk gone")

    tree_store = InMemoryNodeStore()
    root = native.apply_changes(tree_store, EMPTY_HASH, {b"\x01": b"a", b"\x02": b"b"}, 1, 4)
    with pytest.raises(OSError, match="disk gone"):
        native.apply_changes(Failing(), root, {b"\x03": b"c"}, 1, 4)


@settings(max_examples=300, deadline=None)
@given(batches(), st.data())
def test_corrupted_pages_never_crash_the_interpreter(
    case: tuple[int, int, list[dict[bytes, bytes]]], data: st.DataObject
) -> None:
    """A real tree whose pages get random bytes overwritten, cut short or extended (their keys
    kept): the update returns or raises TreeError/NotFoundError, never crashes or hangs."""
    key_length, page_height, updates = case
    store = InMemoryNodeStore()
    root = EMPTY_HASH
    for changes in updates[:-1]:
        root = smt._py_apply_changes(store, root, changes, key_length, page_height)
    for key in sorted(store._nodes):
        page = bytearray(store._nodes[key])
        for _ in range(data.draw(st.integers(0, 3))):
            at = data.draw(st.integers(0, len(page) - 1))
            page[at] = data.draw(st.integers(0, 255))
        cut = data.draw(st.sampled_from([len(page), len(page), 32, 36, 37, 69, 100]))
        store._nodes[key] = bytes(page[:cut]) + data.draw(st.binary(max_size=3))
    with contextlib.suppress(TreeError, NotFoundError):
        native.apply_changes(store, root, updates[-1], key_length, page_height)
