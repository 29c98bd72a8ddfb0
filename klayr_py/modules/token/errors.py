"""Errors of the token module: each names the account, token or amount at fault."""

from __future__ import annotations

from klayr_py.errors import KlayrError


class TokenError(KlayrError, ValueError):
    """A token operation is not allowed (unknown token, non-native mint, bad genesis asset ...)."""


class InsufficientBalanceError(TokenError):
    """An account has less available (or locked) balance than an operation needs."""

    def __init__(self, address: str, balance: int, amount: int) -> None:
        self.address = address
        self.balance = balance
        self.amount = amount
        super().__init__(
            f"{address} has insufficient balance: {balance}, required amount: {amount}"
        )
