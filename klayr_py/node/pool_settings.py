"""The transaction pool's settings and the outcome of an admission: what a caller of
:class:`~klayr_py.node.pool.TransactionPool` configures and reads back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from klayr_py.chain import Transaction
from klayr_py.errors import KlayrError

__all__ = ["AddResult", "PoolConfig", "RejectReason", "TransactionPoolError"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PoolConfig:
    """The pool's limits; the defaults are Klayr's (``transactionPool`` in a node's config).

    Fees and priorities are in beddows; ``min_entrance_fee_priority`` is beddows per byte.
    """

    max_transactions: int = 4096
    max_transactions_per_account: int = 64
    transaction_expiry_seconds: float = 3 * 60 * 60
    min_entrance_fee_priority: int = 0
    min_replacement_fee_difference: int = 10
    max_transaction_size: int = 15 * 1024
    max_nonce_gap: int = 64
    """A nonce must be below the confirmed nonce + this (klayr_py only)."""

    def __post_init__(self) -> None:
        for name in (
            "max_transactions",
            "max_transactions_per_account",
            "max_transaction_size",
            "max_nonce_gap",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"PoolConfig.{name} must be at least 1, got {getattr(self, name)}")
        for name in ("min_entrance_fee_priority", "min_replacement_fee_difference"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"PoolConfig.{name} must not be negative, got {getattr(self, name)}"
                )
        if self.transaction_expiry_seconds <= 0:
            raise ValueError(
                "PoolConfig.transaction_expiry_seconds must be positive, "
                f"got {self.transaction_expiry_seconds}"
            )


class RejectReason(StrEnum):
    """Why :meth:`TransactionPool.add` turned a transaction away."""

    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    DUPLICATE = "duplicate"
    FEE_PRIORITY_TOO_LOW = "fee_priority_too_low"
    NONCE_TOO_LOW = "nonce_too_low"
    NONCE_GAP_TOO_LARGE = "nonce_gap_too_large"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    REPLACEMENT_FEE_TOO_LOW = "replacement_fee_too_low"
    ACCOUNT_LIMIT = "account_limit"
    POOL_FULL = "pool_full"
    VERIFICATION_FAILED = "verification_failed"


class TransactionPoolError(KlayrError, ValueError):
    """The pool rejected a transaction; ``reason`` says which rule, the message how."""

    def __init__(self, reason: RejectReason, message: str, transaction_id: bytes = b"") -> None:
        self.reason = reason
        self.transaction_id = transaction_id
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`TransactionPool.add` did with one transaction.

    ``removed`` lists the transactions that left the pool during the call to make room (a
    replaced one, an account's highest nonce, an evicted one) or because the account's confirmed
    nonce had passed them: the node may announce them as dropped.
    """

    transaction_id: bytes
    reason: RejectReason | None = None
    message: str = ""
    processable: bool = False
    removed: tuple[Transaction, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        """Whether the transaction is now in the pool."""
        return self.reason is None

    def raise_if_rejected(self) -> None:
        """Raise :class:`TransactionPoolError` for a rejection (for RPC handlers)."""
        if self.reason is not None:
            raise TransactionPoolError(self.reason, self.message, self.transaction_id)
