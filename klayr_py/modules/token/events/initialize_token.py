"""Emitted when a native token is created (its supply entry written); topic: the token ID."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.schemas import INITIALIZE_TOKEN_EVENT_SCHEMA, InitializeTokenEventData


class InitializeTokenEvent(BaseEvent[InitializeTokenEventData]):
    """``initializeToken`` event."""

    schema = INITIALIZE_TOKEN_EVENT_SCHEMA

    def log(self, ctx: EventQueuer, token_id: bytes) -> None:
        """A token was initialized."""
        data = InitializeTokenEventData(token_id=token_id, result=int(TokenEventResult.SUCCESSFUL))
        self.add(ctx, data, [token_id])

    def error(self, ctx: EventQueuer, token_id: bytes, result: TokenEventResult) -> None:
        """Initialization failed: kept even when the failing command is reverted."""
        data = InitializeTokenEventData(token_id=token_id, result=int(result))
        self.add(ctx, data, [token_id], no_revert=True)
