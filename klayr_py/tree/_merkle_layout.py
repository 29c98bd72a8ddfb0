"""Node locations and proof paths of a regular Merkle tree, in @klayr/tree's numbering.

A node sits at a *layer* (0 for leaves) and has a *node index* within it. A proof names nodes by an
*index*: the node index written in binary with ``height - layer`` digits, prefixed by a 1 bit, where
``height = ceil(log2(size)) + 1``; the root is index 2. A node whose layer has an odd count and no
partner is carried up unchanged until it meets a partner, so it keeps its lower location; the index
arithmetic below (a parent is ``index >> 1``) treats the carried node as moving up one layer at a
time.
These rules decide which sibling hashes a proof carries and in which order.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Sequence

from klayr_py.errors import TreeError

LEAF_PREFIX = b"\x00"
BRANCH_PREFIX = b"\x01"
ROOT_INDEX = 2

Location = tuple[int, int]  # (layer, node index)


def leaf_hash(data: bytes) -> bytes:
    """Hash of a leaf holding ``data``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def branch_hash(left: bytes, right: bytes) -> bytes:
    """Hash of a branch over two child hashes."""
    return hashlib.sha256(BRANCH_PREFIX + left + right).digest()


def height(size: int) -> int:
    """Number of layers of a tree of ``size`` >= 1 leaves."""
    return (size - 1).bit_length() + 1


def layer_structure(size: int) -> list[int]:
    """How many nodes each layer holds (carried nodes counted where they are stored)."""
    counts = [size]
    count, carried = size, 0
    for _ in range(1, height(size)):
        count, carried = (count + (carried & 1)) // 2, carried + (count & 1)
        counts.append(count)
    return counts


def right_sibling(
    node_index: int, layer: int, size: int, structure: Sequence[int]
) -> Location | None:
    """Location of the sibling of a node; a missing sibling is looked for in the layers below
    (where a carried node is stored). None when the node has no sibling."""
    sibling = node_index ^ 1
    # A layer past the top (only reachable from a malformed index) has no nodes to look into.
    while layer < len(structure) and sibling >= structure[layer] and layer > 0:
        sibling <<= 1
        layer -= 1
    if sibling >= size:
        return None
    return layer, sibling


def to_index(node_index: int, layer: int, tree_height: int) -> int:
    """The proof index of a location."""
    digits = tree_height - layer
    if digits <= 0:
        raise TreeError(f"invalid layer {layer} for a tree of height {tree_height}")
    return (1 << max(digits, node_index.bit_length())) | node_index


def location(index: int, tree_height: int) -> Location:
    """The location a proof index names."""
    if index < 1:
        raise TreeError(f"invalid index {index}")
    digits = index.bit_length() - 1
    layer = tree_height - digits
    if layer < 0:
        raise TreeError(f"invalid index {index} for a tree of height {tree_height}")
    return layer, index & ((1 << digits) - 1)


def _tree_order(index: int) -> tuple[int, int]:
    """Deeper nodes first, then left to right."""
    return -index.bit_length(), index


class _IndexQueue:
    """Proof indexes in tree order, without repeats of an inserted parent."""

    def __init__(self, indexes: Sequence[int]) -> None:
        self.items = sorted(indexes, key=_tree_order)
        self._keys = [_tree_order(i) for i in self.items]

    def __bool__(self) -> bool:
        return bool(self.items)

    def drop_first(self, count: int = 1) -> None:
        del self.items[:count]
        del self._keys[:count]

    def drop_all(self, index: int) -> None:
        kept = [i for i in self.items if i != index]
        self.items = kept
        self._keys = [_tree_order(i) for i in kept]

    def insert(self, index: int) -> None:
        key = _tree_order(index)
        at = bisect_left(self._keys, key)
        if at < len(self.items) and self.items[at] == index:
            return
        self.items.insert(at, index)
        self._keys.insert(at, key)


def calculate_path_nodes(
    query_hashes: Sequence[bytes],
    size: int,
    indexes: Sequence[int],
    sibling_hashes: Sequence[bytes],
) -> dict[int, bytes]:
    """Hashes of every node computed from the queried nodes up to the root (index 2)."""
    if not query_hashes or not indexes:
        raise TreeError("a proof needs at least one query hash and one index")
    if len(query_hashes) != len(indexes):
        raise TreeError("query hashes and indexes must have the same length")
    tree: dict[int, bytes] = {}
    queued: list[int] = []
    for index, query_hash in zip(indexes, query_hashes, strict=True):
        if index == 0:  # a query that is not in the tree
            continue
        queued.append(index)
        tree[index] = query_hash
    queue = _IndexQueue(queued)
    tree_height = height(size)
    structure = layer_structure(size)
    carried: dict[int, bytes] = {}
    siblings = list(sibling_hashes)
    while queue:
        index = queue.items[0]
        if index == ROOT_INDEX:
            return tree
        current = tree.get(index, carried.get(index))
        if current is None:
            raise TreeError(f"no hash for index {index}")
        parent = index >> 1
        layer, node_index = location(index, tree_height)
        sibling = right_sibling(node_index, layer, size, structure)
        if sibling is None:
            carried[parent] = current
        else:
            sibling_hash = tree.get(to_index(sibling[1], sibling[0], tree_height))
            if sibling_hash is None:
                if not siblings:
                    raise TreeError("the proof has too few sibling hashes")
                sibling_hash = siblings.pop(0)
            parent_hash = (
                branch_hash(current, sibling_hash)
                if index & 1 == 0
                else branch_hash(sibling_hash, current)
            )
            if tree.get(parent, parent_hash) != parent_hash:
                raise TreeError("query hashes are inconsistent: a parent hash does not match")
            tree[parent] = parent_hash
        queue.drop_first()
        queue.insert(parent)
    return tree


def sibling_hashes_for(
    indexes: Sequence[int], size: int, hash_at: Callable[[int, int], bytes]
) -> list[bytes]:
    """The sibling hashes a proof for ``indexes`` carries, in the order a verifier consumes them."""
    queue = _IndexQueue([i for i in indexes if i != 0])
    queried = set(indexes)
    tree_height = height(size)
    structure = layer_structure(size)
    out: list[bytes] = []
    while queue:
        index = queue.items[0]
        if (
            index & 1 == 0
            and len(queue.items) > 1
            and queue.items[1].bit_length() == index.bit_length()
            and queue.items[1] ^ index == 1
        ):
            queue.drop_first(2)
            queue.insert(index >> 1)
            continue
        layer, node_index = location(index, tree_height)
        if layer == tree_height:
            return out
        sibling = right_sibling(node_index, layer, size, structure)
        if sibling is not None and to_index(sibling[1], sibling[0], tree_height) not in queried:
            out.append(hash_at(*sibling))
        queue.drop_all(index)
        queue.insert(index >> 1)
    return out
