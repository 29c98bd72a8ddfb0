"""The sparse Merkle tree of LIP 0039, as Klayr's state database (lisk-db 0.3.10) builds it.

Facts that fix the root, checked against lisk-db's source and test vectors:

* leaf hash = SHA-256(``b"LSK_SMTL_"`` + key + value), branch hash = SHA-256(``b"LSK_SMTB_"`` +
  left + right), empty subtree = SHA-256(b"") -- the prefixes are the LIP's ASCII tags, not bytes;
* the tree is compact: a subtree holding one leaf is that leaf, placed as high as it can go; a
  subtree holding none is the empty hash; there are no extension nodes;
* keys have one fixed length per tree (32 bytes in lisk-db's tests, 38 for Klayr's state tree);
  bit 0 of the key (its most significant bit) chooses the child below the root.

Storage: nodes are grouped into pages of ``page_height`` levels (4 by default, as in lisk-db), each
stored under the hash of its top node (see ``_smt_pages``); the empty subtree is never stored.
Updates only add pages, so every earlier root stays readable and provable.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Mapping, Sequence

from klayr_py.errors import TreeError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree._smt_pages import PageReader, write_pages
from klayr_py.tree.node_store import NodeStore
from klayr_py.tree.smt_proof import SparseMerkleProof, generate_proof, verify_proof

__all__ = [
    "BRANCH_PREFIX",
    "EMPTY_HASH",
    "LEAF_PREFIX",
    "SparseMerkleTree",
    "sparse_merkle_root",
]

LEAF_PREFIX = b"LSK_SMTL_"
BRANCH_PREFIX = b"LSK_SMTB_"

_LEAF_TAG = b"\x00"
_BRANCH_TAG = b"\x01"

# What the update walk knows about a node it hands back to its parent.
_EMPTY = 0
_LEAF = 1
_BRANCH = 2
_UNKNOWN = 3  # an untouched child: only its hash is known; read it only if its kind matters

_Node = tuple[int, bytes]


class SparseMerkleTree:
    """A sparse Merkle tree whose nodes live in a :class:`NodeStore`.

    The tree object holds no root: every call names the root it works on, so one store can hold
    the trees of many blocks and an old root can be proved or updated again (to revert a block).
    """

    def __init__(self, db: NodeStore, key_length: int = 32, *, page_height: int = 4) -> None:
        """``page_height`` is how many levels of nodes one stored page holds (see ``_smt_pages``);
        a store must always be used with the same value."""
        if key_length < 1:
            raise TreeError(f"key_length must be at least 1, got {key_length}")
        if page_height < 1:
            raise TreeError(f"page_height must be at least 1, got {page_height}")
        self._db = db
        self.key_length = key_length
        self.page_height = page_height

    def update(self, root: bytes, changes: Mapping[bytes, bytes]) -> bytes:
        """Apply ``changes`` to ``root`` and return the new root; an empty value deletes its key.

        Reads only the nodes on the paths of the changed keys and writes only new nodes, so k
        changes in a tree of n keys cost O(k log n); the changed keys are sorted and walked down
        the tree together, so paths they share are read and hashed once.
        """
        return _apply_changes(self._db, root, changes, self.key_length, self.page_height)

    def prove(self, root: bytes, keys: Sequence[bytes]) -> SparseMerkleProof:
        """An inclusion or non-inclusion proof for ``keys`` under ``root``, as Klayr's."""
        return generate_proof(PageReader(self._db).read, root, keys, self.key_length)

    def verify(self, root: bytes, keys: Sequence[bytes], proof: SparseMerkleProof) -> bool:
        """Whether ``proof`` is a valid proof for ``keys`` under ``root`` (present or absent)."""
        return verify_proof(root, keys, proof, self.key_length)


