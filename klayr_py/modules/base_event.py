"""Events: typed records a module emits during execution (LIP 0065)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from klayr_py.interfaces import EventQueuer
from klayr_py.modules._declared import Declared

T = TypeVar("T")


class BaseEvent(Declared[T]):
    """``BaseEvent(module_name)``; ``add(ctx, data, topics=None, no_revert=False)`` emits one.

    ``key`` is module name + event name (UTF-8), as Klayr's, and must be unique in the chain.
    """

    _suffix = "Event"

    def __init__(self, module_name: str) -> None:
        super().__init__()
        self.module_name = module_name

    @property
    def key(self) -> bytes:
        """Module name + event name, UTF-8."""
        return (self.module_name + self.name).encode()

    def add(
        self,
        ctx: EventQueuer,
        data: T | dict[str, Any],
        topics: Sequence[bytes] | None = None,
        no_revert: bool = False,
    ) -> None:
        """Emit the event into ``ctx.event_queue`` (its default topic comes first).

        ``data`` is a model instance or a dict keyed by the schema's property names (with a model
        declared, a dict is checked against it, as a store checks one). ``no_revert`` events
        survive the revert of a failing command.
        """
        ctx.event_queue.add(
            self.module_name, self.name, self.codec.encode(data), topics, no_revert
        )


BaseEvent._generic_base = BaseEvent
