"""Shared helpers of the token and fee tests: a chain with both modules over a state store."""

from __future__ import annotations

from typing import Any

from klayr_py import codec
from klayr_py.chain import BlockAssets, BlockHeader, Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.db import InMemoryDatabase
from klayr_py.modules.fee import FeeModule
from klayr_py.modules.token import GENESIS_TOKEN_STORE_SCHEMA, TRANSFER_PARAMS_SCHEMA, TokenModule
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine import HeaderInfo, StateMachine
from klayr_py.state_machine.block_executor import BlockExecutor, BlockResult
from klayr_py.state_machine.endpoints import call_endpoint
from klayr_py.testing.contexts import create_block_header

CHAIN_ID = bytes.fromhex("04000001")
TOKEN_ID = CHAIN_ID + bytes(4)
FOREIGN_TOKEN_ID = bytes.fromhex("0400000200000000")
GENESIS_CONFIG = {"chainID": CHAIN_ID.hex()}
EMPTY_HASH = bytes(32)


def keys(n: int) -> list[ed.KeyPair]:
    """``n`` deterministic key pairs."""
    return [ed.get_private_and_public_key_from_passphrase(f"token test {i}") for i in range(n)]


def address(key: ed.KeyPair) -> bytes:
    """The 20-byte address of ``key``."""
    return get_address_from_public_key(key.public_key)


def header(height: int, generator: bytes = bytes(20)) -> BlockHeader:
    """A header with placeholder roots (the executor computes the real ones)."""
    return create_block_header(height, generator_address=generator, max_height_prevoted=0)


def genesis_asset(
    balances: dict[bytes, int],
    token_id: bytes = TOKEN_ID,
    locked: dict[bytes, list[dict[str, Any]]] | None = None,
) -> bytes:
    """The token genesis asset giving each address its balance (supply = the sum)."""
    locked = locked or {}
    users = [
        {
            "address": addr,
            "tokenID": token_id,
            "availableBalance": amount,
            "lockedBalances": locked.get(addr, []),
        }
        for addr, amount in sorted(balances.items())
    ]
    total = sum(balances.values()) + sum(e["amount"] for v in locked.values() for e in v)
    return codec.encode(
        GENESIS_TOKEN_STORE_SCHEMA,
        {
            "userSubstore": users,
            "supplySubstore": [{"tokenID": token_id, "totalSupply": total}] if users else [],
            "escrowSubstore": [],
            "supportedTokensSubstore": [],
        },
    )


def transfer(
    key: ed.KeyPair,
    nonce: int,
    recipient: bytes,
    amount: int,
    fee: int = 10**7,
    token_id: bytes = TOKEN_ID,
    data: str = "",
) -> Transaction:
    """A signed ``token:transfer``."""
    params = codec.encode(
        TRANSFER_PARAMS_SCHEMA,
        {
            "tokenID": token_id,
            "amount": amount,
            "recipientAddress": recipient,
            "data": data,
        },
    )
    unsigned = Transaction(
        module="token",
        command="transfer",
        nonce=nonce,
        fee=fee,
        sender_public_key=key.public_key,
        params=params,
    )
    return unsigned.sign(CHAIN_ID, key.private_key)


class Chain:
    """Token (+ fee) modules over an in-memory state, one committed block at a time."""

    def __init__(
        self,
        with_fee: bool = True,
        token_config: dict[str, Any] | None = None,
        fee_config: dict[str, Any] | None = None,
        genesis_config: Any = None,
        db: Any = None,
    ) -> None:
        self.token = TokenModule()
        self.fee = FeeModule()
        self.machine = StateMachine()
        self.machine.register_module(self.token)
        if with_fee:
            self.token.add_dependencies(self.fee.method)
            self.fee.add_dependencies(self.token.method)
            self.machine.register_module(self.fee)
        self.machine.init(
            GENESIS_CONFIG if genesis_config is None else genesis_config,
            {"token": token_config or {}, "fee": fee_config or {}},
        )
        self.state = StateStore(db if db is not None else InMemoryDatabase())
        self.executor = BlockExecutor(self.machine, self.state, CHAIN_ID)

    def genesis(self, asset: bytes | None) -> BlockResult:
        assets = BlockAssets() if asset is None else BlockAssets().with_asset("token", asset)
        result = self.executor.execute_genesis(header(0), assets)
        self.executor.commit(result)
        return result

    def block(self, transactions: list[Transaction], generator: bytes = bytes(20)) -> BlockResult:
        result = self.executor.execute(
            header(self.state.height + 1, generator), BlockAssets(), transactions
        )
        self.executor.commit(result)
        return result

    def balance(self, addr: bytes, token_id: bytes = TOKEN_ID) -> int:
        return self.token.method.get_available_balance(self.state, addr, token_id)

    def locked(self, addr: bytes, module: str, token_id: bytes = TOKEN_ID) -> int:
        return self.token.method.get_locked_amount(self.state, addr, token_id, module)

    def supply(self, token_id: bytes = TOKEN_ID) -> int:
        return dict(self.token.method.get_total_supply(self.state)).get(token_id, 0)

    def call(self, module: str, name: str, params: dict[str, Any] | None = None) -> Any:
        target = self.token if module == "token" else self.fee
        return call_endpoint(
            target,
            name,
            params or {},
            state_store=self.state,
            chain_id=CHAIN_ID,
            offchain_store=OffchainStore(InMemoryDatabase()),
            header=HeaderInfo(self.state.height, 0),
        )
