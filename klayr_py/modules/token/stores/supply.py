"""Total supply of each native token, keyed by token ID."""

from __future__ import annotations

from klayr_py.interfaces import ImmutableStoreGetter
from klayr_py.modules import BaseStore, KeyValue
from klayr_py.modules.token.constants import TOKEN_ID_LENGTH
from klayr_py.modules.token.schemas import SUPPLY_STORE_SCHEMA, SupplyStoreData


class SupplyStore(BaseStore[SupplyStoreData]):
    """``supply`` store, index 1."""

    schema = SUPPLY_STORE_SCHEMA

    def get_all(self, ctx: ImmutableStoreGetter) -> list[KeyValue]:
        """Every (token ID, supply) entry, in token ID order."""
        return self.iterate(ctx, gte=bytes(TOKEN_ID_LENGTH), lte=b"\xff" * TOKEN_ID_LENGTH)
