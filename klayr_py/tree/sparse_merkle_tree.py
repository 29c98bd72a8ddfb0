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
An update only adds pages; it can report the pages it made stale (those of the old tree that the
new tree no longer holds), so that a store can delete them once no root it keeps needs them.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator, Mapping, Sequence

from klayr_py._native_loader import pick
from klayr_py.errors import NotFoundError, TreeError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree._smt_pages import PageReader, page_children
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

_Node = tuple[int, bytes, bytes]  # kind, hash, fragment (see _apply_changes)
_BRANCH_HEAD = (65).to_bytes(4, "big") + _BRANCH_TAG  # a branch entry after its hash


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

    def update(
        self, root: bytes, changes: Mapping[bytes, bytes], stale: list[bytes] | None = None
    ) -> bytes:
        """Apply ``changes`` to ``root`` and return the new root; an empty value deletes its key.

        Reads only the nodes on the paths of the changed keys and writes only new nodes, so k
        changes in a tree of n keys cost O(k log n); the changed keys are sorted and walked down
        the tree together, so paths they share are read and hashed once. If ``stale`` is given,
        the hashes of the pages of ``root``'s tree that the new tree no longer holds are appended
        to it (each once, in the order they were read): what a pruning store may delete later.
        """
        return _apply_changes(
            self._db, root, changes, self.key_length, self.page_height, stale
        )

    def pages(self, root: bytes) -> Iterator[bytes]:
        """The hashes of the pages of the tree under ``root``, top down, level by level.

        Each page is read from the store as it is yielded, so consuming a prefix of the walk (say,
        to fill a cache with the upper levels, which every update reads) reads only that prefix.
        """
        if root == EMPTY_HASH:
            return
        get = self._db.get
        queue = deque([root])
        while queue:
            page_hash = queue.popleft()
            page = get(page_hash)
            if page is None:
                raise TreeError(f"tree page {page_hash.hex()} is not in the store")
            yield page_hash
            queue.extend(page_children(page, self.page_height))

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
    return _sorted_root([key for key, _ in present], [value for _, value in present], key_length, 0)


def _py_sorted_root(keys: list[bytes], values: list[bytes], key_length: int, depth: int) -> bytes:
    """The node at ``depth`` of the subtree holding sorted ``keys`` (at least one; they share
    their first ``depth`` bits) with non-empty ``values``. (The reference for the Rust twin.)"""
    ints = [int.from_bytes(key, "big") for key in keys]
    bits = key_length * 8
    sha256 = hashlib.sha256
    leaf_prefix = LEAF_PREFIX
    branch_prefix = BRANCH_PREFIX
    hash_chain = _py_hash_chain

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
            # The path bits from depth to split_depth - 1, as characters: one pass of bin().
            node = hash_chain(
                node, format(first >> (bits - split_depth), f"0{split_depth}b")[depth:]
            )
        return node

    if len(keys) == 1:
        return sha256(leaf_prefix + keys[0] + values[0]).digest()
    return subtree(0, len(keys), depth)


# The chains' branches have one empty child: copying a hash object already fed the constant part
# is cheaper than building the 73 bytes and a new object for each of them.
_RIGHT_COPY = hashlib.sha256(BRANCH_PREFIX + EMPTY_HASH).copy  # a branch whose left child is empty
_LEFT_COPY = hashlib.sha256(BRANCH_PREFIX).copy  # a branch whose right child is empty


def _py_hash_chain(node: bytes, path: str) -> bytes:
    """The top of the chain of single-child branches above ``node``: ``path`` holds their bits
    top-down as "0"/"1" characters (the side ``node``'s subtree is on at each of them).

    Event trees have long such chains (a topic's keys share 64 bits), so this is a tight loop.
    """
    right_copy, left_copy, empty = _RIGHT_COPY, _LEFT_COPY, EMPTY_HASH
    for bit in path[::-1]:
        if bit == "1":
            hasher = right_copy()
            hasher.update(node)
        else:
            hasher = left_copy()
            hasher.update(node)
            hasher.update(empty)
        node = hasher.digest()
    return node


def _py_chain_nodes(node: bytes, path: str) -> list[bytes]:
    """Every node of the chain :func:`_hash_chain` hashes, top first, ``node`` last (for short
    paths: a call per node)."""
    nodes = [node]
    for bit in path[::-1]:
        node = _py_hash_chain(node, bit)
        nodes.append(node)
    nodes.reverse()
    return nodes


