"""Emitted when a module unlocks an account's tokens; topic: the account's address."""

from __future__ import annotations

from typing import Any

from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import UNLOCK_EVENT_SCHEMA, LockEventData


class UnlockEvent(BaseEvent[LockEventData]):
    """``unlock`` event."""

    schema = UNLOCK_EVENT_SCHEMA

    def log(self, ctx: Any, address: bytes, module: str, token_id: bytes, amount: int) -> None:
        """A successful unlock."""
        self._emit(ctx, address, module, token_id, amount, TokenEventResult.SUCCESSFUL)

    def error(
        self,
        ctx: Any,
        address: bytes,
        module: str,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
    ) -> None:
        """A failed unlock: kept even when the failing command is reverted."""
        self._emit(ctx, address, module, token_id, amount, result, no_revert=True)

    def _emit(
        self,
        ctx: Any,
        address: bytes,
        module: str,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
        no_revert: bool = False,
    ) -> None:
        data = {
            "address": address,
            "module": module,
            "tokenID": token_id,
            "amount": amount,
            "result": int(result),
        }
        self.add(ctx, data, [address], no_revert)
