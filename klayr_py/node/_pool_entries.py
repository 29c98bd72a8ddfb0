"""The transaction pool's bookkeeping: entries, fee-priority order, per-account nonce lists and
lazily cleaned heaps. Private to :mod:`klayr_py.node.pool`."""

from __future__ import annotations

import heapq
from bisect import insort
from collections.abc import Callable

from klayr_py.chain import Transaction

__all__ = ["Account", "Entry", "LazyHeap", "Ranked", "outranks"]


class Entry:
    """One pooled transaction with the figures the pool orders it by.

    ``processable`` is ``None`` until the entry's account first classifies it; ``is_tail`` marks
    the highest processable nonce of the account. ``version`` counts changes of either, so heap
    items made before the last change can be recognised as stale.
    """

    __slots__ = (
        "address",
        "fee",
        "id",
        "is_tail",
        "live",
        "nonce",
        "processable",
        "received_at",
        "size",
        "transaction",
        "version",
    )

    def __init__(
        self,
        transaction: Transaction,
        *,
        transaction_id: bytes,
        address: bytes,
        size: int,
        received_at: float,
    ) -> None:
        self.transaction = transaction
        self.id = transaction_id
        self.address = address
        self.nonce = transaction.nonce
        self.fee = transaction.fee
        self.size = size
        self.received_at = received_at
        self.processable: bool | None = None
        self.version = 0
        self.live = True
        self.is_tail = False


def outranks(first: Entry, second: Entry) -> bool:
    """Whether ``first`` has a strictly higher fee priority (fee per byte) than ``second``.

    Cross-multiplied, so the fractions are compared exactly (Klayr floors fee / size instead).
    """
    return first.fee * second.size > second.fee * first.size


class Ranked:
    """A heap item: an entry as it was when pushed, ordered by fee priority then ID.

    The ID breaks ties so the heap's minimum never depends on insertion order.
    """

    __slots__ = ("entry", "version")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.version = entry.version

    def __lt__(self, other: Ranked) -> bool:
        mine, theirs = self.entry, other.entry
        left, right = mine.fee * theirs.size, theirs.fee * mine.size
        if left != right:
            return left < right
        return mine.id < theirs.id


class LazyHeap:
    """A min-heap of entries by fee priority whose stale items are dropped when they surface.

    Removing from the middle of a heap costs O(n); marking the entry and skipping it later costs
    nothing, and a rebuild once stale items outnumber live ones keeps the heap small.
    """

    __slots__ = ("_is_current", "_items")

    def __init__(self, is_current: Callable[[Ranked], bool]) -> None:
        self._items: list[Ranked] = []
        self._is_current = is_current

    def push(self, entry: Entry) -> None:
        """Add ``entry`` as it is now."""
        heapq.heappush(self._items, Ranked(entry))

    def peek(self) -> Entry | None:
        """The current entry of lowest fee priority, or None."""
        items = self._items
        while items:
            if self._is_current(items[0]):
                return items[0].entry
            heapq.heappop(items)
        return None

    def compact(self, live_count: int) -> None:
        """Rebuild without stale items once they are the majority (amortised O(1) a push)."""
        if len(self._items) > 2 * live_count + 64:
            self._items = [item for item in self._items if self._is_current(item)]
            heapq.heapify(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Account:
    """One sender's pooled transactions by nonce, and its confirmed nonce as last read.

    ``run`` holds the transactions of nonces ``nonce, nonce + 1, ...`` without a gap: those can go
    into the next block in order; the rest wait behind a gap.
    """

    __slots__ = ("address", "by_nonce", "nonce", "nonces", "run")

    def __init__(self, address: bytes, nonce: int) -> None:
        self.address = address
        self.nonce = nonce
        self.by_nonce: dict[int, Entry] = {}
        self.nonces: list[int] = []
        self.run: list[Transaction] = []

    def insert(self, entry: Entry) -> None:
        """Hold ``entry``; its nonce must be free."""
        self.by_nonce[entry.nonce] = entry
        insort(self.nonces, entry.nonce)

    def detach(self, entry: Entry) -> None:
        """Forget ``entry``; at most 64 nonces, so the list removal is cheap."""
        del self.by_nonce[entry.nonce]
        self.nonces.remove(entry.nonce)

    def ordered(self) -> list[Entry]:
        """The entries in ascending nonce order."""
        return [self.by_nonce[nonce] for nonce in self.nonces]

    def run_length(self) -> int:
        """How many nonces from the confirmed nonce on are present without a gap."""
        count = 0
        expected = self.nonce
        for nonce in self.nonces:
            if nonce != expected:
                break
            count += 1
            expected += 1
        return count
