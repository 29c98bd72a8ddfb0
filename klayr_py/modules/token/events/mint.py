"""Emitted when tokens are minted; topic: the account's address."""

from __future__ import annotations

from typing import Any

from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import MINT_EVENT_SCHEMA, AccountAmountEventData


class MintEvent(BaseEvent[AccountAmountEventData]):
    """``mint`` event."""

    schema = MINT_EVENT_SCHEMA

    def log(self, ctx: Any, address: bytes, token_id: bytes, amount: int) -> None:
        """A successful mint."""
        self._emit(ctx, address, token_id, amount, TokenEventResult.SUCCESSFUL)

    def error(
        self, ctx: Any, address: bytes, token_id: bytes, amount: int, result: TokenEventResult
    ) -> None:
        """A failed mint: kept even when the failing command is reverted."""
        self._emit(ctx, address, token_id, amount, result, no_revert=True)

    def _emit(
        self,
        ctx: Any,
        address: bytes,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
        no_revert: bool = False,
    ) -> None:
        data = {"address": address, "tokenID": token_id, "amount": amount, "result": int(result)}
        self.add(ctx, data, [address], no_revert)
