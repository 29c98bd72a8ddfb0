"""Errors of the token module: each names the account, token or amount at fault."""

from __future__ import annotations

from klayr_py.errors import KlayrError


class TokenError(KlayrError, ValueError):
    """A token operation is not allowed (unknown token, non-native mint, bad genesis asset ...)."""


class InsufficientBalanceError(TokenError):
    """An account has less available (or locked) balance than an operation needs.

    The message is Klayr's ``InsufficientBalanceError``'s (``ERR_INSUFFICIENT_BALANCE``) unless
    ``message`` gives the one Klayr's ``TokenMethod`` throws in its place.
    """

    code = "ERR_INSUFFICIENT_BALANCE"

    def __init__(self, address: str, balance: int, amount: int, message: str | None = None) -> None:
        self.address = address
        self.balance = balance
        self.amount = amount
        super().__init__(message or f"{address} balance {balance} is not sufficient for {amount}.")
