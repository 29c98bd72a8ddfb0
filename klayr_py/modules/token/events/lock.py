"""Emitted when a module locks an account's tokens; topic: the account's address."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import LOCK_EVENT_SCHEMA, LockEventData


class LockEvent(BaseEvent[LockEventData]):
    """``lock`` event."""

    schema = LOCK_EVENT_SCHEMA

    def log(
        self, ctx: EventQueuer, address: bytes, module: str, token_id: bytes, amount: int
    ) -> None:
        """The event of a success."""
        self._emit(ctx, address, module, token_id, amount, TokenEventResult.SUCCESSFUL)

    def error(
        self,
        ctx: EventQueuer,
        address: bytes,
        module: str,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
    ) -> None:
        """The event of a failure: kept even when the failing command is reverted."""
        self._emit(ctx, address, module, token_id, amount, result, no_revert=True)

    def _emit(
        self,
        ctx: EventQueuer,
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
