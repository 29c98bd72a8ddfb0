"""Block- and transaction-level context factories, as Klayr's state machine uses them.

A :class:`BlockContext` holds what one block's execution shares (state, event queue, header,
assets, context store) and makes each hook's context; a :class:`TransactionContext` does the
same for one transaction within it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from klayr_py.chain import BlockAssets
from klayr_py.contexts._construct import frozen_constructor
from klayr_py.contexts.event_queue import EventQueue, ReadOnlyEventQueue
from klayr_py.contexts.hooks import (
    BlockAfterExecuteContext,
    BlockExecuteContext,
    BlockVerifyContext,
    CommandExecuteContext,
    CommandVerifyContext,
    GenesisBlockExecuteContext,
    HeaderInfo,
    InsertAssetContext,
    NextValidators,
    TransactionExecuteContext,
    TransactionVerifyContext,
    Validator,
)
from klayr_py.interfaces import (
    BlockAssetsReader,
    BlockAssetsWriter,
    StateReader,
    StateStoreLike,
)
from klayr_py.state_machine.constants import (
    EVENT_INDEX_AFTER_TRANSACTIONS,
    EVENT_INDEX_BEFORE_TRANSACTIONS,
    EVENT_INDEX_FINALIZE_GENESIS_STATE,
    EVENT_INDEX_INIT_GENESIS_STATE,
    EVENT_TOPIC_TRANSACTION_EXECUTION,
)

if TYPE_CHECKING:
    from klayr_py.chain import BlockHeader, Transaction
    from klayr_py.interfaces import SubStore

_LOGGER = logging.getLogger("klayr_py.state_machine")

# The contexts made for every transaction, built without the frozen constructor's overhead.
_transaction_verify_context = frozen_constructor(TransactionVerifyContext)
_command_verify_context = frozen_constructor(CommandVerifyContext)
_transaction_execute_context = frozen_constructor(TransactionExecuteContext)
_command_execute_context = frozen_constructor(CommandExecuteContext)

_read_only_queues: dict[int, ReadOnlyEventQueue] = {}


def _read_only_queue(height: int) -> ReadOnlyEventQueue:
    """A read-only queue for ``height``: it refuses every event and holds none, so one serves
    every read-only context of a block (the last few heights are kept)."""
    queue = _read_only_queues.get(height)
    if queue is None:
        if len(_read_only_queues) >= 8:
            _read_only_queues.clear()
        queue = _read_only_queues[height] = ReadOnlyEventQueue(height)
    return queue


class _ValidatorSetter:
    """``set_next_validators``: may be called once per block."""

    def __init__(self) -> None:
        self.value: NextValidators | None = None

    def __call__(
        self, precommit_threshold: int, certificate_threshold: int, validators: Sequence[Validator]
    ) -> None:
        if self.value is not None:
            raise RuntimeError("Next validators can be set only once")
        check_validator_set(precommit_threshold, certificate_threshold, validators)
        self.value = NextValidators(precommit_threshold, certificate_threshold, tuple(validators))


MAX_VALIDATORS = 2**16


def check_validator_set(
    precommit_threshold: int, certificate_threshold: int, validators: Sequence[Validator]
) -> None:
    """Klayr's checks of ``setBFTParameters``: raise ValueError naming the rule broken.

    At least one validator; distinct addresses and generator keys; 20-byte addresses, 32-byte
    generator keys; non-negative weights with a positive total; both thresholds between a third
    of the total weight (plus one) and the total.
    """
    if not validators:
        raise ValueError("the next validator set is empty")
    if len(validators) > MAX_VALIDATORS:
        raise ValueError(f"the next validator set has more than {MAX_VALIDATORS} validators")
    addresses = [v.address for v in validators]
    if len(set(addresses)) != len(addresses):
        raise ValueError("the next validator set lists an address twice")
    keys = [v.generator_key for v in validators]
    if len(set(keys)) != len(keys):
        raise ValueError("the next validator set lists a generator key twice")
    for validator in validators:
        if len(validator.address) != 20 or len(validator.generator_key) != 32:
            raise ValueError(
                f"validator {validator.address.hex()}: addresses are 20 bytes, generator keys 32"
            )
        if not isinstance(validator.bft_weight, int) or validator.bft_weight < 0:
            raise ValueError(f"validator {validator.address.hex()}: negative BFT weight")
    total = sum(v.bft_weight for v in validators)
    if total <= 0 or total >= 2**64:
        raise ValueError("the total BFT weight of the next validators must be in 1..2^64-1")
    for name, threshold in (
        ("precommit", precommit_threshold),
        ("certificate", certificate_threshold),
    ):
        if not total // 3 + 1 <= threshold <= total:
            raise ValueError(
                f"the {name} threshold {threshold} is outside {total // 3 + 1}..{total} for a "
                f"total BFT weight of {total}"
            )


@dataclass(slots=True)
class TransactionContext:
    """One transaction's execution within a block (or its verification against the pool)."""

    chain_id: bytes
    state_store: StateStoreLike
    transaction: Transaction
    header: BlockHeader | HeaderInfo
    event_queue: EventQueue
    assets: BlockAssetsReader | None = None
    context_store: dict[str, Any] = field(default_factory=dict)
    logger: logging.Logger = _LOGGER
    # What the hook contexts of one transaction share, made once: (transaction, event queue,
    # topic, child queue), valid while ``transaction`` and ``event_queue`` are these objects.
    _shared: tuple[Transaction, EventQueue, bytes, EventQueue] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _header_info(self) -> HeaderInfo:
        header = self.header
        if type(header) is HeaderInfo:
            return header
        return HeaderInfo(header.height, header.timestamp)

    def _shared_parts(self) -> tuple[Transaction, EventQueue, bytes, EventQueue]:
        shared = self._shared
        if shared is None or shared[0] is not self.transaction or shared[1] is not self.event_queue:
            topic = EVENT_TOPIC_TRANSACTION_EXECUTION + self.transaction.id
            child = self.event_queue.child_queue(topic)
            shared = self._shared = (self.transaction, self.event_queue, topic, child)
        return shared

    def _child_queue(self) -> EventQueue:
        return self._shared_parts()[3]

    def execution_topic(self) -> bytes:
        """The topic of the transaction's events: the execution prefix + the transaction ID."""
        return self._shared_parts()[2]

    def check_executable(self) -> None:
        """Raise RuntimeError, as the execute contexts would, without a block header or assets."""
        self._block_header()
        self._assets()

    def transaction_verify_context(self) -> TransactionVerifyContext:
        """The read-only context of ``verify_transaction``."""
        return _transaction_verify_context(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store.read_only(),
            context_store=self.context_store,
            event_queue=_read_only_queue(self.header.height),
            header=self._header_info(),
            transaction=self.transaction,
        )

    def command_verify_context(self, params: Any) -> CommandVerifyContext[Any]:
        """The read-only context of ``BaseCommand.verify``."""
        return _command_verify_context(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store.read_only(),
            context_store=self.context_store,
            event_queue=_read_only_queue(self.header.height),
            header=self._header_info(),
            transaction=self.transaction,
            params=params,
        )

    def transaction_execute_context(self) -> TransactionExecuteContext:
        """The context of ``before_command_execute`` / ``after_command_execute``."""
        return _transaction_execute_context(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store,
            context_store=self.context_store,
            event_queue=self._child_queue(),
            header=self._block_header(),
            assets=self._assets(),
            transaction=self.transaction,
        )

    def command_execute_context(self, params: Any) -> CommandExecuteContext[Any]:
        """The context of ``BaseCommand.execute``."""
        return _command_execute_context(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store,
            context_store=self.context_store,
            event_queue=self._child_queue(),
            header=self._block_header(),
            assets=self._assets(),
            transaction=self.transaction,
            params=params,
        )

    def _block_header(self) -> BlockHeader:
        if isinstance(self.header, HeaderInfo):
            raise RuntimeError("Transaction execution requires the block header in the context.")
        return self.header

    def _assets(self) -> BlockAssetsReader:
        if self.assets is None:
            raise RuntimeError("Transaction execution requires block assets in the context.")
        return self.assets


