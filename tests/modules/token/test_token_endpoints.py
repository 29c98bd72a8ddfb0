"""Token endpoints: Klayr's names, request validation and JSON responses."""

from __future__ import annotations

import pytest

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.errors import ValidationError
from klayr_py.state_machine.endpoints import list_endpoints
from tests.modules.token.chain import TOKEN_ID, Chain, genesis_asset

A, B = b"\x01" * 20, b"\x02" * 20
A32, B32 = get_klayr32_address_from_address(A), get_klayr32_address_from_address(B)


@pytest.fixture(scope="module")
def chain() -> Chain:
    chain = Chain()
    chain.genesis(genesis_asset({A: 100, B: 5}, locked={A: [{"module": "pos", "amount": 7}]}))
    return chain


def test_endpoint_names(chain: Chain) -> None:
    names = {name for name in list_endpoints([chain.token]) if name.startswith("token_")}
    assert names == {
        "token_getBalance",
        "token_getBalances",
        "token_getTotalSupply",
        "token_getSupportedTokens",
        "token_isSupported",
        "token_getEscrowedAmounts",
        "token_getInitializationFees",
        "token_hasUserAccount",
        "token_hasEscrowAccount",
    }


def test_get_balance(chain: Chain) -> None:
    assert chain.call("token", "get_balance", {"address": A32, "tokenID": TOKEN_ID.hex()}) == {
        "availableBalance": "100",
        "lockedBalances": [{"amount": "7", "module": "pos"}],
    }
    unknown = {"address": A32, "tokenID": "0400000100000009"}
    assert chain.call("token", "get_balance", unknown) == {
        "availableBalance": "0",
        "lockedBalances": [],
    }


def test_get_balances(chain: Chain) -> None:
    assert chain.call("token", "get_balances", {"address": B32}) == {
        "balances": [
            {"tokenID": TOKEN_ID.hex(), "availableBalance": "5", "lockedBalances": []},
        ]
    }


def test_total_supply_and_supported_tokens(chain: Chain) -> None:
    assert chain.call("token", "get_total_supply") == {
        "totalSupply": [{"tokenID": TOKEN_ID.hex(), "totalSupply": "112"}],
    }
    assert chain.call("token", "get_supported_tokens") == {
        "supportedTokens": ["0400000000000000", TOKEN_ID.hex()],
    }
    assert chain.call("token", "is_supported", {"tokenID": "0400000000000000"}) == {
        "supported": True,
    }
    assert chain.call("token", "is_supported", {"tokenID": "0400000200000000"}) == {
        "supported": False,
    }


def test_accounts_and_fees(chain: Chain) -> None:
    assert chain.call("token", "has_user_account", {"address": B32, "tokenID": TOKEN_ID.hex()}) == {
        "exists": True
    }
    assert chain.call("token", "has_user_account", {"address": B32, "tokenID": "00" * 8}) == {
        "exists": False,
    }
    assert chain.call(
        "token", "has_escrow_account", {"tokenID": TOKEN_ID.hex(), "escrowChainID": "04000002"}
    ) == {
        "exists": False,
    }
    assert chain.call("token", "get_initialization_fees") == {
        "userAccount": "5000000",
        "escrowAccount": "5000000",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"address": A32},
        {"address": "klyxyz", "tokenID": TOKEN_ID.hex()},
        {"address": A32, "tokenID": "0400"},
    ],
)
def test_bad_requests_are_refused(chain: Chain, params: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        chain.call("token", "get_balance", params)


def test_metadata_lists_asset_events_and_stores(chain: Chain) -> None:
    metadata = chain.token.metadata()
    assert metadata.assets[0]["version"] == 0
    assert metadata.assets[0]["data"]["$id"] == "/token/module/genesis"
    assert [event["name"] for event in metadata.events] == [
        "transfer",
        "mint",
        "burn",
        "lock",
        "unlock",
        "initializeToken",
        "initializeUserAccount",
    ]
    assert [command["name"] for command in metadata.commands] == ["transfer"]
    request = {e["name"]: e.get("request") for e in metadata.endpoints}
    assert request["getBalance"]["$id"] == "/token/endpoint/getBalanceRequest"
