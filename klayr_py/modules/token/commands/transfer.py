"""``token:transfer``: send tokens to another account on this chain."""

from __future__ import annotations

from klayr_py.contexts import CommandExecuteContext, CommandVerifyContext
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.modules import BaseCommand, VerificationResult
from klayr_py.modules.token.errors import InsufficientBalanceError
from klayr_py.modules.token.internal_method import InternalMethod
from klayr_py.modules.token.method import TokenMethod
from klayr_py.modules.token.schemas import TRANSFER_PARAMS_SCHEMA, TransferParams
from klayr_py.modules.token.stores import UserStore


class TransferCommand(BaseCommand[TransferParams]):
    """Transfer ``amount`` of ``tokenID`` to ``recipientAddress``; ``data`` is a free memo.

    A new recipient account costs the user-account initialization fee, taken out of the
    transaction's fee (the fee module's ``pay_fee``), as in Klayr.
    """

    schema = TRANSFER_PARAMS_SCHEMA

    def init(self, method: TokenMethod, internal_method: InternalMethod) -> None:
        """Receive the module's methods."""
        self._method = method
        self._internal = internal_method

    def verify(self, ctx: CommandVerifyContext[TransferParams]) -> VerificationResult:
        """The sender must have ``amount`` available (before the fee is locked)."""
        params, sender = ctx.params, ctx.transaction.sender_address
        available = self._method.get_available_balance(
            ctx.get_method_context(), sender, params.token_id
        )
        if available < params.amount:
            return VerificationResult.fail(
                InsufficientBalanceError(
                    get_klayr32_address_from_address(sender), available, params.amount
                )
            )
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[TransferParams]) -> None:
        """Create the recipient's account if needed, then move the tokens."""
        params, method_context = ctx.params, ctx.get_method_context()
        if not self.stores.get(UserStore).account_exists(
            ctx, params.recipient_address, params.token_id
        ):
            self._internal.initialize_user_account(
                method_context, params.recipient_address, params.token_id
            )
        self._internal.transfer(
            method_context,
            ctx.transaction.sender_address,
            params.recipient_address,
            params.token_id,
            params.amount,
        )
