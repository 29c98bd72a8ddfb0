"""Balances: one entry per (address, token ID), key address (20 bytes) + token ID (8 bytes)."""

from __future__ import annotations

from typing import Any

from klayr_py.modules import BaseStore
from klayr_py.modules.token.constants import TOKEN_ID_LENGTH
from klayr_py.modules.token.schemas import USER_STORE_SCHEMA, LockedBalance, UserStoreData
from klayr_py.modules.token.utils import module_order_key


class UserStore(BaseStore[UserStoreData]):
    """``user`` store, index 0."""

    schema = USER_STORE_SCHEMA

    @staticmethod
    def get_key(address: bytes, token_id: bytes) -> bytes:
        """The store key of ``address``'s balance in ``token_id``."""
        return address + token_id

    def get_account(self, ctx: Any, address: bytes, token_id: bytes) -> UserStoreData:
        """The account; raises NotFoundError if it was never initialized."""
        return self.get(ctx, self.get_key(address, token_id))

    def account_exists(self, ctx: Any, address: bytes, token_id: bytes) -> bool:
        """Whether ``address`` has an account in ``token_id``."""
        return self.has(ctx, self.get_key(address, token_id))

    def create_default_account(self, ctx: Any, address: bytes, token_id: bytes) -> None:
        """An empty account: zero available, nothing locked."""
        self.set(
            ctx,
            self.get_key(address, token_id),
            UserStoreData(available_balance=0, locked_balances=[]),
        )

    def save(self, ctx: Any, address: bytes, token_id: bytes, account: UserStoreData) -> None:
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

    def accounts_of(self, ctx: Any, address: bytes) -> list[tuple[bytes, UserStoreData]]:
        """Every (token ID, account) of ``address``, in token ID order."""
        entries = self.iterate(
            ctx, gte=address + bytes(TOKEN_ID_LENGTH), lte=address + b"\xff" * TOKEN_ID_LENGTH
        )
        return [(entry.key[len(address) :], entry.value) for entry in entries]
