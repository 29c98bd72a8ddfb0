"""Which state-tree pages and diffs a commit may delete: the bookkeeping behind bounded disk.

Pages are content-addressed, so a page made stale by one block can come back later (a key set
back to an earlier value, a revert re-creating the tree below). Deleting by "stale at height s"
alone would then delete a page the live tree uses. The rule here (docs/state.md proves it):

* every commit and every revert is one *operation* with a sequence number that only grows
  (``KEY_STATE_SEQUENCE``), reverts included;
* an operation at height ``h`` (a commit of ``h``, or the revert of ``h``) records the pages it
  made stale -- the old tree's pages the new tree lacks, as the tree update reports them -- under
  ``(h, sequence)``, and stamps every page it writes with its sequence (``PREFIX_PAGE_WRITTEN``);
* once ``h`` is at or below the prune boundary (every root still kept has a height >= ``h``),
  a page of that record is deleted unless it was written again after the record was made
  (its stamp is newer): a tree that still holds it must have written it since.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from klayr_py.db import Database, WriteBatch
from klayr_py.errors import StateError
from klayr_py.state.keys import (
    KEY_STATE_SEQUENCE,
    PREFIX_DIFF,
    PREFIX_PAGE_WRITTEN,
    PREFIX_SMT,
    PREFIX_STALE_PAGES,
    encode_height,
)

PRUNE_HEIGHTS_PER_COMMIT = 4
"""Heights of stale-page records one commit prunes at most. The boundary moves one height per
block, so this catches up after a jump (finality arriving late) without an unbounded commit."""
PRUNE_DIFFS_PER_COMMIT = 16
"""Diffs one commit deletes at most (a data directory from before pruning has one per block:
they go a few per block instead of in one huge batch)."""

RECENT_OPERATIONS = 64
"""Operations whose written pages :class:`RecentWrites` remembers: a record whose later operations
are all remembered is checked in memory, without reading a stamp per page from LevelDB."""

_HASH = 32


def encode_sequence(sequence: int) -> bytes:
    """An operation's sequence as the 8 big-endian bytes stored."""
    return sequence.to_bytes(8, "big")


def read_sequence(db: Database) -> int:
    """The sequence of the last commit or revert (0 before any, or before pruning existed)."""
    stored = db.get_or_none(KEY_STATE_SEQUENCE)
    if stored is None:
        return 0
    if len(stored) != 8:
        raise StateError(f"state sequence has {len(stored)} bytes, expected 8")
    return int.from_bytes(stored, "big")


@dataclass(frozen=True)
class PrunePlan:
    """What one commit deletes: keys (pages, their stamps, records, diffs) and, to drop from the
    page cache, the hashes of the pages."""

    keys: list[bytes] = field(default_factory=list)
    pages: list[bytes] = field(default_factory=list)


class RecentWrites:
    """The pages written by this process's last :data:`RECENT_OPERATIONS` operations, by page:
    the sequence of the last one that wrote it. Stamps in memory, for the usual case of a
    record younger than that; older records read the stored stamps."""

    def __init__(self, next_sequence: int) -> None:
        self._last: dict[bytes, int] = {}
        self._operations: deque[tuple[int, list[bytes]]] = deque()
        self.covers_from = next_sequence
        """Every operation from this sequence on is remembered."""

    def note(self, sequence: int, pages: Iterable[bytes]) -> None:
        """Remember an operation's written pages (after its batch was written)."""
        written = list(pages)
        last = self._last
        for page_hash in written:
            last[page_hash] = sequence
        self._operations.append((sequence, written))
        while len(self._operations) > RECENT_OPERATIONS:
            old, old_pages = self._operations.popleft()
            for page_hash in old_pages:
                if last.get(page_hash) == old:
                    del last[page_hash]
            self.covers_from = old + 1

    def covers_after(self, sequence: int) -> bool:
        """Whether every operation after ``sequence`` is remembered."""
        return sequence + 1 >= self.covers_from

    def last_write(self, page_hash: bytes) -> int:
        """The sequence of the last remembered operation that wrote the page (0: none)."""
        return self._last.get(page_hash, 0)


def record_operation(
    batch: WriteBatch,
    height: int,
    sequence: int,
    stale: list[bytes],
    written: Iterable[bytes],
) -> None:
    """Add an operation's bookkeeping to its batch: its stale pages, its page stamps, its
    sequence."""
    stamp = encode_sequence(sequence)
    if stale:
        batch.set(PREFIX_STALE_PAGES + encode_height(height) + stamp, b"".join(stale))
    for page_hash in written:
        batch.set(PREFIX_PAGE_WRITTEN + page_hash, stamp)
    batch.set(KEY_STATE_SEQUENCE, stamp)


def plan_prune(
    db: Database, boundary: int, keep: Iterable[bytes], recent: RecentWrites | None = None
) -> PrunePlan:
    """The deletions for a prune ``boundary``: records of heights <= ``boundary`` (the oldest
    :data:`PRUNE_HEIGHTS_PER_COMMIT` heights of them) with their pages not written again since,
    and diffs of heights <= ``boundary``. Pages in ``keep`` (what the commit writes) stay.
    ``recent`` answers for stamps it covers, instead of LevelDB."""
    plan = PrunePlan()
    if boundary < 0:
        return plan
    kept = set(keep)
    deleted: set[bytes] = set()
    heights: set[bytes] = set()
    last = PREFIX_STALE_PAGES + encode_height(boundary) + b"\xff" * 8
    get = db.get_or_none
    for key, hashes in db.iterate(gte=PREFIX_STALE_PAGES, lte=last):
        height = key[1:5]
        if height not in heights:
            if len(heights) == PRUNE_HEIGHTS_PER_COMMIT:
                break
            heights.add(height)
        if len(key) != 13 or len(hashes) % _HASH:
            raise StateError(f"stale-page record {key.hex()} is malformed")
        sequence = key[5:]
        number = int.from_bytes(sequence, "big")
        in_memory = recent is not None and recent.covers_after(number)
        last_write = recent.last_write if recent is not None and in_memory else None
        plan.keys.append(key)
        for start in range(0, len(hashes), _HASH):
            page_hash = hashes[start : start + _HASH]
            if page_hash in kept or page_hash in deleted:
                continue
            if last_write is not None:
                again = last_write(page_hash) > number
            else:
                stamp = get(PREFIX_PAGE_WRITTEN + page_hash)
                again = stamp is not None and stamp > sequence
            if not again:  # not written again since it went stale
                deleted.add(page_hash)
                plan.pages.append(page_hash)
                plan.keys.append(PREFIX_SMT + page_hash)
                plan.keys.append(PREFIX_PAGE_WRITTEN + page_hash)
    diffs = db.iterate(
        gte=PREFIX_DIFF, lte=PREFIX_DIFF + encode_height(boundary), limit=PRUNE_DIFFS_PER_COMMIT
    )
    plan.keys.extend(key for key, _ in diffs)
    return plan
