"""Append paths and right witnesses of a regular Merkle tree (as @klayr/tree computes them).

Klayr's interoperability keeps a growing Merkle tree (a chain's outbox) as just its *append path*:
the roots of the complete subtrees its leaves decompose into, smallest first. A *right witness*
proves that a tree of ``index`` leaves is a prefix of a larger one: it holds the hashes needed to
climb from the small tree's append path to the large tree's root.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from klayr_py.errors import TreeError
from klayr_py.tree._merkle_layout import branch_hash, height, leaf_hash

__all__ = [
    "MerkleRootInfo",
    "calculate_merkle_root",
    "calculate_right_witness",
    "calculate_root_from_right_witness",
    "verify_right_witness",
]

# Indexes are far below 2**64; a loop that climbs past this many layers was given a bad witness.
_MAX_LAYERS = 64


class MerkleRootInfo(NamedTuple):
    """A tree summarised by its root, append path and size."""

    root: bytes
    append_path: list[bytes]
    size: int


def calculate_merkle_root(value: bytes, append_path: Sequence[bytes], size: int) -> MerkleRootInfo:
    """Append leaf ``value`` to the tree of ``size`` leaves with ``append_path``."""
    if len(append_path) < size.bit_count():
        raise TreeError(f"a tree of {size} leaves has an append path of {size.bit_count()} hashes")
    new_leaf = leaf_hash(value)
    root = new_leaf
    consumed = 0
    for bit in range(size.bit_length()):
        if (size >> bit) & 1:
            root = branch_hash(append_path[consumed], root)
            consumed += 1
    # The new leaf completes the subtrees of the trailing one bits of ``size``.
    completed = 0
    while (size >> completed) & 1:
        completed += 1
    merged = new_leaf
    for sibling in append_path[:completed]:
        merged = branch_hash(sibling, merged)
    return MerkleRootInfo(root, [merged, *append_path[completed:]], size + 1)


def calculate_right_witness(size: int, values: Sequence[bytes]) -> list[bytes]:
    """The right witness of a tree of ``size`` leaves inside the tree extended by ``values``."""
    if size == 0:
        raise TreeError("a right witness cannot be generated for an empty tree")
    if not values:
        return []
    hashes = [leaf_hash(value) for value in values]
    witness: list[bytes] = []
    covered = size
    for layer in range(height(size + len(hashes))):
        if not hashes:
            break
        if (covered >> layer) & 1:
            witness.append(hashes.pop(0))
            covered += 1 << layer
        hashes = [
            branch_hash(hashes[i], hashes[i + 1]) if i + 1 < len(hashes) else hashes[i]
            for i in range(0, len(hashes), 2)
        ]
    return witness


def calculate_root_from_right_witness(
    index: int, append_path: Sequence[bytes], right_witness: Sequence[bytes]
) -> bytes:
    """The root of the large tree, from the small tree's append path and the right witness."""
    if not append_path:
        return _root_from_path(right_witness)
    if not right_witness:
        return _root_from_path(append_path)
    lefts = list(append_path)
    rights = list(right_witness)
    current = branch_hash(lefts.pop(0), rights.pop(0))
    covered = index
    started = False
    layer = 0
    while lefts or rights:
        if layer > _MAX_LAYERS:
            raise TreeError("the append path and right witness do not fit the index")
        if lefts and (index >> layer) & 1:
            if started:
                current = branch_hash(lefts.pop(0), current)
            else:
                covered += 1 << layer
                started = True
        if rights and (covered >> layer) & 1:
            current = branch_hash(current, rights.pop(0))
            covered += 1 << layer
        layer += 1
    return current


def verify_right_witness(
    index: int, append_path: Sequence[bytes], right_witness: Sequence[bytes], root: bytes
) -> bool:
    """Whether the append path and right witness lead to ``root``."""
    try:
        return calculate_root_from_right_witness(index, append_path, right_witness) == root
    except TreeError:
        return False


def _root_from_path(path: Sequence[bytes]) -> bytes:
    if not path:
        raise TreeError("invalid append path: it is empty")
    current = path[0]
    for left in path[1:]:
        current = branch_hash(left, current)
    return current
