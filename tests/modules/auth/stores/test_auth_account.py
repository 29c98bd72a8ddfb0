"""The auth account store's reads: a missing account is the default, cheaply."""

from __future__ import annotations

import pytest

from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules import base_store
from klayr_py.modules.auth import AuthAccountStore
from klayr_py.modules.auth.schemas import default_auth_account
from tests.modules.auth.helpers import Chain, account, keys, signed

ALICE = keys(1)[0]


def test_a_missing_account_is_the_default_without_a_not_found_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every new sender's transactions read a missing account: building BaseStore.get's
    Klayr32 error text for it cost a fifth of pool admission."""

    def no_message(address: bytes) -> str:
        raise AssertionError("a not-found message was built for a default account")

    monkeypatch.setattr(base_store, "get_klayr32_address_from_address", no_message)
    chain = Chain()
    chain.genesis()
    store = AuthAccountStore("auth", 0)
    assert store.get_or_default(chain.state, bytes(20)) == default_auth_account()


def test_a_stored_account_is_read_back() -> None:
    chain = Chain()
    chain.genesis()
    chain.block([signed(ALICE, 0)])
    store = AuthAccountStore("auth", 0)
    address = get_address_from_public_key(ALICE.public_key)
    assert store.get_or_default(chain.state, address) == account(1)