def sparse_merkle_root(pairs: Mapping[bytes, bytes], key_length: int = 32) -> bytes:
    """The root of the tree holding ``pairs`` (pairs with an empty value are absent).

    Computed directly, without storing nodes: the keys are sorted, each subtree is split where
    its first and last keys first differ, and the chain of single-child branches above that
    split is hashed in a tight loop. (Event roots have long such chains: events of one
    transaction share a topic and differ only in their index bits.)
    """
    present = sorted([item for item in pairs.items() if item[1]])
    for key, _ in present:
        if len(key) != key_length:
            raise TreeError(
                f"key {key.hex()} has length {len(key)}; this tree's keys have length {key_length}"
            )
    if not present:
        return EMPTY_HASH
    keys = [key for key, _ in present]
    values = [value for _, value in present]
    ints = [int.from_bytes(key, "big") for key in keys]
    bits = key_length * 8
    sha256 = hashlib.sha256
    empty = EMPTY_HASH
    leaf_prefix = LEAF_PREFIX
    branch_prefix = BRANCH_PREFIX
    # The chains' branches have one empty child: copying a hash object already fed the constant
    # part is cheaper than building the 73 bytes and a new object for each of them.
    right_copy = sha256(BRANCH_PREFIX + EMPTY_HASH).copy  # an empty left child
    left_copy = sha256(BRANCH_PREFIX).copy  # an empty right child

    def subtree(lo: int, hi: int, depth: int) -> bytes:
        # At least two keys: split where the first and last keys first differ.
        first = ints[lo]
        split_depth = bits - (first ^ ints[hi - 1]).bit_length()
        shift = bits - 1 - split_depth
        mid = bisect_left(ints, ((first >> shift) | 1) << shift, lo, hi)
        below = split_depth + 1
        if mid - lo == 1:
            left = sha256(leaf_prefix + keys[lo] + values[lo]).digest()
        else:
            left = subtree(lo, mid, below)
        if hi - mid == 1:
            right = sha256(leaf_prefix + keys[mid] + values[mid]).digest()
        else:
            right = subtree(mid, hi, below)
        node = sha256(branch_prefix + left + right).digest()
        if split_depth > depth:
            # The path bits from split_depth - 1 up to depth, as characters: one pass of bin().
            for bit in format(first >> (bits - split_depth), f"0{split_depth}b")[depth:][::-1]:
                if bit == "1":
                    hasher = right_copy()
                    hasher.update(node)
                else:
                    hasher = left_copy()
                    hasher.update(node)
                    hasher.update(empty)
                node = hasher.digest()
        return node

    if len(keys) == 1:
        return sha256(leaf_prefix + keys[0] + values[0]).digest()
    return subtree(0, len(keys), 0)


