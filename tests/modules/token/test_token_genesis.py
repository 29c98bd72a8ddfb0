"""init_genesis_state: Klayr's checks on the token genesis asset, and what it writes."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.modules.token import GENESIS_TOKEN_STORE_SCHEMA
from klayr_py.modules.token.stores import SupportedTokensStore
from klayr_py.state_machine.block_executor import BlockExecutionError
from tests.modules.token.chain import FOREIGN_TOKEN_ID, TOKEN_ID, Chain, genesis_asset

A, B = b"\x01" * 20, b"\x02" * 20


def asset(**substores: list[dict[str, Any]]) -> bytes:
    value = {
        "userSubstore": [],
        "supplySubstore": [],
        "escrowSubstore": [],
        "supportedTokensSubstore": [],
        **substores,
    }
    return codec.encode(GENESIS_TOKEN_STORE_SCHEMA, value)


def user(
    addr: bytes, amount: int, locked: list[dict[str, Any]] | None = None, token_id: bytes = TOKEN_ID
) -> dict[str, Any]:
    return {
        "address": addr,
        "tokenID": token_id,
        "availableBalance": amount,
        "lockedBalances": locked or [],
    }


def supply(amount: int, token_id: bytes = TOKEN_ID) -> dict[str, Any]:
    return {"tokenID": token_id, "totalSupply": amount}


def test_writes_balances_locks_and_supply() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({A: 100, B: 50}, locked={B: [{"module": "pos", "amount": 7}]}))
    assert (chain.balance(A), chain.balance(B), chain.locked(B, "pos")) == (100, 50, 7)
    assert chain.supply() == 157


def test_no_asset_writes_nothing() -> None:
    chain = Chain()
    chain.genesis(None)
    assert chain.token.method.get_total_supply(chain.state) == []


def test_foreign_token_balances_need_no_supply() -> None:
    chain = Chain()
    chain.genesis(asset(userSubstore=[user(A, 5, token_id=FOREIGN_TOKEN_ID)]))
    assert chain.balance(A, FOREIGN_TOKEN_ID) == 5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"userSubstore": [user(A, 1), user(A, 1)], "supplySubstore": [supply(2)]},
            "pair is duplicated",
        ),
        (
            {"userSubstore": [user(B, 1), user(A, 1)], "supplySubstore": [supply(2)]},
            "must be sorted by address and tokenID",
        ),
        (
            {
                "userSubstore": [user(A, 1, [{"module": "pos", "amount": 0}])],
                "supplySubstore": [supply(1)],
            },
            "contains 0 amount locked balance",
        ),
        (
            {
                "userSubstore": [
                    user(A, 1, [{"module": "pos", "amount": 1}, {"module": "fee", "amount": 1}])
                ],
                "supplySubstore": [supply(3)],
            },
            "Locked balances must be sorted by module",
        ),
        (
            {
                "userSubstore": [
                    user(A, 1, [{"module": "pos", "amount": 1}, {"module": "pos", "amount": 1}])
                ],
                "supplySubstore": [supply(3)],
            },
            "duplicate module in locked balances",
        ),
        ({"supplySubstore": [supply(0), supply(0)]}, "is duplicated"),
        (
            {"supplySubstore": [supply(0, bytes.fromhex("0400000100000002")), supply(0)]},
            "SupplySubstore must be sorted",
        ),
        (
            {"userSubstore": [user(A, 10)], "supplySubstore": [supply(9)]},
            "conflicts with computed supply",
        ),
        ({"userSubstore": [user(A, 10)]}, "conflicts with computed supply"),
        (
            {"userSubstore": [user(A, 0)], "supplySubstore": [supply(0)]},
            "conflicts with computed supply",
        ),  # Klayr's `!stored` quirk: 0 counts as missing
        ({"supplySubstore": [supply(5)]}, "non zero but cannot be computed"),
        ({"userSubstore": [user(A, 2**64 - 1), user(B, 1)]}, "exceeds uint64 range"),
        (
            {
                "escrowSubstore": [
                    {"escrowChainID": bytes.fromhex("04000002"), "tokenID": TOKEN_ID, "amount": 3}
                ]
                * 2
            },
            "pair is duplicated",
        ),
        (
            {
                "supportedTokensSubstore": [
                    {"chainID": b"", "supportedTokenIDs": [FOREIGN_TOKEN_ID]}
                ]
            },
            "must be an empty array",
        ),
        (
            {
                "supportedTokensSubstore": [
                    {"chainID": b"\x04", "supportedTokenIDs": []},
                    {"chainID": b"\x05", "supportedTokenIDs": []},
                ]
            },
            "chainIDs must be of length 4",
        ),
        (
            {
                "supportedTokensSubstore": [
                    {"chainID": bytes.fromhex("04000003"), "supportedTokenIDs": [FOREIGN_TOKEN_ID]}
                ]
            },
            "must match the chainID",
        ),
    ],
)
def test_invalid_assets_are_refused(value: dict[str, Any], message: str) -> None:
    with pytest.raises(BlockExecutionError) as error:
        Chain().genesis(asset(**value))
    assert message in str(error.value.__cause__ or error.value)


def test_escrow_counts_towards_supply_and_supported_tokens_are_written() -> None:
    chain = Chain()
    chain.genesis(
        asset(
            userSubstore=[user(A, 10)],
            supplySubstore=[supply(13)],
            escrowSubstore=[
                {"escrowChainID": bytes.fromhex("04000002"), "tokenID": TOKEN_ID, "amount": 3}
            ],
            supportedTokensSubstore=[
                {"chainID": bytes.fromhex("04000002"), "supportedTokenIDs": [FOREIGN_TOKEN_ID]}
            ],
        )
    )
    assert chain.token.method.is_token_supported(chain.state, FOREIGN_TOKEN_ID)
    assert not chain.token.method.is_token_supported(chain.state, bytes.fromhex("0400000300000000"))
    assert chain.call("token", "get_escrowed_amounts") == {
        "escrowedAmounts": [
            {"escrowChainID": "04000002", "amount": "3", "tokenID": TOKEN_ID.hex()},
        ]
    }


def test_support_all() -> None:
    chain = Chain()
    chain.genesis(asset(supportedTokensSubstore=[{"chainID": b"", "supportedTokenIDs": []}]))
    assert chain.token.stores.get(SupportedTokensStore).all_supported(chain.state)
    assert chain.call("token", "get_supported_tokens") == {"supportedTokens": ["*"]}
