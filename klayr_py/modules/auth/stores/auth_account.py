"""``authAccount``: each account's nonce and multisignature keys, keyed by its 20-byte address."""

from __future__ import annotations

from typing import Any

from klayr_py.errors import NotFoundError
from klayr_py.interfaces import ImmutableStoreGetter
from klayr_py.modules import BaseStore
from klayr_py.modules.auth.schemas import AUTH_ACCOUNT_SCHEMA, default_auth_account


class AuthAccountStore(BaseStore[dict[str, Any]]):
    """``authAccount`` store, index 0 of ``auth``; values are dicts in Klayr's account schema.

    Dicts, not models: every transaction reads and writes its sender's entry, so the store stays
    on the compiled codec alone (no pydantic work per transaction).
    """

    schema = AUTH_ACCOUNT_SCHEMA

    def get_or_default(self, ctx: ImmutableStoreGetter, address: bytes) -> dict[str, Any]:
        """The account at ``address``, or nonce 0 with no keys when it has none stored.

        Reads the sub-store directly: every new account's transactions (in the pool, and the
        first in a block) land here, and :meth:`get`'s not-found message (a Klayr32 address)
        would cost more than the rest of the read.
        """
        try:
            raw = self._reader(ctx).get(address)
        except NotFoundError:
            return default_auth_account()
        return self.codec.decode(raw)
