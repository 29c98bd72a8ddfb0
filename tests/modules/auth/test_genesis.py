"""init_genesis_state: the genesis asset's accounts, refused where Klayr refuses them."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import BlockAsset, BlockAssets
from klayr_py.modules.auth import GENESIS_AUTH_STORE_SCHEMA, AuthAccountStore
from klayr_py.state_machine.block_executor import BlockExecutionError
from tests.modules.auth.helpers import Chain, account, genesis_asset, sorted_keys

K1, K2, K3 = (pair.public_key for pair in sorted_keys(3))
ADDRESS = bytes(range(20))


def test_accounts_are_stored() -> None:
    chain = Chain()
    entries = [(ADDRESS, account(4, 2, [K1], [K2, K3])), (bytes(20), account(9))]
    chain.genesis(genesis_asset(entries))
    store = AuthAccountStore("auth", 0)
    for address, value in entries:
        assert store.get(chain.state, address) == value


def test_no_asset_writes_nothing() -> None:
    chain = Chain()
    chain.genesis()
    assert AuthAccountStore("auth", 0).iterate(chain.state) == []


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([(bytes(19), account())], "Invalid store key length for auth module."),
        ([(ADDRESS, account(0, 2, [K2, K1]))], "MandatoryKeys are not sorted lexicographically."),
        ([(ADDRESS, account(0, 2, [K1, K1]))], "MandatoryKeys are not unique."),
        ([(ADDRESS, account(0, 1, [], [K3, K2]))], "OptionalKeys are not sorted"),
        ([(ADDRESS, account(0, 1, [], [K2, K2]))], "OptionalKeys are not unique."),
        ([(ADDRESS, account(0, 2, [K1], [K1]))], "Repeated keys across Mandatory and Optional"),
        ([(ADDRESS, account(0, 3, [K1], [K2]))], "numberOfSignatures is bigger than the count"),
        ([(ADDRESS, account(0, 1, [K1, K2]))], "numberOfSignatures is smaller than the count"),
        ([(ADDRESS, account(0, 65))], "numberOfSignatures"),  # the schema's maximum 64
        ([(ADDRESS, account()), (ADDRESS, account(1))], "Duplicate address"),
    ],
)
def test_invalid_asset_fails_the_genesis_block(
    entries: list[tuple[bytes, dict[str, Any]]], message: str
) -> None:
    chain = Chain()
    with pytest.raises(BlockExecutionError, match=message):
        chain.genesis(genesis_asset(entries))


def test_key_count_limited_by_config() -> None:
    chain = Chain({"maxNumberOfSignatures": 2})
    with pytest.raises(BlockExecutionError, match="should be maximum 2"):
        chain.genesis(genesis_asset([(ADDRESS, account(0, 1, [K1], [K2, K3]))]))


def test_short_key_fails_validation() -> None:
    data = codec.encode(
        GENESIS_AUTH_STORE_SCHEMA,
        {"authDataSubstore": [{"address": ADDRESS, "authAccount": account(0, 1, [b"k" * 31])}]},
    )
    with pytest.raises(BlockExecutionError, match="mandatoryKeys"):
        Chain().genesis(BlockAssets([BlockAsset("auth", data)]))


def test_config_is_validated() -> None:
    with pytest.raises(Exception, match="maxNumberOfSignatures"):
        Chain({"maxNumberOfSignatures": -1})
