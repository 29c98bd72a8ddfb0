"""Errors of the auth module: why a transaction's nonce or signatures were refused."""

from __future__ import annotations

from klayr_py.errors import KlayrError


class InvalidNonceError(KlayrError, ValueError):
    """A transaction's nonce is lower than its sender's (Klayr's ``ERR_INVALID_NONCE``).

    ``actual`` is the transaction's nonce, ``expected`` the account's, as decimal strings.
    """

    code = "ERR_INVALID_NONCE"

    def __init__(self, message: str, actual: int, expected: int) -> None:
        super().__init__(message)
        self.actual = str(actual)
        self.expected = str(expected)


class InvalidSignatureError(KlayrError, ValueError):
    """A transaction's signatures do not satisfy its sender's account: count, key or Ed25519."""
