"""Regular Merkle tree (LIP 0031): conformance vectors, @klayr/tree as oracle, properties."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.errors import TreeError
from klayr_py.tree import (
    EMPTY_HASH,
    MerkleProof,
    MerkleRootInfo,
    MerkleTree,
    calculate_merkle_root,
    calculate_right_witness,
    calculate_root_from_right_witness,
    calculate_root_from_update_data,
    merkle_root,
    verify_data_block,
    verify_merkle_proof,
    verify_right_witness,
)
from tests.oracle.node import require_oracle, run_node

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "merkle_tree"


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _load_cases() -> list[tuple[list[bytes], bytes]]:
    data = json.loads((VECTORS / "transaction_merkle_root.json").read_text())
    return [
        (
            [bytes.fromhex(x) for x in case["input"]["transactionIds"]],
            bytes.fromhex(case["output"]["transactionMerkleRoot"]),
        )
        for case in data["testCases"]
    ]


CASES = _load_cases()
leaf_lists = st.lists(st.binary(min_size=0, max_size=8), min_size=1, max_size=40)


@pytest.mark.parametrize(("leaves", "root"), CASES, ids=[str(len(c[0])) for c in CASES])
def test_conformance_roots(leaves: list[bytes], root: bytes) -> None:
    assert merkle_root(leaves) == root
    assert MerkleTree(leaves).root == root
    appended = MerkleTree()
    for leaf in leaves:
        appended.append(leaf)
    assert appended.root == root
    assert appended.size == len(leaves)


def test_empty_and_small_trees_hash_as_lip_0031_says() -> None:
    assert merkle_root([]) == EMPTY_HASH == hashlib.sha256(b"").digest()
    assert MerkleTree().root == EMPTY_HASH
    assert merkle_root([b"a"]) == _leaf_hash(b"a")
    branch = hashlib.sha256(b"\x01" + _leaf_hash(b"a") + _leaf_hash(b"b")).digest()
    assert merkle_root([b"a", b"b"]) == branch
    # Three leaves: the largest power of two below 3 is 2; the third leaf pairs with the first two.
    assert (
        merkle_root([b"a", b"b", b"c"])
        == hashlib.sha256(b"\x01" + branch + _leaf_hash(b"c")).digest()
    )


def test_empty_tree_proves_nothing() -> None:
    proof = MerkleTree().generate_proof([_leaf_hash(b"x")])
    assert proof == MerkleProof((), (), 0)
    assert not verify_merkle_proof([_leaf_hash(b"x")], proof, EMPTY_HASH)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_proofs_verify_and_tampering_fails(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree(leaves)
    picked = data.draw(
        st.lists(st.integers(0, len(leaves) - 1), min_size=1, max_size=6, unique=True)
    )
    # Proofs name leaves by hash; with repeated data only the last copy is provable.
    picked = [i for i in picked if leaves.index(leaves[i]) == i and leaves.count(leaves[i]) == 1]
    if not picked:
        return
    query = [leaves[i] for i in picked]
    proof = tree.generate_proof([_leaf_hash(d) for d in query])
    assert verify_data_block(query, proof, tree.root)
    assert not verify_data_block([*query[:-1], query[-1] + b"!"], proof, tree.root)
    assert not verify_data_block(query, proof, hashlib.sha256(tree.root).digest())
    if proof.sibling_hashes:
        bad = (hashlib.sha256(proof.sibling_hashes[0]).digest(), *proof.sibling_hashes[1:])
        assert not verify_data_block(query, MerkleProof(bad, proof.indexes, proof.size), tree.root)
    # Updating the proved leaves gives the root of the updated list.
    updated = list(leaves)
    new_data = [d + b"*" for d in query]
    for i, d in zip(picked, new_data, strict=True):
        updated[i] = d
    assert calculate_root_from_update_data(new_data, proof) == merkle_root(updated)


@settings(max_examples=40, deadline=None)
@given(leaves=leaf_lists)
def test_appending_equals_building(leaves: list[bytes]) -> None:
    built = MerkleTree(leaves)
    grown = MerkleTree(leaves[:1])
    for leaf in leaves[1:]:
        grown.append(leaf)
    assert grown.root == built.root == merkle_root(leaves)
    hashes = [_leaf_hash(leaf) for leaf in leaves]
    assert grown.generate_proof(hashes) == built.generate_proof(hashes)
    for index in range(len(leaves) + 1):
        assert grown.generate_right_witness(index) == built.generate_right_witness(index)


@settings(max_examples=40, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_right_witness_links_a_prefix_to_the_whole(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(0, len(leaves)))
    prefix = MerkleTree(leaves[:index])
    witness = tree.generate_right_witness(index)
    assert calculate_root_from_right_witness(index, prefix.append_path(), witness) == tree.root
    if index:
        assert calculate_right_witness(index, leaves[index:]) == witness
    if witness:
        bad = [hashlib.sha256(witness[0]).digest(), *witness[1:]]
        assert not verify_right_witness(index, prefix.append_path(), bad, tree.root)
    assert not verify_right_witness(index, [], [], tree.root)


def test_pre_hashed_leaves() -> None:
    hashes = [_leaf_hash(bytes([i])) for i in range(5)]
    assert MerkleTree(hashes, pre_hashed=True).root == merkle_root([bytes([i]) for i in range(5)])


def test_proof_json_round_trip() -> None:
    tree = MerkleTree([bytes([i]) for i in range(7)])
    proof = tree.generate_proof([_leaf_hash(b"\x02"), _leaf_hash(b"\x05")])
    as_json = proof.to_json()
    assert set(as_json) == {"siblingHashes", "idxs", "size"}
    assert MerkleProof.from_json(as_json) == proof
    with pytest.raises(TreeError):
        MerkleProof.from_json({"siblingHashes": ["zz"], "idxs": [], "size": 1})


def test_invalid_update_inputs_raise() -> None:
    proof = MerkleTree([b"a", b"b"]).generate_proof([_leaf_hash(b"a")])
    with pytest.raises(TreeError):
        calculate_root_from_update_data([b"x", b"y"], proof)
    with pytest.raises(TreeError):
        calculate_root_from_update_data([], MerkleProof((), (), 0))
    with pytest.raises(TreeError):
        MerkleTree([b"a"]).generate_right_witness(2)


def test_unknown_query_gets_index_zero() -> None:
    tree = MerkleTree([b"a", b"b", b"c"])
    proof = tree.generate_proof([_leaf_hash(b"zzz"), _leaf_hash(b"b")])
    assert proof.indexes[0] == 0
    assert proof.indexes[1] != 0


ORACLE_SCRIPT = """
const { MerkleTree, regularMerkleTree } = require('@klayr/tree');
const crypto = require('crypto');
const hex = (b) => b.toString('hex');
const buf = (h) => Buffer.from(h, 'hex');
const leafHash = (d) =>
  crypto.createHash('sha256').update(Buffer.concat([Buffer.from([0]), d])).digest();
