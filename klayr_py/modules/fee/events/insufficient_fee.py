"""Emitted (empty, never reverted) when a command asks for more fee than the transaction left."""

from __future__ import annotations

from typing import Any

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent


class InsufficientFeeEvent(BaseEvent[dict[str, Any]]):
    """``insufficientFee`` event: no data, no topics of its own."""

    def error(self, ctx: EventQueuer) -> None:
        """Record that the running transaction ran out of fee."""
        self.add(ctx, {}, [], no_revert=True)
