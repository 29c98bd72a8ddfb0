"""SparseMerkleRootBuilder: the same root as sparse_merkle_root, however the leaves arrive."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import TreeError
from klayr_py.tree import (
    EMPTY_HASH,
    SparseMerkleRootBuilder,
    root_builder,
    sparse_merkle_root,
    sparse_merkle_tree,
)

# Few group prefixes, some sharing many bits (groups hanging deep), and suffixes that often share
# all but their last bits (long chains inside a group).
PREFIXES = [
    bytes([0, 0, 0, 0]),
    bytes([0, 0, 0, 1]),
    bytes([0x80, 0, 0, 0]),
    bytes([0xFF] * 4),
    bytes([0x12, 0x34, 0x56, 0x78]),
    bytes([0x12, 0x34, 0x56, 0x79]),
]
SUFFIXES = st.one_of(
    st.binary(min_size=2, max_size=2),
    st.integers(0, 7).map(lambda i: i.to_bytes(2, "big")),
)
KEYS = st.builds(lambda prefix, suffix: prefix + suffix, st.sampled_from(PREFIXES), SUFFIXES)
VALUES = st.binary(min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(pairs=st.dictionaries(KEYS, VALUES, max_size=24), cuts=st.lists(st.integers(0, 24)))
def test_root_equals_sparse_merkle_root(pairs: dict[bytes, bytes], cuts: list[int]) -> None:
    items = list(pairs.items())
    builder = SparseMerkleRootBuilder(6, 4)
    start = 0
    for cut in sorted(cuts):
        builder.add(items[start:cut])
        if cut % 2:
            builder.prepare()  # groups hashed early, some hashed again when they grow
        start = max(start, cut)
    builder.add(items[start:])
    assert builder.root() == sparse_merkle_root(pairs, 6)


@pytest.mark.parametrize("group_length", [1, 3, 6])
def test_group_length_changes_only_the_work(group_length: int) -> None:
    pairs = {bytes([i, i * 7 % 256, 0, 0, 0, i % 3]): bytes([i + 1]) for i in range(40)}
    builder = SparseMerkleRootBuilder(6, group_length)
    builder.add(pairs.items())
    assert builder.root() == sparse_merkle_root(pairs, 6)


def test_empty_and_lone_leaf() -> None:
    builder = SparseMerkleRootBuilder(6, 4)
    assert builder.root() == EMPTY_HASH
    builder.add([(b"\x01" * 6, b"v")])
    assert builder.root() == sparse_merkle_root({b"\x01" * 6: b"v"}, 6)


def test_bad_input_is_refused() -> None:
    builder = SparseMerkleRootBuilder(6, 4)
    builder.add([(b"\x01" * 6, b"v")])
    with pytest.raises(TreeError, match="added twice"):
        builder.add([(b"\x01" * 6, b"w")])
    with pytest.raises(TreeError, match="has length 5"):
        builder.add([(b"\x01" * 5, b"w")])
    with pytest.raises(TreeError, match="empty value"):
        builder.add([(b"\x02" * 6, b"")])
    with pytest.raises(TreeError, match="group_length"):
        SparseMerkleRootBuilder(6, 7)


def test_a_group_in_every_batch_is_hashed_twice_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key prefix that every batch extends (an event topic such as a generator's address) is
    hashed when first prepared and once more by root(), not at every prepare()."""
    hashed: list[bytes] = []
    group_nodes = root_builder._group_nodes

    def counting(members: dict[bytes, bytes], key_length: int, top: int) -> root_builder._Group:
        hashed.append(next(iter(members))[:4])
        return group_nodes(members, key_length, top)

    monkeypatch.setattr(root_builder, "_group_nodes", counting)
    builder = SparseMerkleRootBuilder(6, 4)
    pairs = {}
    for batch in range(50):
        new = {b"hot!" + batch.to_bytes(2, "big"): b"v", bytes([batch]) * 6: b"w"}
        builder.add(new.items())
        builder.prepare()
        pairs.update(new)
    assert builder.root() == sparse_merkle_root(pairs, 6)
    assert hashed.count(b"hot!") == 2


def test_chains_cost_what_computing_the_root_at_once_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups prepared together are hashed only down from where they hang: the builder hashes as
    many chain nodes as sparse_merkle_root, not a chain from the root for every group (200
    groups hang about 9 levels down: that would be about 1,800 more)."""
    steps = 0

    def counting(function: Callable[[bytes, str], Any]) -> Callable[[bytes, str], Any]:
        def count(node: bytes, path: str) -> Any:
            nonlocal steps
            steps += len(path)
            return function(node, path)

        return count

    # Counted on the pure-Python kernels (the Rust twins do the same work, out of sight):
    # _py_sorted_root and _py_chain_nodes hash through sparse_merkle_tree._py_hash_chain.
    python_chain = sparse_merkle_tree._py_hash_chain
    monkeypatch.setattr(sparse_merkle_tree, "_py_hash_chain", counting(python_chain))
    monkeypatch.setattr(root_builder, "_hash_chain", counting(python_chain))
    for module in (sparse_merkle_tree, root_builder):
        monkeypatch.setattr(module, "_sorted_root", sparse_merkle_tree._py_sorted_root)
    monkeypatch.setattr(root_builder, "_chain_nodes", sparse_merkle_tree._py_chain_nodes)
    pairs = {}
    for group in range(200):
        prefix = hashlib.sha256(group.to_bytes(2, "big")).digest()[:4]
        pairs.update({prefix + b"\x00\x00": b"a", prefix + b"\x00\x01": b"b"})
    root = sparse_merkle_root(pairs, 6)
    at_once, steps = steps, 0
    builder = SparseMerkleRootBuilder(6, 4)
    builder.add(pairs.items())
    builder.prepare()
    assert builder.root() == root
    assert steps == at_once > 200 * 30  # each group's keys part at depth 47


def test_a_group_hung_deeper_later_uses_a_kept_node() -> None:
    """A group prepared among two others hangs at 2; a group added later sharing its first bit
    makes it hang at 3: its node one depth below where it was first hashed."""
    first = {bytes(4) + b"\x00\x00": b"a", bytes(4) + b"\x00\x01": b"b"}
    far = {b"\x80" + bytes(5): b"c"}
    near = {b"\x40" + bytes(5): b"d"}
    builder = SparseMerkleRootBuilder(6, 4)
    builder.add(first.items())
    builder.add(far.items())
    builder.prepare()
    builder.add(near.items())
    assert builder.root() == sparse_merkle_root({**first, **far, **near}, 6)


def test_a_group_that_ends_up_far_deeper_is_hashed_from_its_subtree() -> None:
    """A group prepared alone hangs at depth 0; a later group sharing 31 of its 32 bits makes
    it hang at 32, beyond the depths whose nodes were kept."""
    first = {bytes(4) + b"\x00\x00": b"a", bytes(4) + b"\x00\x01": b"b"}
    later = {bytes(3) + b"\x01" + b"\x00\x00": b"c", bytes(3) + b"\x01" + b"\x00\x01": b"d"}
    builder = SparseMerkleRootBuilder(6, 4)
    builder.add(first.items())
    builder.prepare()
    builder.add(later.items())
    assert builder.root() == sparse_merkle_root({**first, **later}, 6)
    assert root_builder._KEPT_DEPTHS < 32  # so the chain above 32 was hashed again
