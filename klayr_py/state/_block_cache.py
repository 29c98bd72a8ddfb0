"""The changes of the block being executed, over the committed state, with a journal for snapshots.

Keys here are state keys (store prefix + sub-store prefix + key); the database holds the committed
value of a state key under ``db_prefix + key``. Two dicts make the cache:

* ``current``: the value each written key has now (None once deleted);
* ``committed``: the committed value of keys read so far (None if absent), so a key is read from
  the database at most once per block.

Snapshots follow py-evm's journal DB: while a snapshot is open, every write first records what
``current`` held for the key; restoring pops those records back. A snapshot costs nothing, a
restore costs the writes made since the snapshot, and nothing is ever copied wholesale.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Final

from klayr_py.db import Database
from klayr_py.errors import StateError
from klayr_py.state.keys import prefix_end


class _Missing:
    """Marks a key that ``current`` did not hold (distinct from None, a deletion)."""

    __slots__ = ()


MISSING: Final = _Missing()


class BlockCache:
    """Uncommitted writes of one block over ``db``, with journaled snapshots."""

    def __init__(self, db: Database, db_prefix: bytes) -> None:
        if not db_prefix or db_prefix[0] == 0xFF:
            raise ValueError("db_prefix must be non-empty and not start with 0xff")
        self.db = db
        self.db_prefix = db_prefix
        self.current: dict[bytes, bytes | None] = {}
        self.committed: dict[bytes, bytes | None] = {}
        self.version = 0
        """Counts writes: a pending commit made at one version is stale at any other."""
        self._journal: list[tuple[bytes, bytes | _Missing | None]] = []
        self._snapshots: dict[int, int] = {}  # snapshot id -> journal length, in creation order
        self._next_snapshot_id = 0
        # Written keys in order, for iteration: kept sorted incrementally (new keys are merged in
        # on the next iteration); a key a restore removed from ``current`` stays listed, skipped.
        self._sorted_keys: list[bytes] = []
        self._unsorted_keys: list[bytes] = []
        self._listed: set[bytes] = set()

    # -- reads and writes ---------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key`` in the block's view: written, else committed; None if absent."""
        value = self.current.get(key, MISSING)
        if value is MISSING:
            return self.get_committed(key)
        return value  # type: ignore[return-value]

    def get_committed(self, key: bytes) -> bytes | None:
        """The committed value of ``key`` (read once from the database, then remembered)."""
        value = self.committed.get(key, MISSING)
        if value is MISSING:
            value = self.db.get_or_none(self.db_prefix + key)
            self.committed[key] = value
        return value  # type: ignore[return-value]

    def write(self, key: bytes, value: bytes | None) -> None:
        """Set ``key`` to ``value``, or delete it when ``value`` is None."""
        current = self.current
        previous = current.get(key, MISSING)
        if previous is MISSING and key not in self._listed:
            self._listed.add(key)
            self._unsorted_keys.append(key)
        if self._snapshots:
            self._journal.append((key, previous))
        current[key] = value
        self.version += 1

    # -- snapshots ----------------------------------------------------------------------------

    def create_snapshot(self) -> int:
        """Open a snapshot of the block's view and return its ID."""
        snapshot_id = self._next_snapshot_id
        self._next_snapshot_id += 1
        self._snapshots[snapshot_id] = len(self._journal)
        return snapshot_id

    def restore_snapshot(self, snapshot_id: int) -> None:
        """Undo every write made since ``snapshot_id``; that snapshot and newer ones are closed."""
        length = self._snapshots.get(snapshot_id)
        if length is None:
            raise StateError(
                f"snapshot {snapshot_id} does not exist: it was restored, invalidated by restoring "
                "an older snapshot, or dropped by a commit or discard"
            )
        journal = self._journal
        current = self.current
        for key, previous in reversed(journal[length:]):
            if previous is MISSING:
                del current[key]
            else:
                current[key] = previous  # type: ignore[assignment]
        del journal[length:]
        snapshots = self._snapshots
        while snapshots:  # IDs grow in creation order: close from the newest down to this one
            newest = next(reversed(snapshots))
            if newest < snapshot_id:
                break
            del snapshots[newest]
        if not snapshots:
            journal.clear()
        self.version += 1

    def reset(self) -> None:
        """Forget every write, read and snapshot: the view is the committed state again."""
        self.current = {}
        self.committed = {}
        self._journal = []
        self._snapshots.clear()
        self._sorted_keys = []
        self._unsorted_keys = []
        self._listed = set()
        self.version += 1

    # -- what the block changed ---------------------------------------------------------------

    def changes(self) -> list[tuple[bytes, bytes | None, bytes | None]]:
        """``(key, committed value, new value)`` for every key whose value the block changed, in
        key order (committed values are read in key order too, which LevelDB prefers)."""
        result = []
        current = self.current
        get_committed = self.get_committed
        for key in sorted(current):
            new = current[key]
            old = get_committed(key)
            if old != new:
                result.append((key, old, new))
        return result

    # -- iteration ----------------------------------------------------------------------------

    def iterate(
        self,
        prefix: bytes,
        gte: bytes | None,
        lte: bytes | None,
        limit: int | None,
        reverse: bool,
    ) -> list[tuple[bytes, bytes]]:
        """Keys starting with ``prefix``, between ``prefix + gte`` and ``prefix + lte`` (inclusive;
        a missing bound is open), merged over writes and committed data, as
        ``(key without prefix, value)``, in key order (reversed if ``reverse``)."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be None or at least 0, got {limit}")
        low = prefix + gte if gte is not None else prefix
        if lte is not None:
            high: bytes | None = prefix + lte
            high_inclusive = True
        else:
            high = prefix_end(prefix)
            high_inclusive = False
        empty_range = high is not None and (low > high or (low == high and not high_inclusive))
        if limit == 0 or empty_range:
            return []
        cached = self._cached_range(low, high, high_inclusive, reverse)
        stored = self._stored_range(low, high, high_inclusive, reverse)
        strip = len(prefix)
        result: list[tuple[bytes, bytes]] = []
        for key, value in _merge(stored, cached, reverse):
            result.append((key[strip:], value))
            if len(result) == limit:
                break
        return result

    def _cached_range(
        self, low: bytes, high: bytes | None, high_inclusive: bool, reverse: bool
    ) -> list[tuple[bytes, bytes | None]]:
        keys = self._sorted_keys
        if self._unsorted_keys:
            # Two sorted runs: Timsort merges them in linear time.
            self._unsorted_keys.sort()
            keys += self._unsorted_keys
            keys.sort()
            self._unsorted_keys = []
        start = bisect_left(keys, low)
        if high is None:
            stop = len(keys)
        else:
            stop = (bisect_right if high_inclusive else bisect_left)(keys, high)
        selected = keys[start:stop]
        if reverse:
            selected.reverse()
        current = self.current
        return [(key, current[key]) for key in selected if key in current]

    def _stored_range(
        self, low: bytes, high: bytes | None, high_inclusive: bool, reverse: bool
    ) -> Iterator[tuple[bytes, bytes]]:
        db_prefix = self.db_prefix
        strip = len(db_prefix)
        # The database takes inclusive bounds: an exclusive bound is passed as is and the one key
        # equal to it skipped. Without any bound, the end of this prefix's key space bounds it.
        stop = db_prefix + high if high is not None else prefix_end(db_prefix)
        excluded = None if high_inclusive else stop
        for key, value in self.db.iterate(gte=db_prefix + low, lte=stop, reverse=reverse):
            if key == excluded:
                continue
            yield key[strip:], value


def _merge(
    stored: Iterator[tuple[bytes, bytes]],
    cached: list[tuple[bytes, bytes | None]],
    reverse: bool,
) -> Iterator[tuple[bytes, bytes]]:
    """Merge two key-ordered streams; the cache wins on equal keys and None hides a key."""
    index = 0
    count = len(cached)
    for key, value in stored:
        while index < count:
            cached_key, cached_value = cached[index]
            if cached_key == key:
                break
            if (cached_key > key) if reverse else (cached_key < key):
                index += 1
                if cached_value is not None:
                    yield cached_key, cached_value
            else:
                break
        if index < count and cached[index][0] == key:
            cached_value = cached[index][1]
            index += 1
            if cached_value is not None:
                yield key, cached_value
            continue
        yield key, value
    for cached_key, cached_value in cached[index:]:
        if cached_value is not None:
            yield cached_key, cached_value
