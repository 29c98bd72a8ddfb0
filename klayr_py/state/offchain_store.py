"""The off-chain store: module data that is not part of consensus, in its own database.

Same module-store views and snapshots as the on-chain state, but no state tree, no diff and no
height: a commit writes the changed entries in one batch, and reverting a block leaves it alone
(as Klayr's off-chain stores in the module database).
"""

from __future__ import annotations

from klayr_py.db import WriteBatch
from klayr_py.state._cached_store import CachedStore
from klayr_py.state.keys import PREFIX_STATE


class OffchainStore(CachedStore):
    """Module stores over a database of their own (entries under :data:`PREFIX_STATE`)."""

    def commit(self, batch: WriteBatch | None = None, *, sync: bool = True) -> None:
        """Write every change, with the caller's writes in ``batch``, in one atomic batch."""
        if batch is None:
            batch = self.db.new_batch()
        for key, _old, new in self._cache.changes():
            if new is None:
                batch.delete(PREFIX_STATE + key)
            else:
                batch.set(PREFIX_STATE + key, new)
        self.db.write(batch, sync=sync)
        self._cache.reset()
