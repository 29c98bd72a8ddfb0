"""Sparse Merkle tree (LIP 0039): lisk-db's vectors, the LIP's definition, and properties."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import NotFoundError, TreeError
from klayr_py.tree import (
    EMPTY_HASH,
    InMemoryNodeStore,
    QueryProof,
    SparseMerkleProof,
    SparseMerkleTree,
    calculate_root_from_proof,
    is_inclusion_proof,
    sparse_merkle_root,
    verify_inclusion_proof,
    verify_non_inclusion_proof,
    verify_sparse_merkle_proof,
)
from klayr_py.tree._smt_pages import PageReader
from klayr_py.tree.sparse_merkle_tree import LEAF_PREFIX

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "smt" / "lisk_db_smt.json").read_text()
)
LEAF = b"LSK_SMTL_"
BRANCH = b"LSK_SMTB_"


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _reference_root(pairs: dict[bytes, bytes], key_length: int = 32) -> bytes:
    """LIP 0039's root, computed straight from its definition (compact tree, no storage)."""

    def node(items: list[tuple[bytes, bytes]], depth: int) -> bytes:
        if not items:
            return EMPTY_HASH
        if len(items) == 1:
            return _sha(LEAF + items[0][0] + items[0][1])
        left = [kv for kv in items if not (kv[0][depth // 8] >> (7 - depth % 8)) & 1]
        right = [kv for kv in items if (kv[0][depth // 8] >> (7 - depth % 8)) & 1]
        return _sha(BRANCH + node(left, depth + 1) + node(right, depth + 1))

    return node(sorted((k, v) for k, v in pairs.items() if v), 0)


def _vector_changes(case: dict[str, Any]) -> dict[bytes, bytes]:
    changes = {
        bytes.fromhex(k): bytes.fromhex(v)
        for k, v in zip(case["keys"], case["values"], strict=True)
    }
    for key in case["deleteKeys"]:
        changes[bytes.fromhex(key)] = b""
    return changes


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['source']}-{len(case['keys'])}"


# --- lisk-db vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["roots"] + VECTORS["proofs"], ids=_case_id)
def test_vector_roots(case: dict[str, Any]) -> None:
    changes = _vector_changes(case)
    root = bytes.fromhex(case["root"])
    assert sparse_merkle_root(changes) == root
    assert SparseMerkleTree(InMemoryNodeStore()).update(EMPTY_HASH, changes) == root
    assert _reference_root(changes) == root


@pytest.mark.parametrize("case", VECTORS["proofs"], ids=_case_id)
def test_vector_proofs(case: dict[str, Any]) -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(EMPTY_HASH, _vector_changes(case))
    keys = [bytes.fromhex(k) for k in case["queryKeys"]]
    proof = tree.prove(root, keys)
    assert [h.hex() for h in proof.sibling_hashes] == case["siblingHashes"]
    if "queries" in case:
        assert proof.to_json()["queries"] == case["queries"]
    assert tree.verify(root, keys, proof)
    assert calculate_root_from_proof(proof) == root
    _assert_lisk_db_rejections(root, keys, proof)


def _assert_lisk_db_rejections(root: bytes, keys: list[bytes], proof: SparseMerkleProof) -> None:
    """The tamperings lisk-db's own tests reject."""

    def with_bitmaps(change: Any) -> SparseMerkleProof:
        return SparseMerkleProof(
            proof.sibling_hashes,
            tuple(dataclasses.replace(q, bitmap=change(q.bitmap)) for q in proof.queries),
        )

    assert not verify_sparse_merkle_proof(root, keys, with_bitmaps(lambda b: b"\x00" + b))
    assert not verify_sparse_merkle_proof(root, keys, with_bitmaps(lambda b: b + b"\x00"))
    extra = _sha(b"random")
    prepended = SparseMerkleProof((extra, *proof.sibling_hashes), proof.queries)
    appended = SparseMerkleProof((*proof.sibling_hashes, extra), proof.queries)
    assert not verify_sparse_merkle_proof(root, keys, prepended)
    assert not verify_sparse_merkle_proof(root, keys, appended)
    with pytest.raises(TreeError, match="not all sibling hashes"):
        calculate_root_from_proof(appended)
    for i in range(len(proof.queries)):
        fewer = SparseMerkleProof(proof.sibling_hashes, proof.queries[:i] + proof.queries[i + 1 :])
        assert not verify_sparse_merkle_proof(root, keys, fewer)


def test_vector_verify_checks_of_lisk_db() -> None:
    """The malformed proofs of lisk-db's test_verify_and_prepare_proof_map all fail to verify."""
    (case,) = [c for c in VECTORS["proofs"] if c["source"] == "test_verify_and_prepare_proof_map"]
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(EMPTY_HASH, _vector_changes(case))
    keys = [bytes.fromhex(k) for k in case["queryKeys"]]
    proof = tree.prove(root, keys)
    assert tree.verify(root, keys, proof)
    first, fourth = proof.queries[0], proof.queries[3]
    key1, key4 = bytes.fromhex(case["keys"][1]), bytes.fromhex(case["keys"][4])
    value3 = bytes.fromhex(case["values"][3])

    def replaced(index: int, query: QueryProof) -> SparseMerkleProof:
        queries = list(proof.queries)
        queries[index] = query
        return SparseMerkleProof(proof.sibling_hashes, tuple(queries))

    assert not tree.verify(root, [keys[0][2:], *keys[1:]], proof)
    bad_proofs = [
        replaced(0, dataclasses.replace(first, key=first.key[2:])),
        replaced(0, dataclasses.replace(first, bitmap=b"\x00" + first.bitmap[1:])),
        replaced(0, QueryProof(key1, b"", first.bitmap)),
        replaced(0, dataclasses.replace(first, bitmap=bytes([30] * 33))),
        replaced(0, dataclasses.replace(first, bitmap=bytes([31] * 2))),
        replaced(3, dataclasses.replace(fourth, bitmap=bytes([30]))),
        replaced(3, dataclasses.replace(fourth, value=value3)),
        replaced(3, QueryProof(key4, value3, fourth.bitmap)),
        SparseMerkleProof(proof.sibling_hashes, ()),
    ]
    for bad in bad_proofs:
        assert not tree.verify(root, keys, bad)


def test_calculate_root_rejects_a_proof_missing_siblings() -> None:
    # lisk-db's JS test: a 3-byte key whose bitmap asks for a sibling hash that is not there.
    bad = SparseMerkleProof((), (QueryProof(b"\x01\x02\x03", b"\x01\x02\x03", b"\x01"),))
    with pytest.raises(TreeError):
        calculate_root_from_proof(bad)


# --- hashing facts ----------------------------------------------------------------------------


def test_empty_tree() -> None:
    assert _sha(b"") == EMPTY_HASH
    assert sparse_merkle_root({}) == EMPTY_HASH
    tree = SparseMerkleTree(InMemoryNodeStore())
    assert tree.update(EMPTY_HASH, {}) == EMPTY_HASH
    key = bytes(32)
    proof = tree.prove(EMPTY_HASH, [key])
    assert proof == SparseMerkleProof((), (QueryProof(key, b"", b""),))
    assert verify_non_inclusion_proof(EMPTY_HASH, [key], proof)
    assert not verify_inclusion_proof(EMPTY_HASH, [key], proof)


def test_one_and_two_leaves() -> None:
    low, high = bytes(32), b"\x80" + bytes(31)
    assert sparse_merkle_root({low: b"a"}) == _sha(LEAF + low + b"a")
    # The keys differ in their first bit, so each leaf sits right below the root.
    expected = _sha(BRANCH + _sha(LEAF + low + b"a") + _sha(LEAF + high + b"b"))
    assert sparse_merkle_root({high: b"b", low: b"a"}) == expected
    # Keys sharing their first 255 bits hang 256 levels down, under a chain of branches.
    last = bytes(31) + b"\x01"
    node = _sha(BRANCH + _sha(LEAF + low + b"a") + _sha(LEAF + last + b"c"))
    for _ in range(255):
        node = _sha(BRANCH + node + EMPTY_HASH)
    assert sparse_merkle_root({low: b"a", last: b"c"}) == node


def test_key_length_is_enforced() -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    with pytest.raises(TreeError, match="length 31"):
        tree.update(EMPTY_HASH, {bytes(31): b"v"})
    with pytest.raises(TreeError):
        tree.prove(EMPTY_HASH, [bytes(33)])
    with pytest.raises(TreeError):
        SparseMerkleTree(InMemoryNodeStore(), key_length=0)
    assert not tree.verify(
        EMPTY_HASH, [bytes(31)], SparseMerkleProof((), (QueryProof(bytes(31), b"", b""),))
    )


def test_state_tree_key_length_38() -> None:
    rng = random.Random(38)
    pairs = {rng.randbytes(38): rng.randbytes(32) for _ in range(50)}
    tree = SparseMerkleTree(InMemoryNodeStore(), key_length=38)
    root = tree.update(EMPTY_HASH, pairs)
    assert root == sparse_merkle_root(pairs, key_length=38) == _reference_root(pairs, 38)
    keys = [*list(pairs)[:5], rng.randbytes(38)]
    proof = tree.prove(root, keys)
    assert tree.verify(root, keys, proof)
    assert verify_sparse_merkle_proof(root, keys, proof, key_length=38)
    assert not verify_sparse_merkle_proof(root, keys, proof, key_length=32)


def test_missing_node_is_reported() -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    with pytest.raises(NotFoundError):
        tree.update(_sha(b"not a root"), {bytes(32): b"v"})
    with pytest.raises(NotFoundError):
        tree.prove(_sha(b"not a root"), [bytes(32)])


def test_proof_json_round_trip() -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(EMPTY_HASH, {bytes([i]) * 32: bytes([i]) for i in range(1, 9)})
    proof = tree.prove(root, [bytes([3]) * 32, bytes(32)])
    as_json = proof.to_json()
    assert set(as_json) == {"siblingHashes", "queries"}
    assert SparseMerkleProof.from_json(as_json) == proof
    with pytest.raises(TreeError):
        SparseMerkleProof.from_json({"siblingHashes": [], "queries": [{"key": "00"}]})


# --- storage ----------------------------------------------------------------------------------


class _CountingStore(InMemoryNodeStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.writes = 0

    def get(self, key: bytes) -> bytes | None:
        self.reads += 1
        return super().get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes += 1
        super().set(key, value)


@pytest.mark.parametrize("page_height", [1, 4])
def test_update_touches_only_the_changed_paths(page_height: int) -> None:
    rng = random.Random(1)
    store = _CountingStore()
    tree = SparseMerkleTree(store, page_height=page_height)
    pairs = {rng.randbytes(32): rng.randbytes(32) for _ in range(2000)}
    root = tree.update(EMPTY_HASH, pairs)
    assert store.reads == 0  # building from empty reads nothing
    store.reads = store.writes = 0
    key = next(iter(pairs))
    new_root = tree.update(root, {key: b"changed"})
    # log2(2000) is about 11: a path of a dozen branches and a leaf, read a page at a time.
    assert store.reads <= 16 // page_height + 2
    assert store.writes <= 16 // page_height + 2
    store.reads = store.writes = 0
    assert tree.update(new_root, {key: b"changed"}) == new_root
    assert tree.update(new_root, {rng.randbytes(32): b""}) == new_root  # deleting an absent key
    assert store.writes <= 1


def test_invalid_page_height() -> None:
    with pytest.raises(TreeError):
        SparseMerkleTree(InMemoryNodeStore(), page_height=0)


def test_old_roots_stay_readable_and_provable() -> None:
    rng = random.Random(2)
    tree = SparseMerkleTree(InMemoryNodeStore())
    history: list[tuple[bytes, dict[bytes, bytes]]] = []
    state: dict[bytes, bytes] = {}
    root = EMPTY_HASH
    keys = [rng.randbytes(32) for _ in range(60)]
    for _ in range(8):
        changes = {k: rng.choice([b"", rng.randbytes(8)]) for k in rng.sample(keys, 15)}
        root = tree.update(root, changes)
        state = {k: v for k, v in {**state, **changes}.items() if v}
        history.append((root, dict(state)))
    for old_root, old_state in history:
        proof = tree.prove(old_root, keys)
        assert tree.verify(old_root, keys, proof)
        for key, query in zip(keys, proof.queries, strict=True):
            assert is_inclusion_proof(key, query) == (key in old_state)
            if key in old_state:
                assert query.value == old_state[key]
        # Reverting a block: applying the inverse changes to the new root gives the old root back.
    first_root, first_state = history[0]
    inverse = {k: first_state.get(k, b"") for k in keys}
    assert tree.update(root, inverse) == first_root


# A failing example found by hypothesis: the first batch stores K3 and K4 only (empty values are
# deletions), so deleting K4 leaves K3 alone. K3 moves up from depth 6 to the root, and the deletion
# creates no node: K3's one-node page was not written, so where depth 6 is not a page boundary
# (heights 4 and 8 here) proving or updating the new root failed with NotFoundError.
K1 = bytes.fromhex("aecfb835075379421b70a962bef5a3061079ef31ee5c7538c9154665ff6894ba")
K2 = bytes.fromhex("13d90b90db025d01cfda53a5764486ccf71a3341b7d53cad16e0285bd545dcb5")
K3 = bytes.fromhex("65f0a42d733d7af5f7858fd07b94f00603e4434b0957bfaca169fde1c1fef0d8")
K4 = bytes.fromhex("614395c0e413dc18d23608deac5441641cf86b83ae689a949187bf4c3da95b44")


@pytest.mark.parametrize("page_height", [1, 3, 4, 8])
def test_leaf_lifted_to_the_root_by_a_deletion_is_stored(page_height: int) -> None:
    tree = SparseMerkleTree(InMemoryNodeStore(), page_height=page_height)
    first = tree.update(EMPTY_HASH, {K1: b"", K2: b"", K3: b"\x00", K4: b"\x00"})
    second = tree.update(first, {K4: b""})
    assert second == _sha(LEAF + K3 + b"\x00")
    keys = [K1, K2, K3, K4]
    for root, live in ((first, {K3, K4}), (second, {K3})):
        for queried in ([K1], keys):
            proof = tree.prove(root, queried)
            assert tree.verify(root, queried, proof)
            claims = [is_inclusion_proof(k, q) for k, q in zip(queried, proof.queries, strict=True)]
            assert claims == [k in live for k in queried]
    # The new root is updatable again: back to the old root, onwards, and to empty.
    assert tree.update(second, {K4: b"\x00"}) == first
    assert tree.update(second, {K1: b"\x01"}) == sparse_merkle_root({K1: b"\x01", K3: b"\x00"})
    assert tree.update(second, {K3: b""}) == EMPTY_HASH
    assert tree.update(first, {K3: b"", K4: b""}) == EMPTY_HASH


@pytest.mark.parametrize("page_height", [1, 2, 3, 4])
def test_leaf_lifted_to_a_page_boundary_is_stored(page_height: int) -> None:
    """A deletion lifts a leaf from depth 7 to depth 4 (a page boundary for heights 1, 2 and 4),
    below a new branch: the update writes the leaf's one-node page with the new branch's."""
    rng = random.Random(7)
    low = bytes([0x00]) + rng.randbytes(31)  # with `near`, first differs at bit 6: depth 7
    near = bytes([0x02]) + rng.randbytes(31)
    side = bytes([0x10]) + rng.randbytes(31)  # differs from `low` at bit 3: keeps depth 3 a branch
    high = bytes([0x80]) + rng.randbytes(31)
    tree = SparseMerkleTree(InMemoryNodeStore(), page_height=page_height)
    full = {low: b"l", near: b"n", side: b"s", high: b"h"}
    before = tree.update(EMPTY_HASH, full)
    after = tree.update(before, {near: b""})
    assert after == _reference_root({low: b"l", side: b"s", high: b"h"})
    keys = list(full)
    for root in (before, after):
        assert tree.verify(root, keys, tree.prove(root, keys))
    assert tree.update(after, {near: b"n"}) == before
    assert tree.update(after, {side: b""}) == _reference_root({low: b"l", high: b"h"})


# --- properties -------------------------------------------------------------------------------


def _key_universe() -> list[bytes]:
    """Random keys plus near neighbours: keys differing only in their last bit or a middle byte."""
    rng = random.Random(39)
    base = [rng.randbytes(32) for _ in range(10)]
    near = [k[:-1] + bytes([k[-1] ^ 1]) for k in base[:4]]
    middle = [k[:16] + bytes([k[16] ^ 0x10]) + k[17:] for k in base[4:7]]
    return [*base, *near, *middle, bytes(32), b"\xff" * 32, bytes(31) + b"\x01"]


KEYS = _key_universe()
values = st.one_of(st.just(b""), st.binary(min_size=1, max_size=6))
change_sets = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))


@settings(max_examples=80, deadline=None)
@given(base=change_sets, changes=change_sets)
def test_root_matches_lip_definition(base: dict[bytes, bytes], changes: dict[bytes, bytes]) -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(tree.update(EMPTY_HASH, base), changes)
    final = {k: v for k, v in {**base, **changes}.items() if v}
    assert root == sparse_merkle_root(final) == _reference_root(final)


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(change_sets, min_size=1, max_size=5),
    seed=st.integers(0, 2**16),
)
def test_root_is_independent_of_batching_and_order(
    batches: list[dict[bytes, bytes]], seed: int
) -> None:
    final: dict[bytes, bytes] = {}
    for batch in batches:
        final.update(batch)
    live = {k: v for k, v in final.items() if v}
    expected = sparse_merkle_root(live)

    batched = SparseMerkleTree(InMemoryNodeStore())
    root = EMPTY_HASH
    for batch in batches:
        root = batched.update(root, batch)
    assert root == expected

    # The same final map, one key at a time in a shuffled order.
    rng = random.Random(seed)
    items = list(final.items())
    rng.shuffle(items)
    single = SparseMerkleTree(InMemoryNodeStore())
    root = EMPTY_HASH
    for key, value in items:
        root = single.update(root, {key: value})
    assert root == expected


@settings(max_examples=60, deadline=None)
@given(base=change_sets, added=change_sets)
def test_update_then_delete_returns_to_previous_root(
    base: dict[bytes, bytes], added: dict[bytes, bytes]
) -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(EMPTY_HASH, base)
    new_keys = {k: v for k, v in added.items() if k not in base or not base[k]}
    grown = tree.update(root, new_keys)
    assert tree.update(grown, dict.fromkeys(new_keys, b"")) == root


@settings(max_examples=60, deadline=None)
@given(
    state=change_sets,
    queried=st.lists(st.sampled_from(KEYS), min_size=1, max_size=8),
    data=st.data(),
)
def test_proofs_verify_and_tampering_fails(
    state: dict[bytes, bytes], queried: list[bytes], data: st.DataObject
) -> None:
    tree = SparseMerkleTree(InMemoryNodeStore())
    root = tree.update(EMPTY_HASH, state)
    live = {k: v for k, v in state.items() if v}
    proof = tree.prove(root, queried)
    assert tree.verify(root, queried, proof)
    assert calculate_root_from_proof(proof) == root
    for key, query in zip(queried, proof.queries, strict=True):
        assert is_inclusion_proof(key, query) == (key in live)
    present = [k for k in queried if k in live]
    absent = [k for k in queried if k not in live]
    if present:
        assert verify_inclusion_proof(root, present, tree.prove(root, present))
    if absent:
        assert verify_non_inclusion_proof(root, absent, tree.prove(root, absent))

    i = data.draw(st.integers(0, len(queried) - 1))
    query = proof.queries[i]
    tampered_queries = [
        dataclasses.replace(query, value=query.value + b"x"),
        dataclasses.replace(query, key=bytes([query.key[0] ^ 0x80]) + query.key[1:]),
        dataclasses.replace(query, key=query.key[:-1] + bytes([query.key[-1] ^ 1])),
    ]
    if query.bitmap:
        flipped = int.from_bytes(query.bitmap, "big") ^ 1
        if flipped:
            tampered_queries.append(
                dataclasses.replace(query, bitmap=flipped.to_bytes(len(query.bitmap), "big"))
            )
        tampered_queries.append(dataclasses.replace(query, bitmap=b"\x01" + query.bitmap))
    else:
        tampered_queries.append(dataclasses.replace(query, bitmap=b"\x01"))
    for bad in tampered_queries:
        queries = list(proof.queries)
        queries[i] = bad
        tampered = SparseMerkleProof(proof.sibling_hashes, tuple(queries))
        assert not tree.verify(root, queried, tampered) or _same_claim(proof, tampered, queried)
    if proof.sibling_hashes:
        j = data.draw(st.integers(0, len(proof.sibling_hashes) - 1))
        siblings = list(proof.sibling_hashes)
        siblings[j] = _sha(siblings[j])
        assert not tree.verify(root, queried, SparseMerkleProof(tuple(siblings), proof.queries))
    assert not tree.verify(_sha(root), queried, proof)


def _same_claim(proof: SparseMerkleProof, tampered: SparseMerkleProof, keys: list[bytes]) -> bool:
    """A tampered proof may only verify if it claims the same presence/value for every key.

    (Moving a non-inclusion query to another key of the same empty subtree is still a true proof.)
    """
    for key, a, b in zip(keys, proof.queries, tampered.queries, strict=True):
        if is_inclusion_proof(key, a) != is_inclusion_proof(key, b):
            return False
        if is_inclusion_proof(key, a) and a.value != b.value:
            return False
    return True


@pytest.mark.parametrize("page_height", [1, 3, 8])
@settings(max_examples=30, deadline=None)
@given(
    batches=st.lists(change_sets, min_size=1, max_size=4),
    queried=st.lists(st.sampled_from(KEYS), min_size=1, max_size=5),
)
def test_page_height_changes_storage_only(
    page_height: int, batches: list[dict[bytes, bytes]], queried: list[bytes]
) -> None:
    default = SparseMerkleTree(InMemoryNodeStore())
    other = SparseMerkleTree(InMemoryNodeStore(), page_height=page_height)
    root = other_root = EMPTY_HASH
    roots = []
    for batch in batches:
        root = default.update(root, batch)
        other_root = other.update(other_root, batch)
        assert other_root == root
        roots.append(root)
    for old_root in roots:
        proof = other.prove(old_root, queried)
        assert proof == default.prove(old_root, queried)
        assert other.verify(old_root, queried, proof)


def _shallow_keys() -> list[bytes]:
    """Keys whose first bits are close, so leaves move up and down across the top page borders."""
    rng = random.Random(40)
    firsts = (0x00, 0x01, 0x02, 0x08, 0x10, 0x11, 0x40, 0x80, 0x81, 0xC0, 0xF0)
    return [bytes([first]) + rng.randbytes(31) for first in firsts]


# Few keys, so that trees often shrink to a lone leaf (which then becomes the root); a pair of keys
# differing in their last bit and one differing in a middle byte for deep leaves.
HISTORY_KEYS = [*_shallow_keys(), KEYS[0], KEYS[10], KEYS[4], KEYS[14]]
history_changes = st.dictionaries(st.sampled_from(HISTORY_KEYS), values, max_size=6)


@pytest.mark.parametrize("page_height", [1, 2, 4])
@settings(max_examples=40, deadline=None)
@given(batches=st.lists(history_changes, min_size=1, max_size=6), data=st.data())
def test_every_root_stays_provable_and_updatable(
    page_height: int, batches: list[dict[bytes, bytes]], data: st.DataObject
) -> None:
    """What the state store relies on: after any updates (on the latest root or, as after a
    revert, an older one), every root produced is provable and can be updated again."""
    tree = SparseMerkleTree(InMemoryNodeStore(), page_height=page_height)
    roots = [EMPTY_HASH]
    states: list[dict[bytes, bytes]] = [{}]
    for batch in batches:
        parent = len(roots) - 1
        if data.draw(st.booleans(), label="from an older root"):
            parent = data.draw(st.integers(0, parent), label="parent")
        prune: bool = data.draw(st.booleans(), label="prune")
        if prune and states[parent]:
            # Delete all keys but one: the lone leaf left moves up to the root.
            keep = data.draw(st.sampled_from(sorted(states[parent])), label="kept key")
            batch = {k: b"" for k in states[parent] if k != keep}
        state = {k: v for k, v in {**states[parent], **batch}.items() if v}
        roots.append(tree.update(roots[parent], batch))
        states.append(state)
        assert roots[-1] == sparse_merkle_root(state)

    def check_provable(root: bytes, state: dict[bytes, bytes]) -> None:
        proof = tree.prove(root, HISTORY_KEYS)  # every path: every node of the tree is read
        assert tree.verify(root, HISTORY_KEYS, proof)
        for key, query in zip(HISTORY_KEYS, proof.queries, strict=True):
            assert is_inclusion_proof(key, query) == (key in state)
            if key in state:
                assert query.value == state[key]

    for i, (root, state) in enumerate(zip(roots, states, strict=True)):
        check_provable(root, state)
        # Update it again: the inverse changes lead to the previous root and to any other one.
        for j in {max(i - 1, 0), data.draw(st.integers(0, len(roots) - 1), label="target")}:
            target = states[j]
            inverse = {k: target.get(k, b"") for k in HISTORY_KEYS if state.get(k) != target.get(k)}
            assert tree.update(root, inverse) == roots[j]
            check_provable(roots[j], target)


def _pages_of(tree: SparseMerkleTree, store: InMemoryNodeStore, root: bytes) -> dict[bytes, bytes]:
    pages: dict[bytes, bytes] = {}
    for page_hash in tree.pages(root):
        assert page_hash not in pages  # each page once
        page = store.get(page_hash)
        assert page is not None
        pages[page_hash] = page
    return pages


@pytest.mark.parametrize("page_height", [1, 2, 3, 4])
@settings(max_examples=40, deadline=None)
@given(batches=st.lists(history_changes, min_size=1, max_size=6), data=st.data())
def test_pages_do_not_depend_on_the_history(
    page_height: int, batches: list[dict[bytes, bytes]], data: st.DataObject
) -> None:
    """The pages an update writes (new entries between runs of old pages, leaves lifted to or
    pushed down to page tops) are the very pages the same keys give when written at once."""
    store = InMemoryNodeStore()
    tree = SparseMerkleTree(store, page_height=page_height)
    root = EMPTY_HASH
    state: dict[bytes, bytes] = {}
    for batch in batches:
        if data.draw(st.booleans(), label="prune") and state:
            keep = data.draw(st.sampled_from(sorted(state)), label="kept key")
            batch = {k: b"" for k in state if k != keep}
        root = tree.update(root, batch)
        state = {k: v for k, v in {**state, **batch}.items() if v}
        fresh_store = InMemoryNodeStore()
        fresh = SparseMerkleTree(fresh_store, page_height=page_height)
        fresh_root = fresh.update(EMPTY_HASH, state)
        assert root == fresh_root
        assert _pages_of(tree, store, root) == _pages_of(fresh, fresh_store, fresh_root)
        assert len(fresh_store) == len(_pages_of(fresh, fresh_store, fresh_root))


def test_pages_walks_top_down() -> None:
    rng = random.Random(7)
    store = InMemoryNodeStore()
    tree = SparseMerkleTree(store)
    root = tree.update(EMPTY_HASH, {rng.randbytes(32): rng.randbytes(8) for _ in range(500)})
    walked = list(tree.pages(root))
    assert walked[0] == root
    assert len(walked) == len(store)  # one update from empty writes exactly its pages
    assert list(tree.pages(EMPTY_HASH)) == []
    broken = InMemoryNodeStore()
    broken.set(root, store.get(root) or b"")
    with pytest.raises(TreeError, match="not in the store"):
        list(SparseMerkleTree(broken).pages(root))


def test_a_value_holding_a_node_hash_is_only_a_value() -> None:
    """A leaf's value may contain anything, a node hash and an entry header included: the update
    must step over entries, never search a page for a hash (found by the review of the
    one-pass update: the root came out wrong)."""
    a, b, fake = b"\x00" * 32, b"\x80" + b"\x00" * 31, b"\x80" + b"\x00" * 30 + b"\x01"
    b_hash = hashlib.sha256(LEAF_PREFIX + b + b"vb").digest()
    a_value = b_hash + (37).to_bytes(4, "big") + b"\x00" + fake + b"evil"  # a fake entry
    store = InMemoryNodeStore()
    tree = SparseMerkleTree(store)
    state = {b: b"vb", a: a_value}
    root = tree.update(tree.update(EMPTY_HASH, {b: b"vb"}), {a: a_value})
    for change in ({b: b"new"}, {b"\x40" + b"\x00" * 31: b"c"}, {a: b"x" + a_value}):
        root = tree.update(root, change)
        state.update(change)
        assert root == sparse_merkle_root(state)
        assert tree.verify(root, [a, b, fake], tree.prove(root, [a, b, fake]))


@pytest.mark.parametrize("page_height", [2, 3, 4])
@settings(max_examples=60, deadline=None)
@given(
    initial=st.dictionaries(st.binary(min_size=2, max_size=2), values, min_size=2, max_size=30),
    data=st.data(),
)
def test_values_holding_node_hashes(
    page_height: int, initial: dict[bytes, bytes], data: st.DataObject
) -> None:
    store = InMemoryNodeStore()
    tree = SparseMerkleTree(store, key_length=2, page_height=page_height)
    root = tree.update(EMPTY_HASH, initial)
    state = dict(initial)
    for _ in range(4):
        reader = PageReader(store)
        for page_hash in tree.pages(root):
            reader.locate(page_hash)
        node = data.draw(st.sampled_from(sorted(reader.located) or [EMPTY_HASH]), label="node")
        keys = st.sampled_from(sorted(state)) if state else st.binary(min_size=2, max_size=2)
        key = data.draw(keys, label="key")
        changes = data.draw(
            st.dictionaries(st.binary(min_size=2, max_size=2), st.binary(max_size=3), max_size=4)
        )
        changes[key] = data.draw(st.binary(max_size=2)) + node + data.draw(st.binary(max_size=2))
        root = tree.update(root, changes)
        state = {k: v for k, v in {**state, **changes}.items() if v}
        fresh_store = InMemoryNodeStore()
        fresh = SparseMerkleTree(fresh_store, key_length=2, page_height=page_height)
        assert root == fresh.update(EMPTY_HASH, state) == sparse_merkle_root(state, 2)
        assert _pages_of(tree, store, root) == _pages_of(fresh, fresh_store, root)


def test_docs_example_runs() -> None:
    """The example in docs/tree.md runs as written."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "tree.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/tree.md", "exec"), {"print": lambda *args: None})


@pytest.mark.parametrize("page_height", [1, 2, 3, 4])
@settings(max_examples=60, deadline=None)
@given(batches=st.lists(history_changes, min_size=1, max_size=8), data=st.data())
def test_update_reports_exactly_the_pages_it_made_stale(
    page_height: int, batches: list[dict[bytes, bytes]], data: st.DataObject
) -> None:
    """``stale`` is the old tree's pages less the new tree's, each once: what pruning deletes
    (missing one leaks disk; one too many would break the tree), whatever the update does --
    leaves lifted off or pushed onto page tops, values set back, deleting absent keys. And the
    update writes every page the new tree has and the old one lacks (pruning's stamps rely on
    it: docs/state.md)."""
    written: set[bytes] = set()

    class Recording(InMemoryNodeStore):
        def set(self, key: bytes, value: bytes) -> None:
            written.add(key)
            super().set(key, value)

    store = Recording()
    tree = SparseMerkleTree(store, page_height=page_height)
    root = EMPTY_HASH
    state: dict[bytes, bytes] = {}
    for batch in batches:
        if data.draw(st.booleans(), label="prune") and state:
            keep = data.draw(st.sampled_from(sorted(state)), label="kept key")
            batch = {k: b"" for k in state if k != keep}
        before = set(tree.pages(root))
        stale: list[bytes] = []
        written.clear()
        new_root = tree.update(root, batch, stale)
        after = set(tree.pages(new_root))
        assert len(stale) == len(set(stale))
        assert set(stale) == before - after
        assert after - before <= written <= after
        root = new_root
        state = {k: v for k, v in {**state, **batch}.items() if v}


def test_unchanged_update_reports_nothing_stale() -> None:
    tree = SparseMerkleTree(InMemoryNodeStore(), page_height=2)
    root = tree.update(EMPTY_HASH, {KEYS[0]: b"a", KEYS[1]: b"b"})
    stale: list[bytes] = []
    assert tree.update(root, {KEYS[0]: b"a", KEYS[2]: b""}, stale) == root
    assert stale == []
    assert tree.update(root, {KEYS[0]: b"c"}, stale) != root
    assert root in stale
