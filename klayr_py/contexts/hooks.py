"""The context each hook receives: exactly the fields Klayr's has for that hook, snake_case.

Read-only contexts (transaction and command verification, asset verification, endpoints) carry a
read-only state store, whose sub-stores raise on any write, and a read-only event queue, which
refuses events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from klayr_py.contexts.event_queue import EventQueue
from klayr_py.interfaces import BlockAssetsReader, BlockAssetsWriter, StateReader

if TYPE_CHECKING:
    from klayr_py.chain import BlockHeader, Transaction
    from klayr_py.interfaces import ImmutableSubStore, SubStore

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """The part of the header verification hooks see (the block is not known yet)."""

    height: int
    timestamp: int


@dataclass(frozen=True, slots=True)
class Validator:
    """One entry of ``set_next_validators``."""

    address: bytes
    bft_weight: int
    generator_key: bytes
    bls_key: bytes


@dataclass(frozen=True, slots=True)
class NextValidators:
    """What ``set_next_validators`` recorded for the block."""

    precommit_threshold: int
    certificate_threshold: int
    validators: tuple[Validator, ...]


SetNextValidators = Callable[[int, int, Sequence[Validator]], None]


@dataclass(frozen=True, slots=True)
class ImmutableMethodContext:
    """Read-only access for calling other modules' methods from verification hooks."""

    state_store: StateReader

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> ImmutableSubStore:
        """A read-only prefixed sub-store."""
        return self.state_store.get_store(store_prefix, sub_store_prefix)


@dataclass(frozen=True, slots=True)
class MethodContext:
    """What a module's methods receive: the state, the current event queue, the context store."""

    state_store: StateReader
    event_queue: EventQueue
    context_store: dict[str, Any] = field(default_factory=dict)

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """A prefixed sub-store of the state."""
        return self.state_store.get_store(store_prefix, sub_store_prefix)


@dataclass(frozen=True, slots=True, kw_only=True)
class _HookContext:
    logger: logging.Logger
    chain_id: bytes
    state_store: StateReader
    context_store: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class _ReadOnlyContext(_HookContext):
    event_queue: EventQueue

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> ImmutableSubStore:
        """A read-only prefixed sub-store of the state (writes raise)."""
        return self.state_store.get_store(store_prefix, sub_store_prefix)

    def get_method_context(self) -> ImmutableMethodContext:
        """Read-only method context."""
        return ImmutableMethodContext(self.state_store)


@dataclass(frozen=True, slots=True, kw_only=True)
class _WritableContext(_HookContext):
    event_queue: EventQueue

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """A prefixed sub-store of the state."""
        return self.state_store.get_store(store_prefix, sub_store_prefix)

    def get_method_context(self) -> MethodContext:
        """Method context sharing this context's state, event queue and context store."""
        return MethodContext(self.state_store, self.event_queue, self.context_store)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionVerifyContext(_ReadOnlyContext):
    """``verify_transaction``: the transaction against the read-only state."""

    header: HeaderInfo
    transaction: Transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandVerifyContext(_ReadOnlyContext, Generic[P]):
    """``BaseCommand.verify``: decoded, schema-valid params against the read-only state."""

    header: HeaderInfo
    transaction: Transaction
    params: P


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionExecuteContext(_WritableContext):
    """``before_command_execute`` / ``after_command_execute``."""

    header: BlockHeader
    assets: BlockAssetsReader
    transaction: Transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandExecuteContext(_WritableContext, Generic[P]):
    """``BaseCommand.execute``."""

    header: BlockHeader
    assets: BlockAssetsReader
    transaction: Transaction
    params: P


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockVerifyContext(_ReadOnlyContext):
    """``verify_assets``."""

    header: BlockHeader
    assets: BlockAssetsReader


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockExecuteContext(_WritableContext):
    """``before_transactions_execute``."""

    header: BlockHeader
    assets: BlockAssetsReader


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockAfterExecuteContext(BlockExecuteContext):
    """``after_transactions_execute``: also the block's transactions and the validator setter."""

    transactions: Sequence[Transaction]
    set_next_validators: SetNextValidators


@dataclass(frozen=True, slots=True, kw_only=True)
class GenesisBlockExecuteContext(_WritableContext):
    """``init_genesis_state`` / ``finalize_genesis_state``."""

    header: BlockHeader
    assets: BlockAssetsReader
    set_next_validators: SetNextValidators


@dataclass(frozen=True, slots=True, kw_only=True)
class InsertAssetContext(_WritableContext):
    """``insert_assets``: read-only state, writable assets, the generator's off-chain store."""

    header: BlockHeader
    assets: BlockAssetsWriter
    get_offchain_store: Callable[[bytes, bytes], SubStore]
    finalized_height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointContext:
    """What an endpoint receives: read-only on-chain stores, read-write off-chain stores."""

    logger: logging.Logger
    chain_id: bytes
    params: dict[str, Any]
    state_store: StateReader
    offchain_store: StateReader
    header: HeaderInfo
    event_queue: EventQueue

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> ImmutableSubStore:
        """A read-only on-chain sub-store."""
        return self.state_store.get_store(store_prefix, sub_store_prefix)

    def get_offchain_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
        """A read-write off-chain sub-store."""
        return self.offchain_store.get_store(store_prefix, sub_store_prefix)

    def get_immutable_method_context(self) -> ImmutableMethodContext:
        """Read-only method context."""
        return ImmutableMethodContext(self.state_store)