def _apply_changes(
    db: NodeStore,
    root: bytes,
    changes: Mapping[bytes, bytes],
    key_length: int,
    page_height: int = 4,
) -> bytes:
    """Walk the sorted changed keys down from ``root`` together; write new nodes; the new root."""
    if not changes:
        return root
    keys = sorted(changes)
    for key in keys:
        if len(key) != key_length:
            raise TreeError(
                f"key {key.hex()} has length {len(key)}; this tree's keys have length {key_length}"
            )
    values = [changes[key] for key in keys]
    ints = [int.from_bytes(key, "big") for key in keys]
    top_bit = key_length * 8 - 1
    reader = PageReader(db)
    locate = reader.locate
    created: dict[bytes, bytes] = {}
    sha256 = hashlib.sha256
    empty = EMPTY_HASH
    key_end = 37 + key_length  # a leaf's key in its page entry ends here

    # The helpers below are closures over the sorted changes: this is the hot loop of a block
    # commit, and closures keep Python's per-node overhead low.

    def split(lo: int, hi: int, depth: int) -> int:
        """Index of the first key in [lo, hi) whose bit ``depth`` is 1 (they share bits < depth)."""
        shift = top_bit - depth
        return bisect_left(ints, ((ints[lo] >> shift) | 1) << shift, lo, hi)

    def new_leaf(i: int) -> bytes:
        record = keys[i] + values[i]
        node_hash = sha256(LEAF_PREFIX + record).digest()
        created[node_hash] = _LEAF_TAG + record
        return node_hash

    def new_branch(left: bytes, right: bytes) -> bytes:
        children = left + right
        node_hash = sha256(BRANCH_PREFIX + children).digest()
        created[node_hash] = _BRANCH_TAG + children
        return node_hash

    def is_leaf(node_hash: bytes) -> bool:
        page, offset = locate(node_hash)
        return page[offset + 36] == 0

    def join(left_kind: int, left: bytes, right_kind: int, right: bytes) -> _Node:
        """The parent of two subtrees, keeping the tree compact (a lone leaf moves up)."""
        if left == empty:
            if right == empty:
                return _EMPTY, empty
            if right_kind == _LEAF or (right_kind == _UNKNOWN and is_leaf(right)):
                return _LEAF, right
        elif right == empty and (left_kind == _LEAF or (left_kind == _UNKNOWN and is_leaf(left))):
            return _LEAF, left
        return _BRANCH, new_branch(left, right)

    def build(lo: int, hi: int, depth: int, leaf_int: int, leaf_hash: bytes) -> _Node:
        """The subtree at ``depth`` made of changes[lo:hi] and, unless ``leaf_hash`` is b"", an
        existing leaf with key ``leaf_int`` that a change of the same key replaces."""
        if leaf_hash:
            i = bisect_left(ints, leaf_int, lo, hi)
            if i < hi and ints[i] == leaf_int:
                leaf_hash = b""
        count = hi - lo
        if count == 0:
            return (_LEAF, leaf_hash) if leaf_hash else (_EMPTY, empty)
        if count == 1:
            if not leaf_hash:
                return (_LEAF, new_leaf(lo)) if values[lo] else (_EMPTY, empty)
            if not values[lo]:
                return _LEAF, leaf_hash  # deleting a key that is not there
        mid = split(lo, hi, depth)
        if leaf_hash and (leaf_int >> (top_bit - depth)) & 1:
            left = build(lo, mid, depth + 1, 0, b"")
            right = build(mid, hi, depth + 1, leaf_int, leaf_hash)
        else:
            left = build(lo, mid, depth + 1, leaf_int, leaf_hash)
            right = build(mid, hi, depth + 1, 0, b"")
        return join(left[0], left[1], right[0], right[1])

    located_get = reader.located.get
    branch_prefix = BRANCH_PREFIX
    branch_tag = _BRANCH_TAG

    def walk(node_hash: bytes, lo: int, hi: int, depth: int) -> _Node:
        """Apply changes[lo:hi] to the stored subtree ``node_hash`` at ``depth``."""
        if node_hash == empty:
            return build(lo, hi, depth, 0, b"")
        page, offset = located_get(node_hash) or locate(node_hash)
        if page[offset + 36] == 0:  # a leaf
            leaf_int = int.from_bytes(page[offset + 37 : offset + key_end], "big")
            return build(lo, hi, depth, leaf_int, node_hash)
        left = page[offset + 37 : offset + 69]
        right = page[offset + 69 : offset + 101]
        shift = top_bit - depth  # split(lo, hi, depth), inlined: once per node on the paths
        mid = bisect_left(ints, ((ints[lo] >> shift) | 1) << shift, lo, hi)
        depth += 1
        left_kind, new_left = walk(left, lo, mid, depth) if mid > lo else (_UNKNOWN, left)
        right_kind, new_right = walk(right, mid, hi, depth) if hi > mid else (_UNKNOWN, right)
        if new_left == left and new_right == right:
            return _BRANCH, node_hash
        if new_left != empty and new_right != empty:  # join's common case, inlined
            children = new_left + new_right
            new_hash = sha256(branch_prefix + children).digest()
            created[new_hash] = branch_tag + children
            return _BRANCH, new_hash
        return join(left_kind, new_left, right_kind, new_right)

    new_root = walk(root, 0, len(keys), 0)[1]
    if new_root != root:
        # Not only when nodes were created: a deletion can create none and still move a leaf up
        # to a page boundary or to the root, where it must now be a page of its own.
        write_pages(new_root, created, reader.located, db.set, page_height)
    return new_root
