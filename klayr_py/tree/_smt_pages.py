"""How sparse Merkle tree nodes are grouped into pages in a :class:`NodeStore`.

A node record is ``b"\\x00" + key + value`` for a leaf and ``b"\\x01" + left + right`` for a branch.
Nodes are not stored one by one: the nodes at depths ``d .. d + page_height - 1`` under a node at a
depth ``d`` that is a multiple of ``page_height`` form one page, stored under that node's hash (so a
page key is a node hash, and pages are as immutable as nodes). A page is the concatenation of
``hash + len(record) (4 bytes) + record`` for each of its nodes; children at depth
``d + page_height`` are the roots of their own pages. Reading one page brings in up to
``2**page_height - 1`` nodes, so a path of length L costs about L / page_height reads.

Every node at a depth that is a multiple of ``page_height`` -- the root included -- must be the
top of a stored page, since a reader finds any other node only inside the page above it. A
branch's depth is fixed by its subtree (the bit where its keys first differ, less the single-child
branches above that split), so a branch on a page boundary was a page top when it was made. A leaf
is the one node that moves: a deletion that leaves it alone in its subtree lifts it (possibly to a
boundary, or to the root, even when the update makes no new node), and an insertion next to it
pushes it down. A leaf on a boundary is a page of one node, the same bytes at any depth.
"""

from __future__ import annotations

from collections.abc import Callable

from klayr_py.errors import NotFoundError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree.node_store import NodeStore

LEAF_TAG = 0
BRANCH_TAG = 1


class PageReader:
    """Reads node records, loading the page of a node the first time it is needed.

    ``located`` gives, for every node read, its page and the offset of its entry in that page:
    :func:`write_pages` copies unchanged subtrees from there as runs of bytes.
    """

    def __init__(self, db: NodeStore) -> None:
        self._get = db.get
        self.records: dict[bytes, bytes] = {}
        self.located: dict[bytes, tuple[bytes, int]] = {}

    def read(self, node_hash: bytes) -> bytes:
        """The record of ``node_hash``; its page must be its own or one already read."""
        record = self.records.get(node_hash)
        if record is None:
            page = self._get(node_hash)
            if page is None:
                raise NotFoundError(f"tree page {node_hash.hex()} is not in the store")
            _parse_page(page, self.records, self.located)
            record = self.records.get(node_hash)
            if record is None:
                raise NotFoundError(f"page {node_hash.hex()} does not hold its own root node")
        return record


def _parse_page(
    page: bytes, into: dict[bytes, bytes], located: dict[bytes, tuple[bytes, int]]
) -> None:
    from_bytes = int.from_bytes
    offset = 0
    end = len(page)
    while offset < end:
        start = offset + 36
        stop = start + from_bytes(page[offset + 32 : start], "big")
        node_hash = page[offset : offset + 32]
        into[node_hash] = page[start:stop]
        located[node_hash] = (page, offset)
        offset = stop


_BRANCH_SIZE = (65).to_bytes(4, "big")


def write_pages(
    root: bytes,
    created: dict[bytes, bytes],
    known: dict[bytes, bytes],
    put: Callable[[bytes, bytes], None],
    page_height: int,
    located: dict[bytes, tuple[bytes, int]] | None = None,
) -> None:
    """Store the pages of the tree under ``root`` that hold nodes made by an update.

    ``created`` holds the records of new nodes and ``known`` those read while updating. A page is
    written when its root is new, or is a leaf in ``known`` (the root included): an update moves a
    leaf only when it reads it, so every leaf that may have moved to a page boundary is there, and
    writing a one-node page again is harmless. Other nodes on a boundary are untouched, so their
    pages are already stored and are left as they are. Call this whenever the root changed, even if
    ``created`` is empty (a deletion that lifts a leaf to the root creates no node).

    ``located`` (the reader's: page and offset of every node in ``known``) lets an unchanged
    branch be copied with its subtree down to the page's last level as one run of its old page:
    pages are in pre-order and a branch never changes depth, so that run is the same bytes. Its
    children past the page are unchanged too, so their pages are already stored.
    """
    created_get = created.get
    known_get = known.get
    empty = EMPTY_HASH
    branch_tag = BRANCH_TAG
    leaf_tag = LEAF_TAG
    branch_size = _BRANCH_SIZE
    deepest = page_height - 1

    def needs_page(node_hash: bytes) -> bool:
        if node_hash in created:
            return True
        record = known_get(node_hash)
        return record is not None and record[0] == leaf_tag

    if root == empty or not needs_page(root):
        return
    pending = [root]
    parts: list[bytes] = []
    add = parts.extend
    append = parts.append

    def emit(node_hash: bytes, level: int) -> None:
        """Add ``node_hash`` and, below it down to the page's last level, its subtree, in
        pre-order; queue the children past that level that need pages of their own."""
        record = created_get(node_hash)
        if record is None:
            record = known[node_hash]
            if record[0] != branch_tag:
                add((node_hash, len(record).to_bytes(4, "big"), record))
            elif level < deepest and located is not None:
                # Unchanged: its run ends with the entry of its last descendant in pre-order
                # (rightmost non-empty child, down to the page's last level or a leaf).
                page, start = located[node_hash]
                last = node_hash
                while level < deepest and record[0] == branch_tag:
                    right = record[33:65]
                    last = right if right != empty else record[1:33]
                    record = known[last]
                    level += 1
                append(page[start : located[last][1] + 36 + len(record)])
            else:
                add((node_hash, branch_size, record))
                if level == deepest:
                    return
                level += 1
                left = record[1:33]
                right = record[33:65]
                if left != empty:
                    emit(left, level)
                if right != empty:
                    emit(right, level)
            return
        if record[0] != branch_tag:
            add((node_hash, len(record).to_bytes(4, "big"), record))
            return
        add((node_hash, branch_size, record))
        left = record[1:33]
        right = record[33:65]
        if level < deepest:
            level += 1
            if left != empty:
                emit(left, level)
            if right != empty:
                emit(right, level)
        else:
            # Left first here, right first in the page: either way every page gets written.
            if left != empty and needs_page(left):
                pending.append(left)
            if right != empty and needs_page(right):
                pending.append(right)

    while pending:
        page_root = pending.pop()
        emit(page_root, 0)
        put(page_root, b"".join(parts))
        parts.clear()
