"""The result of a verify hook: OK, or FAIL with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class VerifyStatus(IntEnum):
    """Klayr's ``VerifyStatus`` values."""

    FAIL = -1
    PENDING = 0
    OK = 1


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """What ``verify_transaction`` and ``BaseCommand.verify`` return."""

    status: VerifyStatus
    error: Exception | None = None

    def __post_init__(self) -> None:
        # Accept Klayr's plain numbers too: VerificationResult(1) is OK.
        object.__setattr__(self, "status", VerifyStatus(self.status))

    @classmethod
    def ok(cls) -> VerificationResult:
        """Verification passed."""
        return _OK

    @classmethod
    def fail(cls, reason: str | Exception) -> VerificationResult:
        """Verification failed because of ``reason``."""
        error = reason if isinstance(reason, Exception) else ValueError(reason)
        return cls(VerifyStatus.FAIL, error)

    @property
    def is_ok(self) -> bool:
        """Whether the status is OK."""
        return self.status is VerifyStatus.OK


_OK = VerificationResult(VerifyStatus.OK)
