"""What the on-chain and off-chain stores share: module store views over one block cache."""

from __future__ import annotations

from klayr_py.db import Database
from klayr_py.state._block_cache import BlockCache
from klayr_py.state.keys import PREFIX_STATE
from klayr_py.state.sub_store import PrefixedSubStore, ReadOnlyStateStore

_MAX_VIEWS = 4096


class CachedStore:
    """Module stores over ``db`` with a write-through cache for the block being executed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache = BlockCache(db, PREFIX_STATE)
        # Views hold no state of their own, so one per store serves every hook (hot path).
        self._views: dict[tuple[bytes, bytes], PrefixedSubStore] = {}
        self._read_only = ReadOnlyStateStore(self._cache)

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> PrefixedSubStore:
        """The read-write view of the module store ``store_prefix + sub_store_prefix``."""
        if type(store_prefix) is not bytes or type(sub_store_prefix) is not bytes:
            # The constructor checks and converts the prefixes.
            return PrefixedSubStore(self._cache, store_prefix, sub_store_prefix)
        view = self._views.get((store_prefix, sub_store_prefix))
        if view is None:
            view = PrefixedSubStore(self._cache, store_prefix, sub_store_prefix)
            if len(self._views) >= _MAX_VIEWS:
                self._views.clear()
            self._views[(view.store_prefix, view.sub_store_prefix)] = view
        return view

    def read_only(self) -> ReadOnlyStateStore:
        """A view of the same data whose stores refuse writes (for verify hooks and endpoints)."""
        return self._read_only

    def create_snapshot(self) -> int:
        """Open a snapshot of the uncommitted changes; cheap (no copy) and nestable."""
        return self._cache.create_snapshot()

    def restore_snapshot(self, snapshot_id: int) -> None:
        """Undo the changes made since ``snapshot_id``.

        That snapshot and every newer one are closed (:class:`StateError` if used again); older
        snapshots stay open. Costs the number of writes undone.
        """
        self._cache.restore_snapshot(snapshot_id)

    def discard(self) -> None:
        """Drop every uncommitted change and open snapshot (a block that failed)."""
        self._cache.reset()

    @property
    def has_changes(self) -> bool:
        """Whether anything was written since the last commit or discard (even if undone)."""
        return bool(self._cache.current)
