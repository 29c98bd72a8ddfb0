"""Block import: the genesis block, and blocks produced elsewhere, verified and committed through
the ABI only. A refused block leaves the chain and the state as they were."""

from __future__ import annotations

from collections.abc import Callable

from klayr_py.chain import Block, BlockAssets, BlockHeader
from klayr_py.chain.roots import compute_event_root, compute_transaction_root
from klayr_py.errors import KlayrError
from klayr_py.node.block_generation import BLOCK_VERSION
from klayr_py.node.block_run import AllTransactions, BlockOutcome, check_roots, run_block
from klayr_py.node.chain_state import BlockImportError, ChainState
from klayr_py.node.event_root_worker import EventRootWorker
from klayr_py.node.validator_set import compute_validators_hash, generator_at
from klayr_py.node.verifier import ParallelVerifier
from klayr_py.state_machine.abi import (
    ABI,
    ClearRequest,
    CommitRequest,
    InitGenesisStateRequest,
    InitStateMachineRequest,
)

__all__ = ["BlockImporter"]


class BlockImporter:
    """Verifies blocks against the chain's rules and the state machine, then commits them."""

    def __init__(
        self,
        *,
        abi: ABI,
        chain: ChainState,
        chain_id: bytes,
        max_transactions_size: int,
        clock: Callable[[], float],
        verifier: ParallelVerifier | None = None,
        event_root_worker: EventRootWorker | None = None,
    ) -> None:
        self.abi = abi
        self.chain = chain
        self.chain_id = chain_id
        self.max_transactions_size = max_transactions_size
        self.clock = clock
        self.verifier = verifier
        self.event_root_worker = event_root_worker

    def apply_genesis(self, block: Block) -> None:
        """Execute and commit the genesis block on an empty state; refuse it if invalid."""
        abi = self.abi
        try:
            block.validate_genesis()
        except KlayrError as error:
            raise BlockImportError(f"the genesis block is invalid: {error}") from error
        context_id = abi.init_state_machine(InitStateMachineRequest(block.header)).context_id
        try:
            try:
                outcome = self._genesis_outcome(context_id, block.assets)
                check_roots(block.header, outcome)
            except KlayrError as error:
                raise BlockImportError(f"the genesis block is invalid: {error}") from error
            if outcome.next_validators is None:
                raise BlockImportError("the genesis block sets no validators")
            expected_hash = compute_validators_hash(outcome.next_validators)
            if block.header.validators_hash != expected_hash:
                raise BlockImportError(
                    f"genesis validatorsHash {block.header.validators_hash.hex()} != computed "
                    f"{expected_hash.hex()}"
                )
            self.chain.commit_block(context_id, block, outcome.events, outcome.next_validators)
        finally:
            abi.clear(ClearRequest())

    def _genesis_outcome(self, context_id: bytes, assets: BlockAssets) -> BlockOutcome:
        response = self.abi.init_genesis_state(InitGenesisStateRequest(context_id, assets))
        state_root = self.abi.commit(CommitRequest(context_id, dry_run=True)).state_root
        return BlockOutcome(
            transactions=[],
            results=[],
            events=response.events,
            next_validators=response.next_validators,
            state_root=state_root,
            event_root=compute_event_root(response.events),
            transaction_root=compute_transaction_root([]),
            asset_root=assets.get_root(),
        )

    def import_block(self, block: Block) -> None:
        """Verify a block produced elsewhere and commit it; refuse it (nothing changed) if any
        check fails: header, slot, generator, signature, size, transactions, roots."""
        self._check_before_execution(block)
        header = block.header
        abi = self.abi
        context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
        try:
            try:
                outcome = run_block(
                    abi,
                    context_id,
                    block.assets,
                    AllTransactions(block.transactions),
                    self.event_root_worker,
                )
                check_roots(header, outcome)
            except KlayrError as error:
                raise BlockImportError(str(error)) from error
            except Exception as error:  # a module's own bug: the block is refused all the same
                raise BlockImportError(f"block {header.height} failed: {error}") from error
            expected_hash = self.chain.validators_hash_after(outcome.next_validators)
            if header.validators_hash != expected_hash:
                raise BlockImportError(
                    f"block {header.height}: validatorsHash {header.validators_hash.hex()} != "
                    f"computed {expected_hash.hex()}"
                )
            self.chain.commit_block(context_id, block, outcome.events, outcome.next_validators)
        finally:
            abi.clear(ClearRequest())

    def _check_before_execution(self, block: Block) -> None:
        header: BlockHeader = block.header
        chain = self.chain
        try:
            block.validate()
        except KlayrError as error:
            raise BlockImportError(f"block {header.height}: {error}") from error
        last = chain.last_block
        if header.version != BLOCK_VERSION:
            raise BlockImportError(f"block version must be {BLOCK_VERSION}, got {header.version}")
        if header.height != last.header.height + 1:
            raise BlockImportError(
                f"block height {header.height} does not follow the last block {chain.height}"
            )
        if header.previous_block_id != last.id:
            raise BlockImportError(
                f"block {header.height} does not build on the last block {last.id.hex()}"
            )
        if chain.slot_of(header.timestamp) > chain.slot_of(int(self.clock())):
            raise BlockImportError(f"block timestamp {header.timestamp} is in the future")
        chain.check_slot(header.timestamp, header.generator_address)
        validator = generator_at(chain.current_validators(), header.timestamp, chain.block_time)
        try:
            header.validate_signature(validator.generator_key, self.chain_id)
        except KlayrError as error:
            raise BlockImportError(f"block {header.height}: {error}") from error
        size = sum(len(tx.get_bytes()) for tx in block.transactions)
        if size > self.max_transactions_size:
            raise BlockImportError(
                f"block {header.height} holds {size} bytes of transactions, more than "
                f"{self.max_transactions_size}"
            )
        if self.verifier is not None:
            self.verifier.preverify(block.transactions)
        for transaction in block.transactions:
            if chain.storage.has_transaction(transaction.id):
                raise BlockImportError(
                    f"transaction {transaction.id.hex()} is already in the chain"
                )
