"""The Rust root kernels against their Python twins, byte for byte (hypothesis), and fuzzed."""

from __future__ import annotations

import contextlib
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import TreeError
from klayr_py.tree import merkle_tree, root_builder, sparse_merkle_tree
from klayr_py.tree.root_builder import SparseMerkleRootBuilder
from tests._native import native_module

native = native_module()


@st.composite
def sorted_leaves(draw: st.DrawFn) -> tuple[int, list[bytes], list[bytes]]:
    """Sorted distinct keys sharing a drawn prefix (so long chains occur), non-empty values."""
    key_length = draw(st.sampled_from([1, 2, 5, 12, 32]))
    prefix = draw(st.binary(min_size=0, max_size=key_length - 1))
    suffixes = draw(
        st.lists(
            st.binary(min_size=key_length - len(prefix), max_size=key_length - len(prefix)),
            min_size=1,
            max_size=40,
            unique=True,
        )
    )
    keys = sorted(prefix + suffix for suffix in suffixes)
    values = [draw(st.binary(min_size=1, max_size=40)) for _ in keys]
    return key_length, keys, values


@settings(max_examples=300, deadline=None)
@given(sorted_leaves(), st.integers(min_value=0, max_value=8))
def test_sorted_root_matches_python(
    leaves: tuple[int, list[bytes], list[bytes]], depth: int
) -> None:
    key_length, keys, values = leaves
    expected = sparse_merkle_tree._py_sorted_root(keys, values, key_length, depth)
    assert native.sorted_root(keys, values, key_length, depth) == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.text(alphabet="01", max_size=120) | st.text(max_size=20))
def test_chains_match_python(node: bytes, path: str) -> None:
    assert native.hash_chain(node, path) == sparse_merkle_tree._py_hash_chain(node, path)
    assert native.chain_nodes(node, path) == sparse_merkle_tree._py_chain_nodes(node, path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=70))
def test_merkle_root_matches_python(leaves: list[bytes]) -> None:
    assert native.merkle_root(leaves) == merkle_tree._py_merkle_root(leaves)


def _python_kernels(patch: pytest.MonkeyPatch) -> None:
    """Make the tree modules call the Python twins, as KLAYR_PY_NO_NATIVE=1 does at import."""
    for module in (sparse_merkle_tree, root_builder):
        patch.setattr(module, "_sorted_root", sparse_merkle_tree._py_sorted_root)
    patch.setattr(root_builder, "_hash_chain", sparse_merkle_tree._py_hash_chain)
    patch.setattr(root_builder, "_chain_nodes", sparse_merkle_tree._py_chain_nodes)
    patch.setattr(merkle_tree, "_merkle_root", merkle_tree._py_merkle_root)


def _public_outcomes(pairs: dict[bytes, bytes], key_length: int) -> list[bytes | str]:
    """sparse_merkle_root, the builder (fed in two batches) and merkle_root: roots or errors."""
    outcomes: list[bytes | str] = []
    try:
        outcomes.append(sparse_merkle_tree.sparse_merkle_root(pairs, key_length))
    except TreeError as error:
        outcomes.append(f"TreeError: {error}")
    try:
        builder = SparseMerkleRootBuilder(key_length, 1)
        items = sorted(pairs.items(), reverse=True)
        builder.add(items[: len(items) // 2])
        builder.prepare()
        builder.add(items[len(items) // 2 :])
        outcomes.append(builder.root())
    except TreeError as error:
        outcomes.append(f"TreeError: {error}")
    outcomes.append(merkle_tree.merkle_root(list(pairs)))
    return outcomes


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=0, max_size=4), st.binary(max_size=8), max_size=30),
    st.integers(min_value=1, max_value=4),
)
def test_public_roots_give_the_same_results_and_errors(
    pairs: dict[bytes, bytes], key_length: int
) -> None:
    """The public functions with either kernel: equal roots, or equal TreeErrors (keys of the
    wrong length, empty values)."""
    with_native = _public_outcomes(pairs, key_length)
    with pytest.MonkeyPatch.context() as patch:
        _python_kernels(patch)
        assert _public_outcomes(pairs, key_length) == with_native


@pytest.mark.parametrize(
    ("keys", "values", "key_length", "message"),
    [
        ([], [], 1, "at least one key"),
        ([b"\x01"], [], 1, "1 keys but 0 values"),
        ([b"\x01\x02"], [b"v"], 1, "key 0102 has length 2"),
        ([b"\x02", b"\x01"], [b"v", b"w"], 1, "key 01 is not after"),
        ([b"\x01", b"\x01"], [b"v", b"w"], 1, "key 01 is not after"),
    ],
)
def test_sorted_root_rejects_what_it_relies_on(
    keys: list[bytes], values: list[bytes], key_length: int, message: str
) -> None:
    with pytest.raises(TreeError, match=message):
        native.sorted_root(keys, values, key_length, 0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=12), max_size=8),
    st.lists(st.binary(max_size=12), max_size=8),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=400),
    st.text(max_size=50),
)
def test_random_input_never_crashes_the_interpreter(
    keys: list[bytes], values: list[bytes], key_length: int, depth: int, path: str
) -> None:
    """Random bytes into every root entry point: a result or a TreeError, never a crash."""
    with contextlib.suppress(TreeError):
        native.sorted_root(keys, values, key_length, depth)
    assert len(native.hash_chain(b"".join(keys), path)) in (32, len(b"".join(keys)))
    assert len(native.chain_nodes(b"".join(values), path)) == len(path) + 1
    assert len(native.merkle_root(keys + values)) == 32


def test_wrong_types_raise_type_errors() -> None:
    with pytest.raises(TypeError):
        native.sorted_root(["ab"], [b"v"], 2, 0)
    with pytest.raises(TypeError):
        native.merkle_root("abc")
    with pytest.raises(OverflowError):
        native.sorted_root([b"a"], [b"v"], 1, -1)


def test_a_known_root() -> None:
    """The empty tree and a one-leaf tree, computed by hand."""
    assert native.merkle_root([]) == hashlib.sha256(b"").digest()
    leaf = hashlib.sha256(b"LSK_SMTL_" + b"\x01" + b"v").digest()
    assert native.sorted_root([b"\x01"], [b"v"], 1, 0) == leaf
