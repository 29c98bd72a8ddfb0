"""``TokenMethod``: what other modules (fee, PoS, rewards ...) call to move and hold tokens.

Every method follows Klayr SDK v6's ``TokenMethod``: a non-positive amount is a no-op, a failure
emits the operation's event with an error ``result`` (kept when the command reverts) and raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.errors import NotFoundError
from klayr_py.interfaces import ImmutableStoreGetter, WritableContext
from klayr_py.modules import BaseMethod, NamedRegistry
from klayr_py.modules.token.constants import (
    ADDRESS_LENGTH,
    LOCAL_ID_LENGTH,
    MAX_UINT64,
    TokenEventResult,
)
from klayr_py.modules.token.errors import InsufficientBalanceError, TokenError
from klayr_py.modules.token.events import (
    BurnEvent,
    InitializeTokenEvent,
    LockEvent,
    MintEvent,
    TransferEvent,
    UnlockEvent,
)
from klayr_py.modules.token.internal_method import InternalMethod
from klayr_py.modules.token.schemas import SupplyStoreData, UserStoreData
from klayr_py.modules.token.stores import SupplyStore, SupportedTokensStore, UserStore
from klayr_py.modules.token.utils import split_token_id


class TokenMethod(BaseMethod):
    """The token module's API for other modules; the first argument is a method context."""

    def __init__(
        self, stores: NamedRegistry[Any], events: NamedRegistry[Any], module_name: str
    ) -> None:
        super().__init__(stores, events)
        self.module_name = module_name
        self.own_chain_id: bytes | None = None
        self._internal: InternalMethod = InternalMethod(stores, events)

    def init(self, own_chain_id: bytes | None, internal_method: InternalMethod) -> None:
        """Receive the chain's own ID (from the genesis config) and the module's internal method."""
        self.own_chain_id = own_chain_id
        self._internal = internal_method

    # --- token IDs --------------------------------------------------------------------------------

    def _chain_id(self) -> bytes:
        if self.own_chain_id is None:
            raise TokenError(
                "token module: the chain ID is unknown (give genesis_config a chain_id / chainID)"
            )
        return self.own_chain_id

    def is_native_token(self, token_id: bytes) -> bool:
        """Whether ``token_id`` belongs to this chain (its first 4 bytes are our chain ID)."""
        chain_id, _ = split_token_id(token_id)
        return chain_id == self._chain_id()

    def get_token_id_kly(self) -> bytes:
        """The ID of the mainchain's token of this network: network byte, then 7 zero bytes."""
        return self._chain_id()[:1] + bytes(3 + LOCAL_ID_LENGTH)

    def is_token_id_available(self, ctx: ImmutableStoreGetter, token_id: bytes) -> bool:
        """Whether no supply entry exists for ``token_id`` yet."""
        return not self.stores.get(SupplyStore).has(ctx, token_id)

    def is_token_supported(self, ctx: ImmutableStoreGetter, token_id: bytes) -> bool:
        """Whether accounts here may hold ``token_id``."""
        return bool(self.stores.get(SupportedTokensStore).is_supported(ctx, token_id))

    # --- reads ------------------------------------------------------------------------------------

    def user_account_exists(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> bool:
        """Whether ``address`` has an account in ``token_id`` (Klayr's ``userSubstoreExists``)."""
        return bool(self.stores.get(UserStore).account_exists(ctx, address, token_id))

    def get_available_balance(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> int:
        """The spendable balance; 0 for an account that does not exist."""
        account = self._plain_or_none(ctx, address, token_id)
        return 0 if account is None else int(account["availableBalance"])

    def get_locked_amount(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes, module: str
    ) -> int:
        """What ``module`` has locked of ``address``'s ``token_id``; 0 if nothing."""
        account = self._plain_or_none(ctx, address, token_id)
        if account is None:
            return 0
        return next((e["amount"] for e in account["lockedBalances"] if e["module"] == module), 0)

    def get_total_supply(self, ctx: ImmutableStoreGetter) -> list[tuple[bytes, int]]:
        """(token ID, total supply) of every native token, in token ID order."""
        return [(e.key, e.value.total_supply) for e in self.stores.get(SupplyStore).get_all(ctx)]

    def _plain_or_none(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> dict[str, Any] | None:
        """The account as its dict (``UserStore.get_dict``), None if there is none."""
        try:
            return self.stores.get(UserStore).get_dict(ctx, address, token_id)
        except NotFoundError:
            return None

    # --- writes -----------------------------------------------------------------------------------

    def initialize_token(self, ctx: WritableContext, token_id: bytes) -> None:
        """Create a native token with zero supply; emits ``initializeToken``."""
        event = self.events.get(InitializeTokenEvent)
        if not self.is_native_token(token_id):
            event.log(ctx, token_id, TokenEventResult.TOKEN_ID_NOT_NATIVE)
            raise TokenError("Only native token can be initialized.")
        if not self.is_token_id_available(ctx, token_id):
            event.log(ctx, token_id, TokenEventResult.TOKEN_ID_NOT_AVAILABLE)
            raise TokenError("The specified token ID is not available.")
        self.stores.get(SupplyStore).set(ctx, token_id, SupplyStoreData(total_supply=0))
        event.log(ctx, token_id)

    def initialize_user_account(
        self, ctx: WritableContext, address: bytes, token_id: bytes
    ) -> None:
        """Create ``address``'s account in ``token_id`` if missing (charging the fee)."""
        if not self.user_account_exists(ctx, address, token_id):
            self._internal.initialize_user_account(ctx, address, token_id)

    def mint(self, ctx: WritableContext, address: bytes, token_id: bytes, amount: int) -> None:
        """Create ``amount`` new native tokens for ``address``; emits ``mint``."""
        if amount <= 0:
            return
        event = self.events.get(MintEvent)
        if not self.is_native_token(token_id):
            event.log(ctx, address, token_id, amount, TokenEventResult.MINT_FAIL_NON_NATIVE_TOKEN)
            raise TokenError("Only native token can be minted.")
        supplies = self.stores.get(SupplyStore)
        try:
            supply: SupplyStoreData = supplies.get(ctx, token_id)
        except NotFoundError:
            event.log(
                ctx, address, token_id, amount, TokenEventResult.MINT_FAIL_TOKEN_NOT_INITIALIZED
            )
            raise TokenError(f"TokenID: {token_id.hex()} is not initialized.") from None
        too_big = f"TokenID: {token_id.hex()} with {amount} exceeds maximum range allowed."
        if supply.total_supply + amount > MAX_UINT64:
            event.log(
                ctx, address, token_id, amount, TokenEventResult.MINT_FAIL_TOTAL_SUPPLY_TOO_BIG
            )
            raise TokenError(too_big)
        if self.get_available_balance(ctx, address, token_id) + amount > MAX_UINT64:
            event.log(
                ctx, address, token_id, amount, TokenEventResult.MINT_FAIL_TOTAL_SUPPLY_TOO_BIG
            )
            raise TokenError(too_big)
        users = self.stores.get(UserStore)
        if not users.account_exists(ctx, address, token_id):
            self._internal.initialize_user_account(ctx, address, token_id)
        account = users.get_account(ctx, address, token_id)
        users.save(ctx, address, token_id, _add_available(account, amount))
        supplies.set(ctx, token_id, SupplyStoreData(total_supply=supply.total_supply + amount))
        event.log(ctx, address, token_id, amount)

    def burn(self, ctx: WritableContext, address: bytes, token_id: bytes, amount: int) -> None:
        """Destroy ``amount`` of ``address``'s available tokens; emits ``burn``."""
        if amount <= 0:
            return
        event = self.events.get(BurnEvent)
        account = self._spendable(
            ctx, address, token_id, amount, lambda r: event.log(ctx, address, token_id, amount, r)
        )
        users = self.stores.get(UserStore)
        users.set_dict(
            ctx,
            users.get_key(address, token_id),
            account["availableBalance"] - amount,
            account["lockedBalances"],
        )
        if self.is_native_token(token_id):
            supplies = self.stores.get(SupplyStore)
            supply: SupplyStoreData = supplies.get(ctx, token_id)
            supplies.set(ctx, token_id, {"totalSupply": supply.total_supply - amount})
        event.log(ctx, address, token_id, amount)

    def transfer(
        self, ctx: WritableContext, sender: bytes, recipient: bytes, token_id: bytes, amount: int
    ) -> None:
        """Move ``amount`` from ``sender`` to ``recipient`` (created if needed); emits transfer."""
        if amount <= 0:
            return
        event = self.events.get(TransferEvent)
        sender_account: dict[str, Any] | None = self._spendable(
            ctx,
            sender,
            token_id,
            amount,
            lambda r: event.log(ctx, sender, recipient, token_id, amount, r),
        )
        if not self.user_account_exists(ctx, recipient, token_id):
            self._internal.initialize_user_account(ctx, recipient, token_id)
            sender_account = None  # read it again: creating an account charges a fee
        self._internal.transfer(
            ctx, sender, recipient, token_id, amount, sender_account=sender_account
        )

    def lock(
        self, ctx: WritableContext, address: bytes, module: str, token_id: bytes, amount: int
    ) -> None:
        """Move ``amount`` from available to locked by ``module``; emits ``lock``."""
        if amount <= 0:
            return
        event = self.events.get(LockEvent)
        account = self._spendable(
            ctx,
            address,
            token_id,
            amount,
            lambda r: event.log(ctx, address, module, token_id, amount, r),
        )
        # A fresh dict from the codec: its lock entries are ours to change.
        locked: list[dict[str, Any]] = account["lockedBalances"]
        existing = next((e for e in locked if e["module"] == module), None)
        if existing is None:
            locked.append({"module": module, "amount": amount})
        else:
            existing["amount"] += amount
        self.stores.get(UserStore).save_dict(
            ctx, address, token_id, account["availableBalance"] - amount, locked
        )
        event.log(ctx, address, module, token_id, amount)

    def unlock(
        self, ctx: WritableContext, address: bytes, module: str, token_id: bytes, amount: int
    ) -> None:
        """Move ``amount`` locked by ``module`` back to available; emits ``unlock``."""
        if amount <= 0:
            return
        event = self.events.get(UnlockEvent)
        users = self.stores.get(UserStore)
        try:
            account = users.get_dict(ctx, address, token_id)
        except NotFoundError:
            event.log(
                ctx, address, module, token_id, amount, TokenEventResult.FAIL_INSUFFICIENT_BALANCE
            )
            raise
        locked: list[dict[str, Any]] = account["lockedBalances"]  # fresh dicts: ours to change
        existing = next((e for e in locked if e["module"] == module), None)
        if len(address) != ADDRESS_LENGTH:
            get_klayr32_address_from_address(address)  # raises, where the text was made eagerly
        if existing is None:
            event.log(
                ctx, address, module, token_id, amount, TokenEventResult.INSUFFICIENT_LOCKED_AMOUNT
            )
            klayr32 = get_klayr32_address_from_address(address)
            raise TokenError(f"Address {klayr32} does not have locked balance for module {module}")
        if existing["amount"] < amount:
            event.log(
                ctx, address, module, token_id, amount, TokenEventResult.INSUFFICIENT_LOCKED_AMOUNT
            )
            klayr32 = get_klayr32_address_from_address(address)
            raise InsufficientBalanceError(
                klayr32,
                existing["amount"],
                amount,
                f"Address {klayr32} does not have sufficient locked balance for amount {amount} "
                f"for module {module}",
            )
        existing["amount"] -= amount
        users.save_dict(ctx, address, token_id, account["availableBalance"] + amount, locked)
        event.log(ctx, address, module, token_id, amount)

    def _spendable(
        self,
        ctx: ImmutableStoreGetter,
        address: bytes,
        token_id: bytes,
        amount: int,
        report: Callable[[TokenEventResult], None],
    ) -> dict[str, Any]:
        """The account (its dict) if it has ``amount`` available; else ``report(result)``, raise."""
        try:
            account = self.stores.get(UserStore).get_dict(ctx, address, token_id)
        except NotFoundError:
            report(TokenEventResult.FAIL_INSUFFICIENT_BALANCE)
            raise
        available: int = account["availableBalance"]
        if available < amount:
            report(TokenEventResult.FAIL_INSUFFICIENT_BALANCE)
            klayr32 = get_klayr32_address_from_address(address)
            raise InsufficientBalanceError(
                klayr32,
                available,
                amount,
                f"Address {klayr32} does not have sufficient balance for amount {amount}",
            )
        return account


def _add_available(account: UserStoreData, delta: int) -> UserStoreData:
    return UserStoreData(
        available_balance=account.available_balance + delta,
        locked_balances=list(account.locked_balances),
    )
