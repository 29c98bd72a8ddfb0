"""The on-chain state: module stores, the block cache, Klayr's state root, commit and revert.

A block is executed against the cache (``StateStore.get_store``); ``prepare_commit`` computes the
new state root and everything to write, writing nothing; ``commit`` puts it, with whatever the
caller added (the block, its events), into ONE LevelDB batch written with sync. The batch holds
the state changes, the new tree pages, the block's diff and the new (height, state root) marker,
so a crash leaves the database at the previous block or the new one.

Bounded disk: the same batch records the pages the block made stale and deletes what fell out of
the kept window (``keep_heights`` behind the height :meth:`StateStore.finalize` was given): old
diffs and stale pages no kept root uses (``_pruning``; why it is safe: docs/state.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from klayr_py.db import Database, WriteBatch
from klayr_py.errors import StateError
from klayr_py.state._cached_store import CachedStore
from klayr_py.state._page_cache import DEFAULT_PAGE_CACHE_SIZE, PageCache, PageStore
from klayr_py.state._pruning import (
    PrunePlan,
    RecentWrites,
    plan_prune,
    read_sequence,
    record_operation,
)
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
    sequence: int = 0
    """This operation's number: one more than the last commit's or revert's."""
    stale: list[bytes] = field(default_factory=list, repr=False)
    """Hashes of the pages this commit or revert made stale (recorded for later pruning)."""
    pruned: PrunePlan = field(default_factory=PrunePlan, repr=False)
    """What falls out of the kept window with this commit: deleted in the same batch."""

    def write_into(self, batch: WriteBatch) -> None:
        """Add the commit's writes to ``batch``: deletions of pruned records, state, tree pages,
        diff, the stale-page record and page stamps, marker."""
        for key in self.pruned.keys:
            batch.delete(key)
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
        record_height = self.previous_height if self.is_revert else self.height
        record_operation(batch, record_height, self.sequence, self.stale, self.pages)
        if self.height >= 0:
            batch.set(PREFIX_STATE_MARKER, encode_height(self.height) + self.state_root)
        else:
            batch.delete(PREFIX_STATE_MARKER)


class StateStore(CachedStore):
    """Klayr's on-chain state over ``db`` (usually a :class:`~klayr_py.db.LevelDB`).

    Before the first commit ``height`` is -1 and ``state_root`` the empty root ``sha256(b"")``.
    ``page_cache_size`` bounds the bytes of tree pages kept in memory between commits.
    ``keep_heights`` (``system.keepStateDiffsForHeights``) is how many heights behind the
    finalized one keep their diff and their tree: -1 keeps everything (see :meth:`finalize`).
    """

    def __init__(
        self,
        db: Database,
        *,
        page_cache_size: int = DEFAULT_PAGE_CACHE_SIZE,
        keep_heights: int = -1,
    ) -> None:
        if keep_heights < -1:
            raise StateError(
                f"keep_heights must be -1 (keep all) or at least 0, not {keep_heights}"
            )
        super().__init__(db)
        self.page_cache = PageCache(page_cache_size)
        self.keep_heights = keep_heights
        self._height, self._root = self._read_marker()
        self._sequence = read_sequence(db)
        self._recent = RecentWrites(self._sequence + 1)
        self._finalized = -1

    def finalize(self, height: int) -> None:
        """Blocks up to ``height`` are final: from the next commit on, diffs and stale pages are
        pruned below ``min(height, committed height) - keep_heights`` (the prune boundary).

        Afterwards every root of a height at or above the boundary stays provable, and every
        block above it revertible. The boundary never goes back; nothing is written here.
        """
        self._finalized = max(self._finalized, height)

    @property
    def prune_boundary(self) -> int:
        """The lowest height whose root is kept (-1: nothing is pruned)."""
        if self.keep_heights < 0 or self._finalized < 0:
            return -1
        return max(min(self._finalized, self._height) - self.keep_heights, -1)

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
        stale: list[bytes] = []
        root = SparseMerkleTree(pages, SMT_KEY_LENGTH).update(self._root, tree_changes, stale)
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
            sequence=self._sequence + 1,
            stale=stale,
            pruned=plan_prune(self.db, self.prune_boundary, pages.written, self._recent),
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
        self.page_cache.discard_many(pending.pruned.pages)
        self.page_cache.put_many(pending.pages.items())
        self._recent.note(pending.sequence, pending.pages)
        self._sequence = pending.sequence
        self._height = pending.height
        self._root = pending.state_root
        self._cache.reset()

    # -- revert -------------------------------------------------------------------------------

    def prepare_revert(self, height: int) -> PendingCommit:
        """Compute the revert of block ``height`` (the last committed) from its stored diff.

        The previous root is recomputed from the inverse changes, and its pages written again
        (pruning may have deleted them): a revert needs only the diff and the live tree. Blocks
        at or below the prune boundary have no diff left and cannot be reverted.
        """
        if height != self._height or height < 0:
            raise StateError(
                f"can only revert the last committed block {self._height}, not {height}"
            )
        if self._cache.current:
            raise StateError("cannot revert with uncommitted changes; discard() them first")
        encoded = self.db.get_or_none(PREFIX_DIFF + encode_height(height))
        if encoded is None:
            raise StateError(
                f"no diff stored for block {height}: it cannot be reverted (diffs are kept for "
                "keepStateDiffsForHeights blocks behind the finalized height)"
            )
        diff = StateDiff.decode(encoded)
        inverse = diff.inverse()
        state_changes = sorted(inverse.items())
        tree_changes = {smt_key(key): smt_value(value) for key, value in state_changes}
        pages = PageStore(self.db, self.page_cache)
        stale: list[bytes] = []
        root = SparseMerkleTree(pages, SMT_KEY_LENGTH).update(self._root, tree_changes, stale)
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
            pages=pages.written,
            _cache_version=self._cache.version,
            sequence=self._sequence + 1,
            stale=stale,
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
        ``state_root`` (default: the committed root). The root of any height at or above
        :attr:`prune_boundary` is provable (all of them when nothing is pruned); an older root may
        have lost pages (:class:`~klayr_py.errors.NotFoundError`)."""
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
