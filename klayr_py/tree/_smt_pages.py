"""How sparse Merkle tree nodes are grouped into pages in a :class:`NodeStore`.

A node record is ``b"\\x00" + key + value`` for a leaf and ``b"\\x01" + left + right`` for a branch.
Nodes are not stored one by one: the nodes at depths ``d .. d + page_height - 1`` under a node at a
depth ``d`` that is a multiple of ``page_height`` form one page, stored under that node's hash (so a
page key is a node hash, and pages are as immutable as nodes). A page is the concatenation of
``hash + len(record) (4 bytes) + record`` for each of its nodes; children at depth
``d + page_height`` are the roots of their own pages. Reading one page brings in up to
``2**page_height - 1`` nodes, so a path of length L costs about L / page_height reads.

Entries are in pre-order (a node, then its left subtree, then its right subtree, within the page),
so an update finds a branch's left child right after its entry and its right child after the
left child's subtree (stepping over entries by their lengths), and copies an unchanged subtree
into a new page as one run of bytes.

Every node at a depth that is a multiple of ``page_height`` -- the root included -- must be the
top of a stored page, since a reader finds any other node only inside the page above it. A
branch's depth is fixed by its subtree (the bit where its keys first differ, less the single-child
branches above that split), so a branch on a page boundary was a page top when it was made. A leaf
is the one node that moves: a deletion that leaves it alone in its subtree lifts it (possibly to a
boundary, or to the root, even when the update makes no new node), and an insertion next to it
pushes it down. A leaf on a boundary is a page of one node, the same bytes at any depth.
"""

from __future__ import annotations

from klayr_py.errors import NotFoundError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree.node_store import NodeStore

LEAF_TAG = 0
BRANCH_TAG = 1


class PageReader:
    """Finds node records, loading the page of a node the first time it is needed.

    Pages are not split into records: ``located`` maps the hash of every node of the pages read
    to ``(page, offset of its entry)``, and a record is sliced from its page only when needed.
    Proofs read through it; updates navigate pages by offset (see ``sparse_merkle_tree``).
    """

    def __init__(self, db: NodeStore) -> None:
        self._get = db.get
        self.located: dict[bytes, tuple[bytes, int]] = {}

    def locate(self, node_hash: bytes) -> tuple[bytes, int]:
        """``(page, offset)`` of the entry of ``node_hash``; its page must be its own or one
        already read. The record is ``page[offset + 36 : offset + 36 + length]``, the length
        being the 4 bytes at ``offset + 32``."""
        where = self.located.get(node_hash)
        if where is None:
            page = self._get(node_hash)
            if page is None:
                raise NotFoundError(f"tree page {node_hash.hex()} is not in the store")
            _parse_page(page, self.located)
            where = self.located.get(node_hash)
            if where is None:
                raise NotFoundError(f"page {node_hash.hex()} does not hold its own root node")
        return where

    def read(self, node_hash: bytes) -> bytes:
        """The record of ``node_hash``; its page must be its own or one already read."""
        page, offset = self.locate(node_hash)
        start = offset + 36
        return page[start : start + int.from_bytes(page[offset + 32 : start], "big")]


def _parse_page(page: bytes, located: dict[bytes, tuple[bytes, int]]) -> None:
    from_bytes = int.from_bytes
    offset = 0
    end = len(page)
    while offset < end:
        start = offset + 36
        located[page[offset : start - 4]] = (page, offset)
        if page[start] == BRANCH_TAG:  # a branch record is always 65 bytes
            offset = start + 65
        else:
            offset = start + from_bytes(page[start - 4 : start], "big")


def page_children(page: bytes, page_height: int) -> list[bytes]:
    """Hashes of the pages directly below ``page``: the non-empty children of the branches on
    its last level, left to right."""
    located: dict[bytes, tuple[bytes, int]] = {}
    _parse_page(page, located)
    children: list[bytes] = []
    deepest = page_height - 1

    def visit(node_hash: bytes, level: int) -> None:
        _, offset = located[node_hash]
        if page[offset + 36] != BRANCH_TAG:
            return
        for child in (page[offset + 37 : offset + 69], page[offset + 69 : offset + 101]):
            if child == EMPTY_HASH:
                continue
            if level == deepest:
                children.append(child)
            else:
                visit(child, level + 1)

    if page:
        visit(page[:32], 0)
    return children
