"""Emitted for every token transfer on this chain; topics: sender, recipient."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.events._result_event import ResultEvent
from klayr_py.modules.token.schemas import TRANSFER_EVENT_SCHEMA, TransferEventData


class TransferEvent(ResultEvent[TransferEventData]):
    """``transfer`` event."""

    schema = TRANSFER_EVENT_SCHEMA

    def log(
        self,
        ctx: EventQueuer,
        sender: bytes,
        recipient: bytes,
        token_id: bytes,
        amount: int,
        result: TokenEventResult = TokenEventResult.SUCCESSFUL,
    ) -> None:
        """A transfer, or why it failed (``result``)."""
        data = {
            "senderAddress": sender,
            "recipientAddress": recipient,
            "tokenID": token_id,
            "amount": amount,
        }
        self.emit(ctx, data, [sender, recipient], result)
