"""Emitted when an account is created in a token; topic: the account's address."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules.token.events._result_event import ResultEvent
from klayr_py.modules.token.schemas import (
    INITIALIZE_USER_ACCOUNT_EVENT_SCHEMA,
    InitializeUserAccountEventData,
)


class InitializeUserAccountEvent(ResultEvent[InitializeUserAccountEventData]):
    """``initializeUserAccount`` event."""

    schema = INITIALIZE_USER_ACCOUNT_EVENT_SCHEMA

    def log(
        self, ctx: EventQueuer, address: bytes, token_id: bytes, initialization_fee: int
    ) -> None:
        """An account was created, charging ``initialization_fee``."""
        data = {"address": address, "tokenID": token_id, "initializationFee": initialization_fee}
        self.emit(ctx, data, [address])
