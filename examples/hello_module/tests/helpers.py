"""Shared helpers of the hello example's tests: a chain of blocks over a state store."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hello import HelloModule

from klayr_py import codec
from klayr_py.chain import BlockAssets, BlockHeader, Transaction
from klayr_py.crypto import ed
from klayr_py.state import StateStore
from klayr_py.state_machine import StateMachine
from klayr_py.state_machine.block_executor import BlockExecutor, BlockResult
from klayr_py.testing.contexts import create_block_header

CHAIN_ID = bytes.fromhex("04000001")
EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def keys(n: int) -> list[ed.KeyPair]:
    """``n`` deterministic dev key pairs."""
    return [
        ed.get_private_and_public_key_from_passphrase(f"hello dev account {i}") for i in range(n)
    ]


_PARAMS_SCHEMA = HelloModule().commands[0].schema


def header(height: int, timestamp: int | None = None) -> BlockHeader:
    """A header with placeholder roots (the executor computes the real ones)."""
    return create_block_header(height, timestamp, max_height_prevoted=0)


def hello_transaction(key: ed.KeyPair, nonce: int, message: str) -> Transaction:
    """A signed ``hello:createHello``."""
    params = codec.encode(_PARAMS_SCHEMA, {"message": message})
    unsigned = Transaction(
        module="hello",
        command="createHello",
        nonce=nonce,
        fee=1_000_000,
        sender_public_key=key.public_key,
        params=params,
    )
    return unsigned.sign(CHAIN_ID, key.private_key)


class Chain:
    """A state machine with the hello module over ``db``, committing one block at a time."""

    def __init__(self, db: Any, config: dict[str, Any] | None = None) -> None:
        self.module = HelloModule()
        self.machine = StateMachine()
        self.machine.register_module(self.module)
        self.machine.init({}, {"hello": config or {}})
        self.state = StateStore(db)
        self.executor = BlockExecutor(self.machine, self.state, CHAIN_ID)

    def genesis(self) -> BlockResult:
        result = self.executor.execute_genesis(header(0), BlockAssets())
        self.executor.commit(result)
        return result

    def block(self, transactions: list[Transaction]) -> BlockResult:
        height = self.state.height + 1
        result = self.executor.execute(header(height), BlockAssets(), transactions)
        self.executor.commit(result)
        return result

    def header_for(self, result: BlockResult) -> BlockHeader:
        return replace(
            header(result.height),
            state_root=result.state_root,
            event_root=result.event_root,
            transaction_root=result.transaction_root,
            asset_root=result.asset_root,
        )
