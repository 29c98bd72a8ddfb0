"""Context factories: call a module's hooks, commands, methods and endpoints in a unit test.

Klayr ships the same in ``framework/src/testing`` (``createTransactionContext``...). Each factory
takes what the test cares about and fills the rest with defaults; the state is an in-memory
:class:`~klayr_py.state.StateStore` with exactly the LevelDB store's semantics (same prefixes,
snapshots, read-only views), so a test can pass one store to several contexts and inspect it.

    state = create_state_store()
    ctx = create_transaction_context(tx, state_store=state)
    module.verify_transaction(ctx.transaction_verify_context())
    command.execute(ctx.command_execute_context(params))
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from klayr_py.chain import AggregateCommit, BlockAssets, BlockHeader, Transaction
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.db import InMemoryDatabase
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine import (
    BlockContext,
    EndpointContext,
    EventQueue,
    GenerationContext,
    GenesisBlockContext,
    HeaderInfo,
    ImmutableMethodContext,
    MethodContext,
    ReadOnlyEventQueue,
    TransactionContext,
    WritableBlockAssets,
)

__all__ = [
    "DEFAULT_CHAIN_ID",
    "create_block_context",
    "create_block_header",
    "create_endpoint_context",
    "create_generation_context",
    "create_genesis_block_context",
    "create_immutable_method_context",
    "create_method_context",
    "create_offchain_store",
    "create_state_store",
    "create_transaction_context",
]

DEFAULT_CHAIN_ID = bytes.fromhex("04000000")
"""The chain ID every factory uses unless told otherwise."""

_LOGGER = logging.getLogger("klayr_py.testing")


def create_state_store() -> StateStore:
    """An empty on-chain state over an in-memory database."""
    return StateStore(InMemoryDatabase())


def create_offchain_store() -> OffchainStore:
    """An empty off-chain store over an in-memory database."""
    return OffchainStore(InMemoryDatabase())


def create_block_header(
    height: int = 1, timestamp: int | None = None, **fields: Any
) -> BlockHeader:
    """A version-2 header at ``height`` with placeholder roots; ``fields`` override any field."""
    header = BlockHeader(
        version=2,
        timestamp=1_700_000_000 + 10 * height if timestamp is None else timestamp,
        height=height,
        previous_block_id=bytes(32),
        generator_address=bytes(20),
        transaction_root=EMPTY_HASH,
        asset_root=EMPTY_HASH,
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=max(height - 1, 0),
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=bytes(32),
        aggregate_commit=AggregateCommit(),
    )
    return replace(header, **fields) if fields else header


def create_transaction_context(
    transaction: Transaction,
    *,
    state_store: StateStore | None = None,
    header: BlockHeader | None = None,
    assets: BlockAssets | None = None,
    event_queue: EventQueue | None = None,
    chain_id: bytes = DEFAULT_CHAIN_ID,
) -> TransactionContext:
    """One transaction in a block: ``transaction_verify_context()``,
    ``command_verify_context(params)``, ``transaction_execute_context()`` and
    ``command_execute_context(params)`` give each hook's context."""
    header = header or create_block_header()
    return TransactionContext(
        chain_id=chain_id,
        state_store=state_store or create_state_store(),
        transaction=transaction,
        header=header,
        event_queue=event_queue or EventQueue(header.height),
        assets=assets or BlockAssets(),
        logger=_LOGGER,
    )


def create_block_context(
    *,
    state_store: StateStore | None = None,
    header: BlockHeader | None = None,
    assets: BlockAssets | None = None,
    transactions: Sequence[Transaction] = (),
    event_queue: EventQueue | None = None,
    chain_id: bytes = DEFAULT_CHAIN_ID,
) -> BlockContext:
    """A block: ``block_verify_context()``, ``block_execute_context()``,
    ``block_after_execute_context()`` and ``transaction_context(tx)``; what
    ``set_next_validators`` recorded is ``next_validators``."""
    header = header or create_block_header()
    return BlockContext(
        chain_id=chain_id,
        state_store=state_store or create_state_store(),
        header=header,
        assets=assets or BlockAssets(),
        event_queue=event_queue or EventQueue(header.height),
        transactions=transactions,
        logger=_LOGGER,
    )


def create_genesis_block_context(
    *,
    state_store: StateStore | None = None,
    header: BlockHeader | None = None,
    assets: BlockAssets | Mapping[str, bytes] | None = None,
    event_queue: EventQueue | None = None,
    chain_id: bytes = DEFAULT_CHAIN_ID,
) -> GenesisBlockContext:
    """The genesis block: ``init_genesis_state_context()``,
    ``finalize_genesis_state_context()``; assets may be a ``{module: bytes}`` mapping."""
    header = header or create_block_header(0, version=0, max_height_prevoted=0)
    if isinstance(assets, Mapping):
        block_assets = BlockAssets()
        for module, data in sorted(assets.items()):
            block_assets = block_assets.with_asset(module, data)
        assets = block_assets
    return GenesisBlockContext(
        chain_id=chain_id,
        state_store=state_store or create_state_store(),
        header=header,
        assets=assets or BlockAssets(),
        event_queue=event_queue or EventQueue(header.height),
        logger=_LOGGER,
    )


def create_generation_context(
    *,
    state_store: StateStore | None = None,
    offchain_store: OffchainStore | None = None,
    header: BlockHeader | None = None,
    assets: BlockAssets | None = None,
    finalized_height: int = 0,
    chain_id: bytes = DEFAULT_CHAIN_ID,
) -> GenerationContext:
    """A block being generated: ``insert_asset_context()``; its ``assets.assets`` after."""
    return GenerationContext(
        chain_id=chain_id,
        state_store=state_store or create_state_store(),
        header=header or create_block_header(),
        assets=WritableBlockAssets(assets),
        offchain_store=offchain_store or create_offchain_store(),
        finalized_height=finalized_height,
        logger=_LOGGER,
    )


def create_method_context(
    *, state_store: StateStore | None = None, event_queue: EventQueue | None = None
) -> MethodContext:
    """What a module's methods receive from a writable hook."""
    return MethodContext(state_store or create_state_store(), event_queue or EventQueue(0))


def create_immutable_method_context(
    *, state_store: StateStore | None = None
) -> ImmutableMethodContext:
    """What a module's methods receive from a read-only hook (writes raise)."""
    return ImmutableMethodContext((state_store or create_state_store()).read_only())


def create_endpoint_context(
    params: Mapping[str, Any] | None = None,
    *,
    state_store: StateStore | None = None,
    offchain_store: OffchainStore | None = None,
    header: HeaderInfo | None = None,
    chain_id: bytes = DEFAULT_CHAIN_ID,
) -> EndpointContext:
    """An endpoint call: read-only on-chain state, writable off-chain store (params unchecked;
    :func:`klayr_py.state_machine.endpoints.call_endpoint` validates them)."""
    header = header or HeaderInfo(0, 0)
    return EndpointContext(
        logger=_LOGGER,
        chain_id=chain_id,
        params=dict(params or {}),
        state_store=(state_store or create_state_store()).read_only(),
        offchain_store=offchain_store or create_offchain_store(),
        header=header,
        event_queue=ReadOnlyEventQueue(header.height),
    )
