"""What every token event shares: a ``result`` code, and Klayr's rule for keeping it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.token.constants import TokenEventResult

T = TypeVar("T")


class ResultEvent(BaseEvent[T]):
    """A token event carrying ``result``: a success is reverted with a failing command, a
    failure is kept (``no_revert``) so the chain records why the command failed, as Klayr's
    token events do with their ``log`` and ``error`` pair."""

    def emit(
        self,
        ctx: EventQueuer,
        data: dict[str, Any],
        topics: Sequence[bytes],
        result: TokenEventResult = TokenEventResult.SUCCESSFUL,
    ) -> None:
        """Add the event with ``data`` plus its ``result``."""
        failed = result is not TokenEventResult.SUCCESSFUL
        self.add(ctx, {**data, "result": int(result)}, topics, no_revert=failed)
