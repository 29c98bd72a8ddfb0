"""Emitted when a module locks tokens of an account; topic: the account's address."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.events._result_event import ResultEvent
from klayr_py.modules.token.schemas import LOCK_EVENT_SCHEMA, LockEventData


class LockEvent(ResultEvent[LockEventData]):
    """``lock`` event."""

    schema = LOCK_EVENT_SCHEMA

    def log(
        self,
        ctx: EventQueuer,
        address: bytes,
        module: str,
        token_id: bytes,
        amount: int,
        result: TokenEventResult = TokenEventResult.SUCCESSFUL,
    ) -> None:
        """``module`` locked ``amount`` of ``address``, or why not (``result``)."""
        data = {"address": address, "module": module, "tokenID": token_id, "amount": amount}
        self.emit(ctx, data, [address], result)
