"""``FeeMethod``: lets other modules charge extra fees out of the running transaction's fee."""

from __future__ import annotations

from dataclasses import dataclass

from klayr_py.errors import KlayrError
from klayr_py.interfaces import WritableContext
from klayr_py.modules import BaseMethod
from klayr_py.modules.fee.constants import CONTEXT_STORE_KEY_AVAILABLE_FEE
from klayr_py.modules.fee.events import InsufficientFeeEvent


class InsufficientFeeError(KlayrError, ValueError):
    """A command asked for more fee than the transaction has left."""


@dataclass(frozen=True, slots=True)
class FeeConfig:
    """The fee module's effective configuration."""

    fee_token_id: bytes
    min_fee_per_byte: int
    max_block_height_zero_fee_per_byte: int
    fee_pool_address: bytes | None


class FeeMethod(BaseMethod):
    """The fee module's API for other modules (Klayr's ``FeeMethod``)."""

    config: FeeConfig | None = None

    def init(self, config: FeeConfig) -> None:
        """Receive the module's configuration."""
        self.config = config

    def _config(self) -> FeeConfig:
        if self.config is None:
            raise RuntimeError("fee module is not initialized")
        return self.config

    def get_fee_token_id(self) -> bytes:
        """The token fees are paid in."""
        return self._config().fee_token_id

    def pay_fee(self, ctx: WritableContext, amount: int) -> None:
        """Take ``amount`` from what is left of the running transaction's fee.

        The fee module's ``after_command_execute`` then burns it (or sends it to the fee pool)
        instead of giving it to the generator. Running out emits ``insufficientFee`` (kept even
        when the command reverts), forfeits the whole remaining fee, and raises.
        """
        store = ctx.context_store
        available = int(store.get(CONTEXT_STORE_KEY_AVAILABLE_FEE) or 0)
        if available < amount:
            self.events.get(InsufficientFeeEvent).error(ctx)
            store.pop(CONTEXT_STORE_KEY_AVAILABLE_FEE, None)
            raise InsufficientFeeError("Transaction ran out of fee.")
        store[CONTEXT_STORE_KEY_AVAILABLE_FEE] = available - amount
