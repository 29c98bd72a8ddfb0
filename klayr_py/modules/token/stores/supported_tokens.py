"""Foreign tokens this chain accepts, keyed by chain ID (the empty key: every token)."""

from __future__ import annotations

from klayr_py.interfaces import ImmutableStoreGetter, StoreGetter
from klayr_py.modules import BaseStore, KeyValue
from klayr_py.modules.token.constants import (
    ALL_SUPPORTED_TOKENS_KEY,
    LOCAL_ID_LENGTH,
    TOKEN_ID_LENGTH,
)
from klayr_py.modules.token.schemas import SUPPORTED_TOKENS_STORE_SCHEMA, SupportedTokensStoreData
from klayr_py.modules.token.utils import get_mainchain_id, split_token_id


class SupportedTokensStore(BaseStore[SupportedTokensStoreData]):
    """``supportedTokens`` store, index 3."""

    schema = SUPPORTED_TOKENS_STORE_SCHEMA
    own_chain_id: bytes | None = None

    def all_supported(self, ctx: ImmutableStoreGetter) -> bool:
        """Whether every token of every chain is supported."""
        return self.has(ctx, ALL_SUPPORTED_TOKENS_KEY)

    def is_supported(self, ctx: ImmutableStoreGetter, token_id: bytes) -> bool:
        """Whether ``token_id`` may be held here: native, KLY, or listed in this store."""
        if self._is_mainchain_or_native(token_id) or self.all_supported(ctx):
            return True
        chain_id, _ = split_token_id(token_id)
        if not self.has(ctx, chain_id):
            return False
        supported = self.get(ctx, chain_id).supported_token_ids
        return not supported or token_id in supported

    def get_all(self, ctx: ImmutableStoreGetter) -> list[KeyValue]:
        """Every per-chain entry (the all-supported entry, with its empty key, excluded)."""
        return self.iterate(ctx, gte=bytes(TOKEN_ID_LENGTH), lte=b"\xff" * TOKEN_ID_LENGTH)

    def support_all(self, ctx: StoreGetter) -> None:
        """Support every token: drop per-chain entries, write the all-supported entry."""
        for entry in self.get_all(ctx):
            self.delete(ctx, entry.key)
        self.set(ctx, ALL_SUPPORTED_TOKENS_KEY, SupportedTokensStoreData(supported_token_ids=[]))

    def _is_mainchain_or_native(self, token_id: bytes) -> bool:
        chain_id, _ = split_token_id(token_id)
        own = self.own_chain_id
        if own is None:
            return False
        if chain_id == own:
            return True
        return (
            chain_id[0] == own[0]
            and get_mainchain_id(chain_id) == chain_id
            and token_id == chain_id[:1] + bytes(3 + LOCAL_ID_LENGTH)
        )
