"""The regular Merkle tree of LIP 0031, as @klayr/tree computes it.

Facts that fix roots and proofs (checked against @klayr/tree 0.5.1 and the protocol vectors):

* leaf hash = SHA-256(0x00 + data), branch hash = SHA-256(0x01 + left + right), and the root of
  no leaves is SHA-256(b"");
* n leaves split into the first k and the rest, k the largest power of two below n; equivalently,
  leaves pair up layer by layer and an unpaired last node is carried up unchanged;
* a proof is ``(sibling_hashes, indexes, size)`` in Klayr's node numbering (see ``_merkle_layout``);
  a queried hash that is not in the tree gets index 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from klayr_py._native_loader import pick
from klayr_py.errors import TreeError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree._merkle_layout import (
    ROOT_INDEX,
    branch_hash,
    calculate_path_nodes,
    height,
    layer_structure,
    leaf_hash,
    right_sibling,
    sibling_hashes_for,
    to_index,
)

__all__ = [
    "MerkleProof",
    "MerkleTree",
    "calculate_root_from_update_data",
    "merkle_root",
    "verify_data_block",
    "verify_merkle_proof",
]


@dataclass(frozen=True, slots=True)
class MerkleProof:
    """An inclusion proof: sibling hashes, one index per queried node, and the tree's size."""

    sibling_hashes: tuple[bytes, ...]
    indexes: tuple[int, ...]
    size: int

    def to_json(self) -> dict[str, Any]:
        """Klayr's JSON form (``siblingHashes`` in hex, ``idxs``, ``size``)."""
        return {
            "siblingHashes": [h.hex() for h in self.sibling_hashes],
            "idxs": list(self.indexes),
            "size": self.size,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MerkleProof:
        """Parse Klayr's JSON form (``idxs``, or ``indexes`` as in calculateRootFromUpdateData)."""
        try:
            indexes = data["idxs"] if "idxs" in data else data["indexes"]
            return cls(
                tuple(bytes.fromhex(h) for h in data["siblingHashes"]),
                tuple(int(i) for i in indexes),
                int(data["size"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TreeError(f"malformed Merkle proof JSON: {exc}") from exc


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle root of ``leaves`` (raw data, hashed here as leaves)."""
    return _merkle_root(leaves)


def _py_merkle_root(leaves: Sequence[bytes]) -> bytes:
    """:func:`merkle_root` in Python: the reference for the Rust twin."""
    if not leaves:
        return EMPTY_HASH
    layer = [leaf_hash(data) for data in leaves]
    while len(layer) > 1:
        parents = [branch_hash(layer[i], layer[i + 1]) for i in range(0, len(layer) - 1, 2)]
        if len(layer) & 1:
            parents.append(layer[-1])
        layer = parents
    return layer[0]


_merkle_root = pick("merkle_root", _py_merkle_root)


def verify_merkle_proof(query_hashes: Sequence[bytes], proof: MerkleProof, root: bytes) -> bool:
    """Whether ``proof`` shows the nodes ``query_hashes`` are in the tree with ``root``."""
    if proof.size == 0:
        return False
    try:
        nodes = calculate_path_nodes(query_hashes, proof.size, proof.indexes, proof.sibling_hashes)
    except TreeError:
        return False
    return nodes.get(ROOT_INDEX) == root


def verify_data_block(query_data: Sequence[bytes], proof: MerkleProof, root: bytes) -> bool:
    """Whether ``proof`` shows the leaves holding ``query_data`` are in the tree with ``root``."""
    return verify_merkle_proof([leaf_hash(data) for data in query_data], proof, root)


def calculate_root_from_update_data(update_data: Sequence[bytes], proof: MerkleProof) -> bytes:
    """The root after replacing the leaves ``proof`` is about with ``update_data``."""
    if proof.size == 0 or not proof.indexes:
        raise TreeError("invalid proof: it has no size or no indexes")
    if len(update_data) != len(proof.indexes):
        raise TreeError("update data and proof indexes must have the same length")
    nodes = calculate_path_nodes(
        [leaf_hash(data) for data in update_data], proof.size, proof.indexes, proof.sibling_hashes
    )
    root = nodes.get(ROOT_INDEX)
    if root is None:
        raise TreeError("the proof does not lead to a root")
    return root


class MerkleTree:
    """An append-only Merkle tree kept in memory, which can prove its nodes.

    Every layer keeps one hash per position, a carried node repeated where it passes, so an append
    rehashes one node per layer. Unlike @klayr/tree's class (whose appends can leave it unable to
    prove, or with a root that differs from the same leaves built at once), the root is always
    :func:`merkle_root` of the leaves and proofs are those a freshly built Klayr tree gives.
    """

    def __init__(self, leaves: Iterable[bytes] = (), *, pre_hashed: bool = False) -> None:
        """``pre_hashed`` means the leaves given (here and to :meth:`append`) are leaf hashes."""
        self._pre_hashed = pre_hashed
        self._layers: list[list[bytes]] = [[]]
        self._locations: dict[bytes, tuple[int, int]] = {}  # hash -> (layer, index), real nodes
        self._build([data if pre_hashed else leaf_hash(data) for data in leaves])

    @property
    def root(self) -> bytes:
        """The current root (SHA-256 of b"" while empty)."""
        return self._layers[-1][0] if self._layers[0] else EMPTY_HASH

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._layers[0])

    def append(self, data: bytes) -> bytes:
        """Append a leaf; the new root."""
        position = self.size
        node = data if self._pre_hashed else leaf_hash(data)
        self._layers[0].append(node)
        self._locations[node] = (0, position)
        for layer in range(1, height(position + 1)):
            index = position >> layer
            below = self._layers[layer - 1]
            if 2 * index + 1 < len(below):
                node = branch_hash(below[2 * index], below[2 * index + 1])
                real = True
            else:
                node, real = below[2 * index], False
            if layer == len(self._layers):
                self._layers.append([])
            current = self._layers[layer]
            if index < len(current):
                old = current[index]
                if self._locations.get(old) == (layer, index):
                    del self._locations[old]
                current[index] = node
            else:
                current.append(node)
            if real:
                self._locations[node] = (layer, index)
        return self.root

    def generate_proof(self, query_hashes: Sequence[bytes]) -> MerkleProof:
        """A proof for the nodes (usually leaf hashes) ``query_hashes``; unknown ones get index 0.

        With repeated leaf data, the last leaf holding it is the one proved (as in Klayr).
        """
        size = self.size
        if size == 0:
            return MerkleProof((), (), 0)
        tree_height = height(size)
        indexes = []
        for query in query_hashes:
            found = self._locations.get(query)
            indexes.append(0 if found is None else to_index(found[1], found[0], tree_height))
        siblings = sibling_hashes_for(indexes, size, self._hash_at)
        return MerkleProof(tuple(siblings), tuple(indexes), size)

    def append_path(self) -> list[bytes]:
        """Roots of the complete subtrees the leaves decompose into, smallest (rightmost) first."""
        size = self.size
        return [
            self._layers[layer][(size >> layer) - 1]
            for layer in range(size.bit_length())
            if (size >> layer) & 1
        ]

    def generate_right_witness(self, index: int) -> list[bytes]:
        """The hashes that, with the append path of the first ``index`` leaves, give the root."""
        size = self.size
        if index < 0 or index > size:
            raise TreeError(f"index {index} is out of range for a tree of {size} leaves")
        if index == size:
            return []
        if index == 0:
            return self.append_path()
        structure = layer_structure(size)
        witness: list[bytes] = []
        covered = index
        for layer in range(height(size)):
            if not (covered >> layer) & 1:
                continue
            sibling = right_sibling((index - 1) >> layer, layer, size, structure)
            if sibling is None:
                break
            witness.append(self._hash_at(*sibling))
            covered += 1 << layer
        return witness

    def _hash_at(self, layer: int, node_index: int) -> bytes:
        return self._layers[layer][node_index]

    def _build(self, leaf_hashes: list[bytes]) -> None:
        """Lay out all layers at once, recording where each real node sits (later ones win)."""
        self._layers = [leaf_hashes]
        for position, node in enumerate(leaf_hashes):
            self._locations[node] = (0, position)
        below = leaf_hashes
        while len(below) > 1:
            layer_index = len(self._layers)
            current = []
            for index in range(len(below) // 2):
                node = branch_hash(below[2 * index], below[2 * index + 1])
                self._locations[node] = (layer_index, index)
                current.append(node)
            if len(below) & 1:
                current.append(below[-1])
            self._layers.append(current)
            below = current
