"""The auth method's view of an account: the stored values, as the model."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from klayr_py.db import InMemoryDatabase
from klayr_py.modules.auth import AuthAccount, AuthAccountStore, AuthModule
from klayr_py.state import StateStore

keys = st.lists(st.binary(min_size=32, max_size=32), max_size=4)


@given(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.integers(min_value=0, max_value=2**32 - 1),
    keys,
    keys,
)
def test_get_auth_account_gives_the_stored_values(
    nonce: int, signatures: int, mandatory: list[bytes], optional: list[bytes]
) -> None:
    module = AuthModule()
    state = StateStore(InMemoryDatabase())
    stored: dict[str, Any] = {
        "nonce": nonce,
        "numberOfSignatures": signatures,
        "mandatoryKeys": mandatory,
        "optionalKeys": optional,
    }
    module.stores.get(AuthAccountStore).set(state, bytes(20), stored)
    account = module.method.get_auth_account(state, bytes(20))
    assert account == AuthAccount(
        nonce=nonce,
        number_of_signatures=signatures,
        mandatory_keys=mandatory,
        optional_keys=optional,
    )
    assert type(account) is AuthAccount
    assert account.model_fields_set == set(AuthAccount.model_fields)
    unknown = module.method.get_auth_account(state, bytes([1]) * 20)
    assert unknown == AuthAccount(
        nonce=0, number_of_signatures=0, mandatory_keys=[], optional_keys=[]
    )
