"""What the token module's own parts share: account creation (with its fee) and raw transfers."""

from __future__ import annotations

from typing import Any, Protocol

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.interfaces import WritableContext
from klayr_py.modules import BaseMethod
from klayr_py.modules.token.errors import InsufficientBalanceError
from klayr_py.modules.token.events import InitializeUserAccountEvent, TransferEvent
from klayr_py.modules.token.stores import UserStore


class FeeMethodLike(Protocol):
    """What the token module needs of the fee module: charge a fee from the transaction's."""

    def pay_fee(self, method_context: WritableContext, amount: int) -> None: ...


class InternalMethod(BaseMethod):
    """Klayr's token ``InternalMethod``: not for other modules."""

    user_account_initialization_fee: int = 0
    escrow_account_initialization_fee: int = 0
    fee_method: FeeMethodLike | None = None

    def initialize_user_account(
        self, ctx: WritableContext, address: bytes, token_id: bytes
    ) -> None:
        """Create an empty account, charging the initialization fee to the running transaction.

        The fee is taken from the transaction's fee through the fee module (Klayr's
        ``feeMethod.payFee``); without a fee module wired in, no fee is charged.
        """
        fee = self.user_account_initialization_fee
        if self.fee_method is not None:
            self.fee_method.pay_fee(ctx, fee)
        self.stores.get(UserStore).create_default_account(ctx, address, token_id)
        self.events.get(InitializeUserAccountEvent).log(ctx, address, token_id, fee)

    def transfer(
        self,
        ctx: WritableContext,
        sender: bytes,
        recipient: bytes,
        token_id: bytes,
        amount: int,
        *,
        sender_account: dict[str, Any] | None = None,
    ) -> None:
        """Move ``amount`` between two existing accounts and emit ``transfer``.

        ``sender_account``: the sender's account as ``UserStore.get_dict`` just returned it (and
        nothing written since), to save reading it again; it is changed in place.
        """
        users = self.stores.get(UserStore)
        if sender_account is None:
            sender_account = users.get_dict(ctx, sender, token_id)
        available: int = sender_account["availableBalance"]
        if available < amount:
            raise InsufficientBalanceError(
                get_klayr32_address_from_address(sender), available, amount
            )
        users.save_dict(ctx, sender, token_id, available - amount, sender_account["lockedBalances"])
        recipient_account = users.get_dict(ctx, recipient, token_id)
        users.save_dict(
            ctx,
            recipient,
            token_id,
            recipient_account["availableBalance"] + amount,
            recipient_account["lockedBalances"],
        )
        self.events.get(TransferEvent).log(ctx, sender, recipient, token_id, amount)
