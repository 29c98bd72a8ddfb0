"""Balances: one entry per (address, token ID), key address (20 bytes) + token ID (8 bytes)."""

from __future__ import annotations

from typing import Any

from klayr_py.interfaces import ImmutableStoreGetter, StoreGetter
from klayr_py.modules import BaseStore
from klayr_py.modules.token.constants import (
    MAX_MODULE_NAME_LENGTH,
    MAX_UINT64,
    MIN_MODULE_NAME_LENGTH,
    TOKEN_ID_LENGTH,
)
from klayr_py.modules.token.schemas import USER_STORE_SCHEMA, LockedBalance, UserStoreData
from klayr_py.modules.token.utils import module_order_key

_MODULE_NAME_LENGTHS = range(MIN_MODULE_NAME_LENGTH, MAX_MODULE_NAME_LENGTH + 1)


def _fits_model(available_balance: Any, locked_balances: list[dict[str, Any]]) -> bool:
    """Whether ``UserStoreData`` would accept these values as they are (exact types, ranges)."""
    if type(available_balance) is not int or not 0 <= available_balance <= MAX_UINT64:
        return False
    for entry in locked_balances:
        if type(entry) is not dict:
            return False
        module, amount = entry["module"], entry["amount"]
        if (
            type(module) is not str
            or len(module) not in _MODULE_NAME_LENGTHS
            or type(amount) is not int
            or not 0 <= amount <= MAX_UINT64
        ):
            return False
    return True


def _as_model(available_balance: Any, locked_balances: list[Any]) -> UserStoreData:
    return UserStoreData(
        available_balance=available_balance,
        locked_balances=[LockedBalance.model_validate(entry) for entry in locked_balances],
    )


class UserStore(BaseStore[UserStoreData]):
    """``user`` store, index 0."""

    schema = USER_STORE_SCHEMA

    @staticmethod
    def get_key(address: bytes, token_id: bytes) -> bytes:
        """The store key of ``address``'s balance in ``token_id``."""
        return address + token_id

    def get_account(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> UserStoreData:
        """The account; raises NotFoundError if it was never initialized."""
        return self.get(ctx, self.get_key(address, token_id))

    def get_dict(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> dict[str, Any]:
        """:meth:`get_account` as the decoded dict, no model built (the module's hot paths).

        ``{"availableBalance": int, "lockedBalances": [{"module": str, "amount": int}, ...]}``, a
        fresh dict the caller may change. Raises NotFoundError if there is no account, and what
        :meth:`get_account` raises for a stored value the model refuses.
        """
        values = self.codec
        account = values.decode_dict(self._reader(ctx).get(self.get_key(address, token_id)))
        # The codec checked every type and integer range: the model adds module name lengths.
        for entry in account["lockedBalances"]:
            if len(entry["module"]) not in _MODULE_NAME_LENGTHS:
                values.from_dict(account)  # raises the model's ValidationError
        return account

    def account_exists(self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes) -> bool:
        """Whether ``address`` has an account in ``token_id``."""
        return self.has(ctx, self.get_key(address, token_id))

    def create_default_account(self, ctx: StoreGetter, address: bytes, token_id: bytes) -> None:
        """An empty account: zero available, nothing locked."""
        self.set_dict(ctx, self.get_key(address, token_id), 0, [])

    def save(
        self, ctx: StoreGetter, address: bytes, token_id: bytes, account: UserStoreData
    ) -> None:
        """Store ``account`` as Klayr does: zero locks dropped, locks sorted by module name."""
        locked = sorted(
            (entry for entry in account.locked_balances if entry.amount != 0),
            key=lambda entry: module_order_key(entry.module),
        )
        self.set(
            ctx,
            self.get_key(address, token_id),
            UserStoreData(
                available_balance=account.available_balance,
                locked_balances=[LockedBalance(module=e.module, amount=e.amount) for e in locked],
            ),
        )

    def save_dict(
        self,
        ctx: StoreGetter,
        address: bytes,
        token_id: bytes,
        available_balance: int,
        locked_balances: list[dict[str, Any]],
    ) -> None:
        """:meth:`save` of an account given as its values (locks as ``module``/``amount`` dicts).

        The same checks (the model's) and the same bytes as :meth:`save`, without the models.
        """
        locked = [entry for entry in locked_balances if entry["amount"] != 0]
        if not _fits_model(available_balance, locked):
            # Raises the model's ValidationError here (or saves what the model accepts).
            self.save(ctx, address, token_id, _as_model(available_balance, locked))
            return
        if len(locked) > 1:
            locked.sort(key=lambda entry: module_order_key(entry["module"]))
        value = {"availableBalance": available_balance, "lockedBalances": locked}
        self._writer(ctx).set(self.get_key(address, token_id), self.codec.encode_unchecked(value))

    def set_dict(
        self,
        ctx: StoreGetter,
        key: bytes,
        available_balance: int,
        locked_balances: list[dict[str, Any]],
    ) -> None:
        """``set`` of an account given as its values, as they are (no lock dropped or sorted)."""
        if not _fits_model(available_balance, locked_balances):
            self.set(ctx, key, _as_model(available_balance, locked_balances))  # the model checks
            return
        value = {"availableBalance": available_balance, "lockedBalances": locked_balances}
        self._writer(ctx).set(key, self.codec.encode_unchecked(value))

    def accounts_of(
        self, ctx: ImmutableStoreGetter, address: bytes
    ) -> list[tuple[bytes, UserStoreData]]:
        """Every (token ID, account) of ``address``, in token ID order."""
        entries = self.iterate(
            ctx, gte=address + bytes(TOKEN_ID_LENGTH), lte=address + b"\xff" * TOKEN_ID_LENGTH
        )
        return [(entry.key[len(address) :], entry.value) for entry in entries]
