"""Choosing a block's transactions: highest fee priority first, each sender in nonce order.

Klayr's generator merges the pool's per-account queues by fee priority (fee / byte size),
keeps a block within ``maxTransactionsSize`` and, when a transaction is left out, leaves out the
sender's later nonces too (they could not be valid without it).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence

from klayr_py.chain import Transaction

__all__ = ["PoolSelector"]


class PoolSelector:
    """A :class:`~klayr_py.state_machine.block_executor.TransactionSelector` over pool queues."""

    def __init__(
        self, processable: Mapping[bytes, Sequence[Transaction]], max_transactions_size: int
    ) -> None:
        self._queues = {address: list(txs) for address, txs in processable.items() if txs}
        self._next_index = dict.fromkeys(self._queues, 0)
        self._budget = max_transactions_size
        self._used = 0
        # (negated priority as an exact fraction via cross-multiplication key, tx id, address)
        self._heap: list[tuple[_Priority, bytes, bytes]] = []
        for address in sorted(self._queues):
            self._push_next(address)
        self.rejections: list[tuple[Transaction, str]] = []

    def _push_next(self, address: bytes) -> None:
        index = self._next_index[address]
        queue = self._queues[address]
        if index < len(queue):
            transaction = queue[index]
            heapq.heappush(
                self._heap, (_Priority(transaction), transaction.id, address)
            )

    def __iter__(self) -> Iterator[Transaction]:
        while self._heap:
            _, _, address = heapq.heappop(self._heap)
            transaction = self._queues[address][self._next_index[address]]
            size = len(transaction.get_bytes())
            if self._used + size > self._budget:
                continue  # does not fit: the sender's later nonces cannot follow it
            self._pending_size = size
            yield transaction

    def accepted(self, transaction: Transaction) -> None:
        """The block kept ``transaction``: count its bytes, offer the sender's next nonce."""
        self._used += self._pending_size
        address = transaction.sender_address
        self._next_index[address] += 1
        self._push_next(address)

    def rejected(self, transaction: Transaction, reason: str) -> None:
        """The block left ``transaction`` out: stop offering its sender's transactions."""
        self.rejections.append((transaction, reason))

    @property
    def used_bytes(self) -> int:
        """Bytes of the transactions kept so far."""
        return self._used


class _Priority:
    """Orders transactions by fee / size, highest first, exactly (no floats)."""

    __slots__ = ("fee", "size")

    def __init__(self, transaction: Transaction) -> None:
        self.fee = transaction.fee
        self.size = len(transaction.get_bytes())

    def __lt__(self, other: _Priority) -> bool:
        # Higher priority sorts first in the min-heap.
        return self.fee * other.size > other.fee * self.size

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Priority) and self.fee * other.size == other.fee * self.size
        )

    __hash__ = None  # type: ignore[assignment]
