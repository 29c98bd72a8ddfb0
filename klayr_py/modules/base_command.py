"""Commands: the state transitions a transaction triggers (``module:command``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from klayr_py.modules._declared import Declared
from klayr_py.modules.named_registry import NamedRegistry
from klayr_py.modules.verification import VerificationResult

if TYPE_CHECKING:
    from klayr_py.contexts.hooks import CommandExecuteContext, CommandVerifyContext

P = TypeVar("P")


class BaseCommand(Declared[P]):
    """``BaseCommand(stores, events)``; the params type is declared like a store's value type.

    The state machine decodes the transaction's params with it and validates them against the
    schema before ``verify`` runs; ``ctx.params`` is then a dict or a model instance.
    """

    _suffix = "Command"

    def __init__(self, stores: NamedRegistry[Any], events: NamedRegistry[Any]) -> None:
        super().__init__()
        self.stores = stores
        self.events = events

    def init(self, *args: Any, **kwargs: Any) -> None:
        """Receive configuration or dependencies from the module (optional)."""

    def verify(self, ctx: CommandVerifyContext[P]) -> VerificationResult:
        """Check the params against the (read-only) state; OK by default."""
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[P]) -> None:
        """Apply the command. Raising reverts its changes and marks the transaction failed."""
        raise NotImplementedError(f"{type(self).__name__}.execute is not implemented")


BaseCommand._generic_base = BaseCommand
