"""Emitted when a native token is created (its supply entry written); topic: the token ID."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.events._result_event import ResultEvent
from klayr_py.modules.token.schemas import (
    INITIALIZE_TOKEN_EVENT_SCHEMA,
    InitializeTokenEventData,
)


class InitializeTokenEvent(ResultEvent[InitializeTokenEventData]):
    """``initializeToken`` event."""

    schema = INITIALIZE_TOKEN_EVENT_SCHEMA

    def log(
        self,
        ctx: EventQueuer,
        token_id: bytes,
        result: TokenEventResult = TokenEventResult.SUCCESSFUL,
    ) -> None:
        """``token_id`` initialized, or why not (``result``)."""
        self.emit(ctx, {"tokenID": token_id}, [token_id], result)
