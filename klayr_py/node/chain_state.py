"""The committed chain: blocks, validator sets, the last block, and its atomic commit and revert.

A block's records (block, transactions, events, the validator set it hands over) go into the
batch the ABI's ``commit`` writes with the block's state, so a crash leaves the node at the
previous block or at the new one, never in between. Reverting goes the same way through the
ABI's ``revert``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from klayr_py.chain import Block, BlockHeader, Event
from klayr_py.chain.storage import ChainStorage
from klayr_py.contexts.hooks import NextValidators
from klayr_py.db import Database
from klayr_py.errors import KlayrError
from klayr_py.node.validator_set import ValidatorSetStore, compute_validators_hash, generator_at
from klayr_py.state_machine.abi import (
    ABI,
    ClearRequest,
    CommitRequest,
    InitStateMachineRequest,
    RevertRequest,
)

__all__ = ["BlockImportError", "ChainState", "Listener"]

Listener = Callable[[Block, list[Event]], None]


class BlockImportError(KlayrError, ValueError):
    """A block was refused; the chain and state are unchanged."""


class ChainState:
    """The chain one node holds in ``db``, committed and reverted through ``abi``.

    Listeners run after each commit (``new_block_listeners``) or revert
    (``delete_block_listeners``), in the order registered.
    """

    def __init__(
        self,
        *,
        abi: ABI,
        db: Database,
        genesis_block: Block,
        block_time: int,
        keep_events_for_heights: int = -1,
        logger: logging.Logger | None = None,
    ) -> None:
        self.abi = abi
        self.db = db
        self.genesis_block = genesis_block
        self.block_time = block_time
        self.keep_events_for_heights = keep_events_for_heights
        self.logger = logger or logging.getLogger("klayr_py.engine")
        self.storage = ChainStorage(db)
        self.validator_sets = ValidatorSetStore(db)
        self.new_block_listeners: list[Listener] = []
        self.delete_block_listeners: list[Listener] = []
        self._last_block: Block | None = None

    def load(self) -> None:
        """Read the last stored block (after the genesis block was applied or checked)."""
        self._last_block = self.storage.get_last_block()

    # -- what is committed --------------------------------------------------------------------

    @property
    def last_block(self) -> Block:
        """The last committed block."""
        if self._last_block is None:
            raise KlayrError("the engine has not been started")
        return self._last_block

    @property
    def height(self) -> int:
        """Height of the last committed block."""
        return self.last_block.header.height

    @property
    def finalized_height(self) -> int:
        """The finalized height (see docs/node.md: a single authority finalizes the parent)."""
        return self.storage.finalized_height

    def current_validators(self) -> NextValidators:
        """The validator set in force for the next block."""
        return self.validator_sets.get(self.height + 1)

    def validators_hash_after(self, next_validators: NextValidators | None) -> bytes:
        """The validatorsHash of a block that hands over ``next_validators`` (None: unchanged)."""
        return compute_validators_hash(next_validators or self.current_validators())

    # -- slots --------------------------------------------------------------------------------

    def slot_of(self, timestamp: int) -> int:
        """Klayr's slot number: timestamp // block time."""
        return timestamp // self.block_time

    def generator_of(self, timestamp: int) -> bytes:
        """The address of the validator whose slot holds ``timestamp``."""
        return generator_at(self.current_validators(), timestamp, self.block_time).address

    def check_slot(self, timestamp: int, generator_address: bytes) -> None:
        """Refuse a block whose slot is not after the last block's or is someone else's."""
        last = self.last_block.header
        if self.slot_of(timestamp) <= self.slot_of(last.timestamp):
            raise BlockImportError(
                f"block timestamp {timestamp} is not in a slot after the last block's "
                f"({last.timestamp})"
            )
        expected = self.generator_of(timestamp)
        if generator_address != expected:
            raise BlockImportError(
                f"slot {self.slot_of(timestamp)} belongs to validator {expected.hex()}, "
                f"not {generator_address.hex()}"
            )

    def last_generated_height(self, generator_address: bytes) -> int:
        """The last block ``generator_address`` forged among the last two rounds (0 if none)."""
        count = len(self.current_validators().validators)
        height = self.height
        for candidate in range(height, max(height - 2 * count, 0), -1):
            if self.storage.get_header_by_height(candidate).generator_address == generator_address:
                return candidate
        return 0

    # -- commit and revert --------------------------------------------------------------------

    def commit_block(
        self,
        context_id: bytes,
        block: Block,
        events: list[Event],
        next_validators: NextValidators | None,
    ) -> None:
        """Write ``block`` and the open context's state in one atomic write, then notify.

        The ABI refuses the write (nothing written) if the state root is not the header's.
        """
        header: BlockHeader = block.header
        batch = self.db.new_batch()
        self.storage.save_block(
            batch,
            block,
            events,
            finalized_height=header.max_height_prevoted,
            keep_events_for_heights=self.keep_events_for_heights,
        )
        if next_validators is not None:
            self.validator_sets.save(batch, header.height + 1, next_validators)
        self.abi.commit(
            CommitRequest(context_id, expected_state_root=header.state_root, batch=batch)
        )
        self._last_block = block
        self.logger.info(
            "block %d %s: %d transactions, %d events",
            header.height,
            block.id.hex(),
            len(block.transactions),
            len(events),
        )
        for listener in self.new_block_listeners:
            listener(block, events)

    def delete_last_block(self) -> Block:
        """Revert the last block: state, chain and validator set together, in one write.

        The genesis block stays.
        """
        block = self.last_block
        height = block.header.height
        if height <= self.genesis_block.header.height:
            raise KlayrError("the genesis block cannot be deleted")
        events = self.storage.get_events(height)
        previous = self.storage.get_block_by_height(height - 1)
        batch = self.db.new_batch()
        self.storage.delete_block(
            batch, block, finalized_height=min(self.finalized_height, height - 1)
        )
        self.validator_sets.delete(batch, height + 1)
        context_id = self.abi.init_state_machine(InitStateMachineRequest(block.header)).context_id
        try:
            self.abi.revert(RevertRequest(context_id, block.header.state_root, batch))
        finally:
            self.abi.clear(ClearRequest())
        self._last_block = previous
        for listener in self.delete_block_listeners:
            listener(block, events)
        return block