# The kernels the rest of klayr_py calls: the Rust twins when the extension is in use.
_sorted_root = pick("sorted_root", _py_sorted_root)
_hash_chain = pick("hash_chain", _py_hash_chain)
_chain_nodes = pick("chain_nodes", _py_chain_nodes)


def _py_apply_changes(
    db: NodeStore,
    root: bytes,
    changes: Mapping[bytes, bytes],
    key_length: int,
    page_height: int = 4,
    stale: list[bytes] | None = None,
) -> bytes:
    """Walk the sorted changed keys down from ``root`` together; write new pages; the new root.

    The walk reads pages as bytes and never parses them: a node is known by its page and the
    extent ``[start, end)`` of its subtree in that page (pages are pre-order: a branch's left child
    follows its entry, its right child follows the left child's subtree). On the way back up each
    returned node carries its *fragment*, the bytes of its subtree down to its page's last level,
    so a new page is the concatenation of new entries and runs of old pages, written when its top
    is done. (The reference for the Rust twin, which writes the same pages in the same order.)

    Stale pages: a page of the old tree that the new one lacks is one whose top node is on a
    changed path (so the walk read it) or a lone leaf lifted off a page boundary by a deletion.
    The walk lists the pages it reads, forgets those of a subtree that came back unchanged, and
    adds each lifted leaf's page; a page listed but written again (a leaf moved to another page
    boundary) is not stale. ``stale`` gets the rest.
    """
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
    get = db.get
    set_page = db.set
    read: list[bytes] = []  # pages read from the old tree on changed paths (see above)
    note_read = read.append
    written: set[bytes] = set()
    note_written = written.add
    sha256 = hashlib.sha256
    empty = EMPTY_HASH
    leaf_prefix = LEAF_PREFIX
    branch_prefix = BRANCH_PREFIX
    branch_head = _BRANCH_HEAD
    deepest = page_height - 1
    key_end = 37 + key_length  # a leaf's key in its page entry ends here
    from_bytes = int.from_bytes

    # The helpers below are closures over the sorted changes: this is the hot loop of a block
    # commit, and closures keep Python's per-node overhead low. A node is handed back to its
    # parent as (kind, hash, fragment); an untouched child's fragment is its run of the old page,
    # or b"" when it is the top of a page of its own.

    def put(node_hash: bytes, page: bytes) -> None:
        note_written(node_hash)
        set_page(node_hash, page)

    def load_page(node_hash: bytes) -> bytes:
        page = get(node_hash)
        if page is None:
            raise NotFoundError(f"tree page {node_hash.hex()} is not in the store")
        if page[:32] != node_hash:
            raise TreeError(f"tree page {node_hash.hex()} does not start with its own node")
        return page

    def read_page(node_hash: bytes) -> bytes:
        """A page on a changed path: listed as stale unless its subtree comes back unchanged."""
        page = load_page(node_hash)
        note_read(node_hash)
        return page

    def branch(
        left: bytes,
        left_frag: bytes,
        left_new: bool,
        right: bytes,
        right_frag: bytes,
        right_new: bool,
        level: int,
    ) -> _Node:
        """A new branch at ``level`` of its page; its children's pages are written if it is the
        page's last level and they are new (or moved)."""
        children = left + right
        node_hash = sha256(branch_prefix + children).digest()
        if level < deepest:
            return _BRANCH, node_hash, node_hash + branch_head + children + left_frag + right_frag
        if left_new and left != empty:
            put(left, left_frag)
        if right_new and right != empty:
            put(right, right_frag)
        return _BRANCH, node_hash, node_hash + branch_head + children

    def leaf_entry(kind: int, node_hash: bytes, frag: bytes) -> bytes:
        """The entry of ``node_hash`` if it is a leaf, else b"" (reads its page if needed)."""
        if kind == _LEAF:
            return frag
        if kind == _UNKNOWN:
            if not frag:
                frag = load_page(node_hash)
            if frag[36] == 0:
                return frag
        return b""

    def join(left: _Node, left_new: bool, right: _Node, right_new: bool, level: int) -> _Node:
        """The parent of two subtrees, keeping the tree compact (a lone leaf moves up: off its
        page if it was the old tree's node at a page boundary, so that page is stale)."""
        left_hash = left[1]
        right_hash = right[1]
        if left_hash == empty:
            if right_hash == empty:
                return _EMPTY, empty, b""
            entry = leaf_entry(*right)
            if entry:
                if level == deepest and not right_new:
                    note_read(right_hash)
                return _LEAF, right_hash, entry
        elif right_hash == empty:
            entry = leaf_entry(*left)
            if entry:
                if level == deepest and not left_new:
                    note_read(left_hash)
                return _LEAF, left_hash, entry
        return branch(left_hash, left[2], left_new, right_hash, right[2], right_new, level)

    def build(
        lo: int, hi: int, depth: int, leaf_int: int, leaf_hash: bytes, leaf_frag: bytes
    ) -> _Node:
        """The subtree at ``depth`` made of changes[lo:hi] and, unless ``leaf_hash`` is b"", an
        existing leaf (key ``leaf_int``, entry ``leaf_frag``) that a change of its key replaces."""
        if leaf_hash:
            i = bisect_left(ints, leaf_int, lo, hi)
            if i < hi and ints[i] == leaf_int:
                leaf_hash = b""
        count = hi - lo
        if count == 0:
            return (_LEAF, leaf_hash, leaf_frag) if leaf_hash else (_EMPTY, empty, b"")
        if count == 1:
            if not leaf_hash:
                value = values[lo]
                if not value:
                    return _EMPTY, empty, b""
                record = keys[lo] + value
                node_hash = sha256(leaf_prefix + record).digest()
                size = (len(record) + 1).to_bytes(4, "big")
                return _LEAF, node_hash, node_hash + size + _LEAF_TAG + record
            if not values[lo]:
                return _LEAF, leaf_hash, leaf_frag  # deleting a key that is not there
        shift = top_bit - depth
        mid = bisect_left(ints, ((ints[lo] >> shift) | 1) << shift, lo, hi)
        if leaf_hash and (leaf_int >> shift) & 1:
            left = build(lo, mid, depth + 1, 0, b"", b"")
            right = build(mid, hi, depth + 1, leaf_int, leaf_hash, leaf_frag)
        else:
            left = build(lo, mid, depth + 1, leaf_int, leaf_hash, leaf_frag)
            right = build(mid, hi, depth + 1, 0, b"", b"")
        # Everything below is new or moved: at a page boundary, (re)write it.
        return join(left, True, right, True, depth % page_height)

    def after_subtree(page: bytes, start: int, right: bytes, end: int) -> int:
        """Where the entry of ``right`` (a right child) begins: after the left sibling's subtree
        starting at ``start``. Entries are stepped over by their lengths, never searched for, as
        a leaf's value may hold any bytes, a node hash included."""
        while not page.startswith(right, start):
            start += (
                101
                if page[start + 36] == 1
                else 36 + from_bytes(page[start + 32 : start + 36], "big")
            )
            if start >= end:
                raise TreeError(f"tree page {page[:32].hex()} lacks the node {right.hex()}")
        return start

    def one_key(node_hash: bytes, page: bytes, start: int, end: int, i: int, depth: int) -> _Node:
        """``walk`` for one change that sets a value: most of a block's nodes are on such paths
        (below the depth where the changed keys part). Goes down in a loop, remembering the
        siblings, then hashes back up; setting a value never leaves a lone leaf to lift."""
        key_int = ints[i]
        mark = len(read)
        top = node_hash, page, start, end
        path: list[tuple[int, int, bytes, bytes]] = []  # level, bit, sibling, sibling's fragment
        append = path.append
        while True:
            if page[start + 36] == 0:  # the leaf on the path: replaced, or pushed down
                leaf_int = int.from_bytes(page[start + 37 : start + key_end], "big")
                bottom = build(i, i + 1, depth, leaf_int, node_hash, page[start:end])
                if bottom[1] == node_hash:  # the same value again: nothing changes
                    del read[mark:]
                    node_hash, page, start, end = top
                    return (_BRANCH if path else _LEAF), node_hash, page[start:end]
                break
            left = page[start + 37 : start + 69]
            right = page[start + 69 : start + 101]
            level = depth % page_height
            bit = (key_int >> (top_bit - depth)) & 1
            depth += 1
            child, sibling = (right, left) if bit else (left, right)
            first = start + 101  # the entry of the first non-empty child, if in this page
            if child == empty:  # the key goes where nothing is; the sibling's subtree is the rest
                append((level, bit, sibling, page[first:end] if level < deepest else b""))
                bottom = build(i, i + 1, depth, 0, b"", b"")
                break
            node_hash = child
            if level == deepest or sibling == empty:  # the sibling is in no fragment here
                append((level, bit, sibling, b""))
                start = first
            else:  # both children in this page: left at ``first``, right after its subtree
                split = after_subtree(page, first, right, end)
                if bit:
                    append((level, 1, sibling, page[first:split]))
                    start = split
                else:
                    append((level, 0, sibling, page[split:end]))
                    start, end = first, split
            if level == deepest:
                page = read_page(node_hash)
                start = 0
                end = len(page)
        kind, current, frag = bottom
        for level, bit, sibling, sibling_frag in reversed(path):
            children = sibling + current if bit else current + sibling
            node_hash = sha256(branch_prefix + children).digest()
            if level < deepest:
                if bit:
                    frag = node_hash + branch_head + children + sibling_frag + frag
                else:
                    frag = node_hash + branch_head + children + frag + sibling_frag
            else:
                put(current, frag)  # new, and the top of a page
                frag = node_hash + branch_head + children
            current = node_hash
        return (_BRANCH if path else kind), current, frag

    def walk(
        node_hash: bytes, page: bytes, start: int, end: int, lo: int, hi: int, depth: int
    ) -> _Node:
        """Apply changes[lo:hi] to the stored subtree ``node_hash`` at ``depth``, whose subtree is
        ``page[start:end]``."""
        if hi - lo == 1 and values[lo]:
            return one_key(node_hash, page, start, end, lo, depth)
        if page[start + 36] == 0:  # a leaf
            leaf_int = int.from_bytes(page[start + 37 : start + key_end], "big")
            return build(lo, hi, depth, leaf_int, node_hash, page[start:end])
        left = page[start + 37 : start + 69]
        right = page[start + 69 : start + 101]
        shift = top_bit - depth
        mid = bisect_left(ints, ((ints[lo] >> shift) | 1) << shift, lo, hi)
        level = depth % page_height
        depth += 1
        if level < deepest:
            # The children are in this page: the left one right after this entry, the right one
            # after the left one's subtree.
            child = start + 101
            if left == empty:
                left_node = _UNKNOWN, empty, b""
                if hi > mid:
                    right_node = walk(right, page, child, end, mid, hi, depth)
                else:
                    right_node = _UNKNOWN, right, page[child:end]
                if mid > lo:
                    left_node = build(lo, mid, depth, 0, b"", b"")
            else:
                split = after_subtree(page, child, right, end) if right != empty else end
                if mid > lo:
                    left_node = walk(left, page, child, split, lo, mid, depth)
                else:
                    left_node = _UNKNOWN, left, page[child:split]
                if right == empty:
                    right_node = (
                        build(mid, hi, depth, 0, b"", b"") if hi > mid else (_UNKNOWN, empty, b"")
                    )
                elif hi > mid:
                    right_node = walk(right, page, split, end, mid, hi, depth)
                else:
                    right_node = _UNKNOWN, right, page[split:end]
        else:
            # The children are the tops of pages of their own.
            if mid == lo:
                left_node = _UNKNOWN, left, b""
            elif left == empty:
                left_node = build(lo, mid, depth, 0, b"", b"")
            else:
                mark = len(read)
                child_page = read_page(left)
                left_node = walk(left, child_page, 0, len(child_page), lo, mid, depth)
                if left_node[1] == left:
                    del read[mark:]
            if hi == mid:
                right_node = _UNKNOWN, right, b""
            elif right == empty:
                right_node = build(mid, hi, depth, 0, b"", b"")
            else:
                mark = len(read)
                child_page = read_page(right)
                right_node = walk(right, child_page, 0, len(child_page), mid, hi, depth)
                if right_node[1] == right:
                    del read[mark:]
        new_left = left_node[1]
        new_right = right_node[1]
        if new_left == left and new_right == right:
            return _BRANCH, node_hash, page[start:end]
        if new_left != empty and new_right != empty:  # join's common case, inlined
            return branch(
                new_left,
                left_node[2],
                new_left != left,
                new_right,
                right_node[2],
                new_right != right,
                level,
            )
        return join(left_node, new_left != left, right_node, new_right != right, level)

    if root == empty:
        _, new_root, frag = build(0, len(keys), 0, 0, b"", b"")
    else:
        root_page = read_page(root)
        _, new_root, frag = walk(root, root_page, 0, len(root_page), 0, len(keys), 0)
    if new_root != root and new_root != empty:
        # The root is always the top of a page. (Also when the update made no node: a deletion
        # can lift a leaf to the root.)
        put(new_root, frag)
    if stale is not None and new_root != root:
        stale.extend(dict.fromkeys(h for h in read if h not in written))
    return new_root


_apply_changes = pick("apply_changes", _py_apply_changes)
