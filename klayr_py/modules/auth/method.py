"""What other modules call: an account's auth data (the transaction pool reads nonces here)."""

from __future__ import annotations

from klayr_py.interfaces import ImmutableStoreGetter
from klayr_py.modules import BaseMethod
from klayr_py.modules.auth.schemas import AuthAccount
from klayr_py.modules.auth.stores.auth_account import AuthAccountStore


class AuthMethod(BaseMethod):
    """Methods of the auth module."""

    def get_auth_account(self, method_context: ImmutableStoreGetter, address: bytes) -> AuthAccount:
        """The auth data of ``address``: nonce 0 and no keys for an account never seen."""
        account = self.stores.get(AuthAccountStore).get_or_default(method_context, address)
        # pydantic-core's validator straight on the decoded dict (camelCase aliases): the codec's
        # types are all the model checks, so it always passes, and it costs a third of
        # ``model_construct``'s Python (the pool reads every sender's nonce here).
        return AuthAccount.__pydantic_validator__.validate_python(account)  # type: ignore[no-any-return]
