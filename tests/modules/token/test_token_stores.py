"""Store keys, schemas and value bytes of the token module match Klayr's."""

from __future__ import annotations

from typing import Any

from klayr_py import codec
from klayr_py.modules import compute_store_prefix
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA, LockedBalance, TokenModule, UserStoreData
from klayr_py.modules.token.schemas import USER_STORE_SCHEMA
from klayr_py.modules.token.stores import EscrowStore, SupplyStore, SupportedTokensStore, UserStore
from klayr_py.modules.token.utils import module_order_key
from tests.modules.token.chain import TOKEN_ID
from tests.oracle.node import require_oracle, run_node


def test_store_keys_follow_klayr_indices() -> None:
    module = TokenModule()
    prefix = compute_store_prefix("token")
    assert module.stores.get(UserStore).key == prefix + bytes.fromhex("0000")
    assert module.stores.get(SupplyStore).key == prefix + bytes.fromhex("8000")
    assert module.stores.get(EscrowStore).key == prefix + bytes.fromhex("4000")
    assert module.stores.get(SupportedTokensStore).key == prefix + bytes.fromhex("c000")
    assert [s.name for s in module.stores.values()] == [
        "user",
        "supply",
        "escrow",
        "supportedTokens",
    ]


def test_user_key_is_address_then_token_id() -> None:
    assert UserStore.get_key(b"\x01" * 20, TOKEN_ID) == b"\x01" * 20 + TOKEN_ID


def test_save_drops_zero_locks_and_sorts_by_module(ctx: Any, token: TokenModule) -> None:
    users = token.stores.get(UserStore)
    account = UserStoreData(
        available_balance=5,
        locked_balances=[
            LockedBalance(module="token", amount=1),
            LockedBalance(module="fee", amount=0),
            LockedBalance(module="Pos", amount=2),
            LockedBalance(module="dpos", amount=3),
        ],
    )
    users.save(ctx, bytes(20), TOKEN_ID, account)
    saved = users.get_account(ctx, bytes(20), TOKEN_ID)
    assert [e.module for e in saved.locked_balances] == ["dpos", "Pos", "token"]


def test_module_order_key_puts_lowercase_first_on_ties() -> None:
    names = ["b", "A", "a", "B", "1"]
    assert sorted(names, key=module_order_key) == ["1", "a", "A", "b", "B"]


def test_user_value_bytes() -> None:
    value = {"availableBalance": 300, "lockedBalances": [{"module": "pos", "amount": 5}]}
    encoded = codec.encode(USER_STORE_SCHEMA, value)
    assert encoded.hex() == "08ac0212070a03706f731005"  # worked out by hand from the schema
    assert codec.decode(USER_STORE_SCHEMA, encoded) == value


def test_bytes_equal_klayr_codec() -> None:
    """The user store value and transfer params encode as @klayr/codec encodes them."""
    require_oracle()
    user = {"availableBalance": 300, "lockedBalances": [{"module": "pos", "amount": 5}]}
    params = {
        "tokenID": TOKEN_ID,
        "amount": 10**18,
        "recipientAddress": b"\x07" * 20,
        "data": "memo",
    }
    script = """
const { codec } = require('@klayr/codec');
const user = { availableBalance: BigInt(300),
  lockedBalances: [{ module: 'pos', amount: BigInt(5) }] };
const params = { tokenID: Buffer.from(input.tokenID, 'hex'), amount: BigInt('1000000000000000000'),
  recipientAddress: Buffer.alloc(20, 7), data: 'memo' };
output({ user: codec.encode(input.userSchema, user).toString('hex'),
         params: codec.encode(input.paramsSchema, params).toString('hex') });
"""
    result = run_node(
        script,
        {
            "tokenID": TOKEN_ID.hex(),
            "userSchema": USER_STORE_SCHEMA,
            "paramsSchema": TRANSFER_PARAMS_SCHEMA,
        },
    )
    assert result["user"] == codec.encode(USER_STORE_SCHEMA, user).hex()
    assert result["params"] == codec.encode(TRANSFER_PARAMS_SCHEMA, params).hex()