@dataclass(slots=True)
class BlockContext:
    """One block's execution: the hooks' contexts and what they leave behind."""

    chain_id: bytes
    state_store: StateStoreLike
    header: BlockHeader
    assets: BlockAssetsReader
    event_queue: EventQueue
    transactions: Sequence[Transaction] = ()
    context_store: dict[str, Any] = field(default_factory=dict)
    logger: logging.Logger = _LOGGER
    _next_validators: _ValidatorSetter = field(default_factory=_ValidatorSetter)

    @property
    def next_validators(self) -> NextValidators | None:
        """What ``set_next_validators`` recorded, if it was called."""
        return self._next_validators.value

    def block_verify_context(self) -> BlockVerifyContext:
        """The read-only context of ``verify_assets``."""
        return BlockVerifyContext(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store.read_only(),
            context_store=self.context_store,
            event_queue=ReadOnlyEventQueue(self.header.height),
            header=self.header,
            assets=self.assets,
        )

    def block_execute_context(self) -> BlockExecuteContext:
        """The context of ``before_transactions_execute``."""
        return BlockExecuteContext(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store,
            context_store=self.context_store,
            event_queue=self.event_queue.child_queue(EVENT_INDEX_BEFORE_TRANSACTIONS),
            header=self.header,
            assets=self.assets,
        )

    def block_after_execute_context(self) -> BlockAfterExecuteContext:
        """The context of ``after_transactions_execute``."""
        return BlockAfterExecuteContext(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store,
            context_store=self.context_store,
            event_queue=self.event_queue.child_queue(EVENT_INDEX_AFTER_TRANSACTIONS),
            header=self.header,
            assets=self.assets,
            transactions=self.transactions,
            set_next_validators=self._next_validators,
        )

    def transaction_context(self, transaction: Transaction) -> TransactionContext:
        """The context of one of this block's transactions."""
        return TransactionContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            transaction=transaction,
            header=self.header,
            event_queue=self.event_queue,
            assets=self.assets,
            context_store=self.context_store,
            logger=self.logger,
        )


