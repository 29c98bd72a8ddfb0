"""The built-in single-node generator: forge, sign and commit a block through the ABI only."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from klayr_py.chain import AggregateCommit, Block, BlockAssets, BlockHeader, Transaction
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.interfaces import TransactionSelector
from klayr_py.node.block_run import BlockOutcome, run_block
from klayr_py.node.chain_state import BlockImportError, ChainState
from klayr_py.node.event_root_worker import EventRootWorker
from klayr_py.node.generator import PoolSelector
from klayr_py.state_machine.abi import (
    ABI,
    ClearRequest,
    InitStateMachineRequest,
    InsertAssetsRequest,
)
from klayr_py.state_machine.block_executor import BlockExecutionError

__all__ = ["BLOCK_VERSION", "BlockGenerator", "GeneratorKey", "draft_header"]

BLOCK_VERSION = 2


@dataclass(frozen=True)
class GeneratorKey:
    """A validator's generator key pair this node forges with."""

    address: bytes
    public_key: bytes
    private_key: bytes

    @classmethod
    def from_private_key(cls, private_key: bytes) -> GeneratorKey:
        """The key of an Ed25519 private key (Klayr's 64-byte form or a 32-byte seed)."""
        public_key = ed.get_public_key_from_private_key(private_key)
        return cls(get_address_from_public_key(public_key), public_key, private_key)


def draft_header(chain: ChainState, timestamp: int, generator_address: bytes) -> BlockHeader:
    """The header of the next block before execution: its roots are placeholders."""
    last = chain.last_block
    return BlockHeader(
        version=BLOCK_VERSION,
        timestamp=timestamp,
        height=last.header.height + 1,
        previous_block_id=last.id,
        generator_address=generator_address,
        transaction_root=EMPTY_HASH,
        asset_root=EMPTY_HASH,
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=last.header.height,
        max_height_generated=chain.last_generated_height(generator_address),
        implies_max_prevotes=True,
        validators_hash=bytes(32),
        aggregate_commit=AggregateCommit(height=0),
    )


class BlockGenerator:
    """Forges the blocks of this node's slots from the pool's processable transactions."""

    def __init__(
        self,
        *,
        abi: ABI,
        chain: ChainState,
        chain_id: bytes,
        max_transactions_size: int,
        processable: Callable[[], Mapping[bytes, Sequence[Transaction]]],
        event_root_worker: EventRootWorker | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.abi = abi
        self.chain = chain
        self.chain_id = chain_id
        self.max_transactions_size = max_transactions_size
        self.processable = processable
        """The pool's per-sender queues, in nonce order."""
        self.event_root_worker = event_root_worker
        self.logger = logger or logging.getLogger("klayr_py.engine")

    def generate_block(
        self, timestamp: int, key: GeneratorKey, selector: TransactionSelector | None = None
    ) -> Block:
        """Forge, sign and commit the block of ``timestamp``'s slot with pool transactions.

        ``key`` must belong to the slot's validator. Raises :class:`BlockImportError` (nothing
        changed) if the slot is not after the last block's or belongs to someone else.
        ``selector`` replaces the pool as the source of transactions (the testing toolkit
        passes exact lists).
        """
        chain, abi = self.chain, self.abi
        chain.check_slot(timestamp, key.address)
        header = draft_header(chain, timestamp, key.address)
        context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
        try:
            try:
                request = InsertAssetsRequest(context_id, chain.finalized_height)
                assets = abi.insert_assets(request).assets
            except Exception as error:
                raise BlockImportError(f"insert_assets failed: {error}") from error
            pool_selector: PoolSelector | None = None
            if selector is None:
                selector = pool_selector = PoolSelector(
                    self.processable(), self.max_transactions_size
                )
            try:
                outcome = run_block(abi, context_id, assets, selector, self.event_root_worker)
            except BlockExecutionError:
                raise
            except Exception as error:
                raise BlockExecutionError(
                    f"generating block {header.height} failed: {error}"
                ) from error
            if pool_selector is not None:
                for transaction, reason in pool_selector.rejections:
                    self.logger.info("left transaction %s out: %s", transaction.id.hex(), reason)
            block = self._signed_block(header, outcome, key, assets)
            chain.commit_block(context_id, block, outcome.events, outcome.next_validators)
        finally:
            abi.clear(ClearRequest())
        return block

    def _signed_block(
        self, header: BlockHeader, outcome: BlockOutcome, key: GeneratorKey, assets: BlockAssets
    ) -> Block:
        unsigned = replace(
            header,
            state_root=outcome.state_root,
            event_root=outcome.event_root,
            transaction_root=outcome.transaction_root,
            asset_root=outcome.asset_root,
            validators_hash=self.chain.validators_hash_after(outcome.next_validators),
        )
        signed = unsigned.sign(self.chain_id, key.private_key)
        return Block(signed, tuple(outcome.transactions), assets)
