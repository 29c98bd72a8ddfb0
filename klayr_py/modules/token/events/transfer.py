"""Emitted for every token transfer on this chain; topics: sender, recipient."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import TRANSFER_EVENT_SCHEMA, TransferEventData


class TransferEvent(BaseEvent[TransferEventData]):
    """``transfer`` event."""

    schema = TRANSFER_EVENT_SCHEMA

    def log(
        self, ctx: EventQueuer, sender: bytes, recipient: bytes, token_id: bytes, amount: int
    ) -> None:
        """A successful transfer."""
        self._emit(ctx, sender, recipient, token_id, amount, TokenEventResult.SUCCESSFUL)

    def error(
        self,
        ctx: EventQueuer,
        sender: bytes,
        recipient: bytes,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
    ) -> None:
        """A failed transfer: kept even when the failing command is reverted."""
        self._emit(ctx, sender, recipient, token_id, amount, result, no_revert=True)

    def _emit(
        self,
        ctx: EventQueuer,
        sender: bytes,
        recipient: bytes,
        token_id: bytes,
        amount: int,
        result: TokenEventResult,
        no_revert: bool = False,
    ) -> None:
        data = {
            "senderAddress": sender,
            "recipientAddress": recipient,
            "tokenID": token_id,
            "amount": amount,
            "result": int(result),
        }
        self.add(ctx, data, [sender, recipient], no_revert)
