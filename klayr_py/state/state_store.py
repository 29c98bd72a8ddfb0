"""The on-chain state: module stores, the block cache, Klayr's state root, commit and revert.

A block is executed against the cache (``StateStore.get_store``); ``prepare_commit`` computes the
new state root and everything to write, writing nothing; ``commit`` puts it, with whatever the
caller added (the block, its events), into ONE LevelDB batch written with sync. The batch holds
the state changes, the new tree pages, the block's diff and the new (height, state root) marker,
so a crash leaves the database at the previous block or the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from klayr_py.db import Database, WriteBatch
from klayr_py.errors import StateError
from klayr_py.state._cached_store import CachedStore
from klayr_py.state._page_cache import DEFAULT_PAGE_CACHE_SIZE, PageCache, PageStore
from klayr_py.state.diff import StateDiff
from klayr_py.state.keys import (
    PREFIX_DIFF,
    PREFIX_SMT,
    PREFIX_STATE,
    PREFIX_STATE_MARKER,
    SMT_KEY_LENGTH,
    encode_height,
    smt_key,
    smt_value,
)
from klayr_py.tree import EMPTY_HASH, SparseMerkleProof, SparseMerkleTree

MAX_HEIGHT = 2**32 - 1
"""Heights are uint32, as in Klayr's block header."""


@dataclass(frozen=True, eq=False)
class PendingCommit:
    """A commit or revert computed in full but not written: what :meth:`StateStore.commit` writes.

    ``height`` and ``state_root`` are the marker after the write; a block generator puts
    ``state_root`` in the header, a block importer compares it with the header's before writing.
    """

    height: int
    state_root: bytes
    diff: StateDiff
    """The diff of the block being committed, or of the block being reverted."""
    is_revert: bool
    previous_height: int
    previous_root: bytes
    state_changes: list[tuple[bytes, bytes | None]] = field(repr=False)
    """``(state key, new value or None to delete)`` in key order."""
    pages: dict[bytes, bytes] = field(repr=False)
    """New tree pages by page hash."""
    _cache_version: int = field(repr=False)

    def write_into(self, batch: WriteBatch) -> None:
        """Add the commit's writes to ``batch``: state, tree pages, diff, marker."""
        for key, value in self.state_changes:
            if value is None:
                batch.delete(PREFIX_STATE + key)
            else:
                batch.set(PREFIX_STATE + key, value)
        for page_hash, page in self.pages.items():
            batch.set(PREFIX_SMT + page_hash, page)
        if self.is_revert:
            batch.delete(PREFIX_DIFF + encode_height(self.previous_height))
        else:
            batch.set(PREFIX_DIFF + encode_height(self.height), self.diff.encode())
        if self.height >= 0:
            batch.set(PREFIX_STATE_MARKER, encode_height(self.height) + self.state_root)
        else:
            batch.delete(PREFIX_STATE_MARKER)


