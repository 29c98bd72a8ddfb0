"""Emitted when an account is created in a token (paying the fee); topic: the address."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import (
    INITIALIZE_USER_ACCOUNT_EVENT_SCHEMA,
    InitializeUserAccountEventData,
)


class InitializeUserAccountEvent(BaseEvent[InitializeUserAccountEventData]):
    """``initializeUserAccount`` event."""

    schema = INITIALIZE_USER_ACCOUNT_EVENT_SCHEMA

    def log(
        self, ctx: EventQueuer, address: bytes, token_id: bytes, initialization_fee: int
    ) -> None:
        """An account was created."""
        data = {
            "address": address,
            "tokenID": token_id,
            "initializationFee": initialization_fee,
            "result": int(TokenEventResult.SUCCESSFUL),
        }
        self.add(ctx, data, [address])
