"""Merkle trees: the regular tree of LIP 0031 and the sparse Merkle tree of LIP 0039.

Both are byte-compatible with Klayr v6: regular roots and proofs match @klayr/tree, sparse roots and
proofs match lisk-db (the state database Klayr uses). See docs/tree.md.
"""

from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree.merkle_tree import (
    MerkleProof,
    MerkleTree,
    calculate_root_from_update_data,
    merkle_root,
    verify_data_block,
    verify_merkle_proof,
)
from klayr_py.tree.node_store import InMemoryNodeStore, NodeStore
from klayr_py.tree.right_witness import (
    MerkleRootInfo,
    calculate_merkle_root,
    calculate_right_witness,
    calculate_root_from_right_witness,
    verify_right_witness,
)
from klayr_py.tree.root_builder import SparseMerkleRootBuilder
from klayr_py.tree.smt_proof import (
    QueryProof,
    SparseMerkleProof,
    calculate_root_from_proof,
    is_inclusion_proof,
    verify_inclusion_proof,
    verify_non_inclusion_proof,
)
from klayr_py.tree.smt_proof import verify_proof as verify_sparse_merkle_proof
from klayr_py.tree.sparse_merkle_tree import SparseMerkleTree, sparse_merkle_root

__all__ = [
    "EMPTY_HASH",
    "InMemoryNodeStore",
    "MerkleProof",
    "MerkleRootInfo",
    "MerkleTree",
    "NodeStore",
    "QueryProof",
    "SparseMerkleProof",
    "SparseMerkleRootBuilder",
    "SparseMerkleTree",
    "calculate_merkle_root",
    "calculate_right_witness",
    "calculate_root_from_proof",
    "calculate_root_from_right_witness",
    "calculate_root_from_update_data",
    "is_inclusion_proof",
    "merkle_root",
    "sparse_merkle_root",
    "verify_data_block",
    "verify_inclusion_proof",
    "verify_merkle_proof",
    "verify_non_inclusion_proof",
    "verify_right_witness",
    "verify_sparse_merkle_proof",
]