class StateStore(CachedStore):
    """Klayr's on-chain state over ``db`` (usually a :class:`~klayr_py.db.LevelDB`).

    Before the first commit ``height`` is -1 and ``state_root`` the empty root ``sha256(b"")``.
    ``page_cache_size`` bounds the bytes of tree pages kept in memory between commits.
    """

    def __init__(self, db: Database, *, page_cache_size: int = DEFAULT_PAGE_CACHE_SIZE) -> None:
        super().__init__(db)
        self.page_cache = PageCache(page_cache_size)
        self._height, self._root = self._read_marker()

    @property
    def height(self) -> int:
        """Height of the last committed block (-1 before the first)."""
        return self._height

    @property
    def state_root(self) -> bytes:
        """State root of the last committed block (``sha256(b"")`` before the first)."""
        return self._root

    # -- commit -------------------------------------------------------------------------------

    def prepare_commit(self, height: int) -> PendingCommit:
        """Compute the commit of the current changes as block ``height``, writing nothing.

        ``height`` must follow the committed height (any height for the first commit). The root
        is computed from the changed keys only. Changing the state afterwards makes the pending
        commit stale: :meth:`commit` then refuses it.
        """
        self._check_next_height(height)
        created: list[bytes] = []
        updated: list[tuple[bytes, bytes]] = []
        deleted: list[tuple[bytes, bytes]] = []
        state_changes: list[tuple[bytes, bytes | None]] = []
        tree_changes: dict[bytes, bytes] = {}
        for key, old, new in self._cache.changes():
            if old is None:
                created.append(key)
            elif new is None:
                deleted.append((key, old))
            else:
                updated.append((key, old))
            state_changes.append((key, new))
            tree_changes[smt_key(key)] = smt_value(new)
        pages = PageStore(self.db, self.page_cache)
        root = SparseMerkleTree(pages, SMT_KEY_LENGTH).update(self._root, tree_changes)
        return PendingCommit(
            height=height,
            state_root=root,
            diff=StateDiff(updated=updated, created=created, deleted=deleted),
            is_revert=False,
            previous_height=self._height,
            previous_root=self._root,
            state_changes=state_changes,
            pages=pages.written,
            _cache_version=self._cache.version,
        )

    def commit(
        self, pending: PendingCommit, batch: WriteBatch | None = None, *, sync: bool = True
    ) -> None:
        """Write ``pending`` in one atomic batch, with the caller's writes already in ``batch``.

        After the write the cache is empty and reads see the new committed state. If the write
        fails nothing changes and ``pending`` may be committed again.
        """
        self._check_pending(pending)
        if batch is None:
            batch = self.db.new_batch()
        pending.write_into(batch)
        self.db.write(batch, sync=sync)
        self.page_cache.put_many(pending.pages.items())
        self._height = pending.height
        self._root = pending.state_root
        self._cache.reset()

    # -- revert -------------------------------------------------------------------------------

    def prepare_revert(self, height: int) -> PendingCommit:
        """Compute the revert of block ``height`` (the last committed) from its stored diff.

        The previous root is recomputed from the inverse changes; its pages are already stored
        (pages are immutable and never deleted), so the revert writes none.
        """
        if height != self._height or height < 0:
            raise StateError(
                f"can only revert the last committed block {self._height}, not {height}"
            )
        if self._cache.current:
            raise StateError("cannot revert with uncommitted changes; discard() them first")
        encoded = self.db.get_or_none(PREFIX_DIFF + encode_height(height))
        if encoded is None:
            raise StateError(f"no diff stored for block {height}: it cannot be reverted")
        diff = StateDiff.decode(encoded)
        inverse = diff.inverse()
        state_changes = sorted(inverse.items())
        tree_changes = {smt_key(key): smt_value(value) for key, value in state_changes}
        pages = PageStore(self.db, self.page_cache)
        root = SparseMerkleTree(pages, SMT_KEY_LENGTH).update(self._root, tree_changes)
        if root != EMPTY_HASH and pages.get(root) is None:
            raise StateError(
                f"reverting block {height} gives state root {root.hex()}, whose tree is not stored"
            )
        return PendingCommit(
            height=height - 1,
            state_root=root,
            diff=diff,
            is_revert=True,
            previous_height=self._height,
            previous_root=self._root,
            state_changes=state_changes,
            pages={},
            _cache_version=self._cache.version,
        )

    def revert(self, height: int, batch: WriteBatch | None = None, *, sync: bool = True) -> bytes:
        """Revert block ``height`` (the last committed) in one atomic batch; the previous root."""
        pending = self.prepare_revert(height)
        self.commit(pending, batch, sync=sync)
        return pending.state_root

    def committed_view(self) -> CachedStore:
        """A scratch store over the committed state: it never sees this store's uncommitted
        changes, and what is written to it is never kept (dry runs, reads beside a block)."""
        return CachedStore(self.db)

    # -- proofs -------------------------------------------------------------------------------

    def prove(self, queries: Sequence[bytes], state_root: bytes | None = None) -> SparseMerkleProof:
        """A proof for tree keys ``queries`` (see :func:`~klayr_py.state.smt_key`) under
        ``state_root`` (default: the committed root); any root committed before stays provable."""
        pages = PageStore(self.db, self.page_cache)
        tree = SparseMerkleTree(pages, SMT_KEY_LENGTH)
        return tree.prove(self._root if state_root is None else state_root, queries)

    # -- page cache ---------------------------------------------------------------------------

    def warm_page_cache(self, max_pages: int | None = None) -> int:
        """Read the committed tree's pages into the page cache, top levels first, until the
        cache is full or ``max_pages`` were read; the number read.

        Every block reads the upper levels, and a node's first blocks after a start would
        otherwise read them from LevelDB one by one. Roots are unaffected: only speed changes.
        """
        cache = self.page_cache
        if (max_pages is not None and max_pages <= 0) or cache.max_bytes <= 0:
            return 0
        tree = SparseMerkleTree(PageStore(self.db, cache), SMT_KEY_LENGTH)
        count = largest = 0
        size = cache.size
        # Stop before the cache would evict: it would drop the top pages, read first.
        for _ in tree.pages(self._root):
            count += 1
            largest = max(largest, cache.size - size)
            size = cache.size
            if count == max_pages or size + 2 * largest > cache.max_bytes:
                break
        return count

    # -- helpers ------------------------------------------------------------------------------

    def _read_marker(self) -> tuple[int, bytes]:
        marker = self.db.get_or_none(PREFIX_STATE_MARKER)
        if marker is None:
            return -1, EMPTY_HASH
        if len(marker) != 36:
            raise StateError(f"state marker has {len(marker)} bytes, expected 36")
        return int.from_bytes(marker[:4], "big"), marker[4:]

    def _check_next_height(self, height: int) -> None:
        if not 0 <= height <= MAX_HEIGHT:
            raise StateError(f"block height must be in 0..{MAX_HEIGHT}, got {height}")
        if self._height >= 0 and height != self._height + 1:
            raise StateError(
                f"cannot commit block {height}: the last committed block is {self._height}"
            )

    def _check_pending(self, pending: PendingCommit) -> None:
        if (
            pending._cache_version != self._cache.version
            or pending.previous_height != self._height
            or pending.previous_root != self._root
        ):
            raise StateError(
                f"stale pending commit for block {pending.height}: the state changed since it "
                "was prepared"
            )
