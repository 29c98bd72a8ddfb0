"""What the token module's own parts share: account creation (with its fee) and raw transfers."""

from __future__ import annotations

from typing import Any, Protocol

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.modules import BaseMethod
from klayr_py.modules.token.errors import InsufficientBalanceError
from klayr_py.modules.token.events import InitializeUserAccountEvent, TransferEvent
from klayr_py.modules.token.schemas import UserStoreData
from klayr_py.modules.token.stores import UserStore


class FeeMethodLike(Protocol):
    """What the token module needs of the fee module: charge a fee from the transaction's."""

    def pay_fee(self, method_context: Any, amount: int) -> None: ...


class InternalMethod(BaseMethod):
    """Klayr's token ``InternalMethod``: not for other modules."""

    user_account_initialization_fee: int = 0
    escrow_account_initialization_fee: int = 0
    fee_method: FeeMethodLike | None = None

    def initialize_user_account(self, ctx: Any, address: bytes, token_id: bytes) -> None:
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
        self, ctx: Any, sender: bytes, recipient: bytes, token_id: bytes, amount: int
    ) -> None:
        """Move ``amount`` between two existing accounts and emit ``transfer``."""
        users = self.stores.get(UserStore)
        sender_account = users.get_account(ctx, sender, token_id)
        if sender_account.available_balance < amount:
            raise InsufficientBalanceError(
                get_klayr32_address_from_address(sender), sender_account.available_balance, amount
            )
        users.save(ctx, sender, token_id, _with_available(sender_account, -amount))
        recipient_account = users.get_account(ctx, recipient, token_id)
        users.save(ctx, recipient, token_id, _with_available(recipient_account, amount))
        self.events.get(TransferEvent).log(ctx, sender, recipient, token_id, amount)


def _with_available(account: UserStoreData, delta: int) -> UserStoreData:
    return account.model_copy(update={"available_balance": account.available_balance + delta})