@dataclass(slots=True)
class GenesisBlockContext:
    """The genesis block's execution: ``init_genesis_state`` then ``finalize_genesis_state``."""

    chain_id: bytes
    state_store: StateStoreLike
    header: BlockHeader
    assets: BlockAssetsReader
    event_queue: EventQueue
    context_store: dict[str, Any] = field(default_factory=dict)
    logger: logging.Logger = _LOGGER
    _next_validators: _ValidatorSetter = field(default_factory=_ValidatorSetter)

    @property
    def next_validators(self) -> NextValidators | None:
        """What ``set_next_validators`` recorded, if it was called."""
        return self._next_validators.value

    def _context(self, topic: bytes) -> GenesisBlockExecuteContext:
        return GenesisBlockExecuteContext(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store,
            context_store=self.context_store,
            event_queue=self.event_queue.child_queue(topic),
            header=self.header,
            assets=self.assets,
            set_next_validators=self._next_validators,
        )

    def init_genesis_state_context(self) -> GenesisBlockExecuteContext:
        """The context of ``init_genesis_state``."""
        return self._context(EVENT_INDEX_INIT_GENESIS_STATE)

    def finalize_genesis_state_context(self) -> GenesisBlockExecuteContext:
        """The context of ``finalize_genesis_state``."""
        return self._context(EVENT_INDEX_FINALIZE_GENESIS_STATE)


class WritableBlockAssets:
    """The assets of a block being generated: ``insert_assets`` hooks add theirs."""

    def __init__(self, assets: BlockAssets | None = None) -> None:
        self.assets = assets if assets is not None else BlockAssets()

    def get_asset(self, module: str) -> bytes | None:
        """The data of ``module``'s asset, if set."""
        return self.assets.get_asset(module)

    def set_asset(self, module: str, data: bytes) -> None:
        """Set ``module``'s asset (once per module)."""
        self.assets = self.assets.with_asset(module, data)


@dataclass(slots=True)
class GenerationContext:
    """A block being generated: ``insert_assets`` fills its assets."""

    chain_id: bytes
    state_store: StateStoreLike
    header: BlockHeader
    assets: BlockAssetsWriter
    offchain_store: StateReader
    finalized_height: int = 0
    context_store: dict[str, Any] = field(default_factory=dict)
    logger: logging.Logger = _LOGGER

    def insert_asset_context(self) -> InsertAssetContext:
        """The context of ``insert_assets`` (read-only state; events are refused)."""

        def get_offchain_store(store_prefix: bytes, sub_store_prefix: bytes) -> SubStore:
            return self.offchain_store.get_store(store_prefix, sub_store_prefix)

        return InsertAssetContext(
            logger=self.logger,
            chain_id=self.chain_id,
            state_store=self.state_store.read_only(),
            context_store=self.context_store,
            event_queue=ReadOnlyEventQueue(self.header.height),
            header=self.header,
            assets=self.assets,
            get_offchain_store=get_offchain_store,
            finalized_height=self.finalized_height,
        )