(async () => {
  const results = [];
  for (const c of input) {
    const leaves = c.leaves.map(buf);
    const tree = new MerkleTree();
    await tree.init(leaves);
    const query = c.query.map(buf);
    const proof = await tree.generateProof(query.map(leafHash));
    const witnesses = [];
    for (let i = 0; i <= leaves.length; i += 1) {
      witnesses.push((await tree.generateRightWitness(i)).map(hex));
    }
    const mine = {
      siblingHashes: c.mine.siblingHashes.map(buf), idxs: c.mine.idxs, size: c.mine.size };
    let updateRoot = null;
    try {
      updateRoot = hex(regularMerkleTree.calculateRootFromUpdateData(
        c.update.map(buf),
        { siblingHashes: mine.siblingHashes, indexes: mine.idxs, size: mine.size }));
    } catch (e) { updateRoot = 'error'; }
    // The append path of every prefix, grown leaf by leaf with calculateMerkleRoot.
    let info = { root: Buffer.alloc(0), appendPath: [], size: 0 };
    const prefixes = [];
    for (const leaf of leaves) {
      info = regularMerkleTree.calculateMerkleRoot(
        { value: leaf, appendPath: info.appendPath, size: info.size });
      prefixes.push({ root: hex(info.root), appendPath: info.appendPath.map(hex) });
    }
    const rightWitnesses = [];
    for (let i = 1; i <= leaves.length; i += 1) {
      rightWitnesses.push(regularMerkleTree.calculateRightWitness(i, leaves.slice(i)).map(hex));
    }
    results.push({
      root: hex(tree.root),
      withLeaves: hex(regularMerkleTree.calculateMerkleRootWithLeaves(leaves)),
      proof: { siblingHashes: proof.siblingHashes.map(hex), idxs: proof.idxs, size: proof.size },
      verifiesMine: regularMerkleTree.verifyDataBlock(query, mine, tree.root),
      verifiesTampered: regularMerkleTree.verifyDataBlock(
        query.map(q => Buffer.concat([q, Buffer.from('!')])), mine, tree.root),
      updateRoot,
      witnesses,
      prefixes,
      rightWitnesses,
    });
  }
  output(results);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_matches_klayr_tree_oracle() -> None:
    """Roots, proofs, right witnesses and append paths equal @klayr/tree's on random trees."""
    require_oracle("@klayr/tree")
    rng = random.Random(31)
    cases = []
    trees = []
    for size in [*range(1, 40), 63, 64, 65, 100, 129]:
        leaves = [rng.randbytes(rng.choice([0, 1, 32])) + i.to_bytes(2, "big") for i in range(size)]
        query = rng.sample(leaves, rng.randint(1, min(size, 7)))
        tree = MerkleTree(leaves)
        proof = tree.generate_proof([_leaf_hash(q) for q in query])
        trees.append((leaves, query, tree, proof))
        cases.append(
            {
                "leaves": [x.hex() for x in leaves],
                "query": [q.hex() for q in query],
                "update": [(q + b"*").hex() for q in query],
                "mine": proof.to_json(),
            }
        )
    results = run_node(ORACLE_SCRIPT, cases)
    for (leaves, query, tree, proof), result in zip(trees, results, strict=True):
        assert (
            tree.root.hex() == result["root"] == result["withLeaves"] == merkle_root(leaves).hex()
        )
        assert proof.to_json() == result["proof"]
        assert result["verifiesMine"] is True
        assert result["verifiesTampered"] is False
        updated = [leaf + b"*" if leaf in query else leaf for leaf in leaves]
        assert result["updateRoot"] == merkle_root(updated).hex()
        assert (
            calculate_root_from_update_data([q + b"*" for q in query], proof).hex()
            == (result["updateRoot"])
        )
        for index, witness in enumerate(result["witnesses"]):
            assert [h.hex() for h in tree.generate_right_witness(index)] == witness
        for count, prefix in enumerate(result["prefixes"], start=1):
            partial = MerkleTree(leaves[:count])
            assert partial.root.hex() == prefix["root"]
            assert [h.hex() for h in partial.append_path()] == prefix["appendPath"]
        info = MerkleRootInfo(b"", [], 0)
        for leaf, prefix in zip(leaves, result["prefixes"], strict=True):
            info = calculate_merkle_root(leaf, info.append_path, info.size)
            assert info.root.hex() == prefix["root"]
            assert [h.hex() for h in info.append_path] == prefix["appendPath"]
        for index, witness in enumerate(result["rightWitnesses"], start=1):
            mine = calculate_right_witness(index, leaves[index:])
            assert [h.hex() for h in mine] == witness
            small = MerkleTree(leaves[:index])
            assert verify_right_witness(index, small.append_path(), mine, tree.root)
