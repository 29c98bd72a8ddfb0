"""Emitted when tokens are burnt; topic: the account's address."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.events._result_event import ResultEvent
from klayr_py.modules.token.schemas import BURN_EVENT_SCHEMA, AccountAmountEventData


class BurnEvent(ResultEvent[AccountAmountEventData]):
    """``burn`` event."""

    schema = BURN_EVENT_SCHEMA

    def log(
        self,
        ctx: EventQueuer,
        address: bytes,
        token_id: bytes,
        amount: int,
        result: TokenEventResult = TokenEventResult.SUCCESSFUL,
    ) -> None:
        """Tokens of ``address`` burnt, or why not (``result``)."""
        data = {"address": address, "tokenID": token_id, "amount": amount}
        self.emit(ctx, data, [address], result)
