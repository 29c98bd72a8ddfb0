"""The engine: one chain on one database — genesis, pool, generation, import, revert.

Everything here is synchronous and single-threaded; :class:`~klayr_py.node.Application` drives
it from its event loop. A block, its transactions and events, its state changes and the
validator set it hands over are written in ONE atomic batch, so a crash leaves the node at the
previous block or at the new one, never in between.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from klayr_py.chain import AggregateCommit, Block, BlockHeader, Event, Transaction
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.chain.storage import ChainStorage
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.db import Database
from klayr_py.errors import KlayrError, NotFoundError
from klayr_py.modules import VerificationResult, VerifyStatus
from klayr_py.node.generator import PoolSelector
from klayr_py.node.pool import AddResult, PoolConfig, RejectReason, TransactionPool
from klayr_py.node.validator_set import ValidatorSetStore, compute_validators_hash, generator_at
from klayr_py.node.verifier import ParallelVerifier
from klayr_py.state import DEFAULT_PAGE_CACHE_SIZE, OffchainStore, StateStore
from klayr_py.state_machine import (
    EventQueue,
    GenerationContext,
    HeaderInfo,
    ImmutableMethodContext,
    NextValidators,
    StateMachine,
    TransactionContext,
    TransactionExecutionResult,
    WritableBlockAssets,
)
from klayr_py.state_machine.block_executor import (
    BlockExecutor,
    BlockResult,
    TransactionSelector,
)
from klayr_py.state_machine.endpoints import call_endpoint, list_endpoints
from klayr_py.state_machine.parallel_roots import EventRootWorker

__all__ = ["BlockImportError", "DryRunResult", "Engine", "GeneratorKey", "Listener", "NonceReader"]

BLOCK_VERSION = 2
WARM_PAGES = 70_000
"""State-tree pages read into the cache at start, top levels first: about a full subtree five
pages deep (1 + 16 + 256 + 4,096 + 65,536 = 69,905 pages), the levels every block of a large state
reads."""


class BlockImportError(KlayrError, ValueError):
    """A block was refused; the chain and state are unchanged."""


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


@dataclass
class DryRunResult:
    """What ``txpool_dryRunTransaction`` reports: the verdict and the events, nothing kept."""

    result: int
    """1 OK, 0 FAIL (command raised), -1 INVALID (verification failed or a hook raised)."""
    events: list[Event] = field(default_factory=list)
    error: str = ""


Listener = Callable[[Block, list[Event]], None]
NonceReader = Callable[[Any, bytes], int]
"""``(method context, address) -> confirmed nonce``."""


class Engine:
    """A single-node chain over ``db``: the state machine, chain storage, pool and generator."""

    def __init__(
        self,
        *,
        state_machine: StateMachine,
        db: Database,
        offchain_db: Database,
        genesis_block: Block,
        chain_id: bytes,
        block_time: int,
        max_transactions_size: int = 15 * 1024,
        keep_events_for_heights: int = -1,
        pool_config: PoolConfig | None = None,
        clock: Callable[[], float] = time.time,
        nonce_reader: NonceReader | None = None,
        signature_workers: int = 0,
        parallel_roots: bool = False,
        state_cache_size: int = DEFAULT_PAGE_CACHE_SIZE,
        logger: logging.Logger | None = None,
    ) -> None:
        self.state_machine = state_machine
        self.db = db
        self.chain_id = chain_id
        self.block_time = block_time
        self.max_transactions_size = max_transactions_size
        self.keep_events_for_heights = keep_events_for_heights
        self.genesis_block = genesis_block
        self.clock = clock
        self.nonce_reader = nonce_reader
        """How the pool learns an account's confirmed nonce (the auth module's method)."""
        self.logger = logger or logging.getLogger("klayr_py.engine")
        self.state_store = StateStore(db, page_cache_size=state_cache_size)
        self.offchain_store = OffchainStore(offchain_db)
        self.storage = ChainStorage(db)
        self.validator_sets = ValidatorSetStore(db)
        self.executor = BlockExecutor(
            state_machine,
            self.state_store,
            chain_id,
            self.logger,
            event_root_worker=EventRootWorker() if parallel_roots else None,
        )
        self.pool = TransactionPool(
            verify=self.verify_transaction,
            get_nonce=self._account_nonce,
            config=pool_config,
            clock=clock,
        )
        self.verifier = (
            ParallelVerifier(chain_id, signature_workers) if signature_workers > 0 else None
        )
        """Checks batches of signatures on other cores first (``system.signatureWorkers``)."""
        self.new_block_listeners: list[Listener] = []
        self.delete_block_listeners: list[Listener] = []
        self.new_transaction_listeners: list[Callable[[Transaction], None]] = []
        self._last_block: Block | None = None
        self._endpoints = list_endpoints(state_machine.modules)

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """Apply the genesis block to an empty database, or check the stored chain is this one."""
        if self.storage.last_height < 0:
            if self.state_store.height >= 0:
                raise KlayrError("the database holds state but no blocks: it is corrupted")
            self._apply_genesis()
        else:
            stored = self.storage.get_block_id(self.genesis_block.header.height)
            if stored != self.genesis_block.id:
                raise KlayrError(
                    f"the data directory belongs to another chain: its genesis block is "
                    f"{stored.hex()}, the configured one is {self.genesis_block.id.hex()}"
                )
            if self.state_store.height != self.storage.last_height:
                raise KlayrError(
                    f"state height {self.state_store.height} does not match the last block "
                    f"{self.storage.last_height}"
                )
        self._last_block = self.storage.get_last_block()
        if self.executor.event_root_worker is not None:
            self.executor.event_root_worker.start()  # its imports overlap the warm-up
        # The upper levels of the state tree, which every block reads (about 2 s at 10^6 keys).
        self.state_store.warm_page_cache(max_pages=WARM_PAGES)

    def _apply_genesis(self) -> None:
        block = self.genesis_block
        try:
            block.validate_genesis()
            result = self.executor.execute_genesis(block.header, block.assets)
            self.executor.verify_roots(block.header, result)
        except KlayrError as error:
            raise BlockImportError(f"the genesis block is invalid: {error}") from error
        if result.next_validators is None:
            self.executor.discard()
            raise BlockImportError("the genesis block sets no validators")
        expected_hash = compute_validators_hash(result.next_validators)
        if block.header.validators_hash != expected_hash:
            self.executor.discard()
            raise BlockImportError(
                f"genesis validatorsHash {block.header.validators_hash.hex()} != computed "
                f"{expected_hash.hex()}"
            )
        self._commit(block, result)

    # -- queries ------------------------------------------------------------------------------

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

    def generator_of(self, timestamp: int) -> bytes:
        """The address of the validator whose slot holds ``timestamp``."""
        return generator_at(self.current_validators(), timestamp, self.block_time).address

    # -- transactions -------------------------------------------------------------------------

    def _next_header_info(self) -> HeaderInfo:
        last = self.last_block.header
        return HeaderInfo(last.height + 1, last.timestamp + self.block_time)

    def verify_transaction(self, transaction: Transaction) -> VerificationResult:
        """The state machine's read-only checks of ``transaction`` against the committed state."""
        try:
            transaction.validate()
        except KlayrError as error:
            return VerificationResult.fail(error)
        info = self._next_header_info()
        ctx = TransactionContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            transaction=transaction,
            header=info,
            event_queue=EventQueue(info.height),
            logger=self.logger,
        )
        return self.state_machine.verify_transaction(ctx)

    def add_transaction(self, transaction: Transaction) -> AddResult:
        """Offer ``transaction`` to the pool; the result says whether it was kept and why not."""
        if self.storage.has_transaction(transaction.id):
            return AddResult(
                transaction.id,
                RejectReason.DUPLICATE,
                f"transaction {transaction.id.hex()} is already in the chain",
            )
        result = self.pool.add(transaction)
        if result.accepted:
            for listener in self.new_transaction_listeners:
                listener(transaction)
        return result

    def add_transactions(self, transactions: Sequence[Transaction]) -> list[AddResult]:
        """:meth:`add_transaction` for each, their signatures checked in parallel first."""
        if self.verifier is not None:
            self.verifier.preverify(transactions)
        return [self.add_transaction(transaction) for transaction in transactions]

    def dry_run_transaction(
        self, transaction: Transaction, *, strict: bool = False, skip_verify: bool = False
    ) -> DryRunResult:
        """Verify and execute ``transaction`` on top of the committed state, keeping nothing.

        As Klayr's ``txpool_dryRunTransaction``: both steps see the last block's header and
        assets; by default only the command's own verification runs (Klayr's non-strict mode:
        no nonce, signature or fee check), ``strict`` runs every module's too, ``skip_verify``
        none. Only a FAIL verification stops the run (a future nonce is no reason to).
        """
        if not skip_verify:
            verification = self.state_machine.verify_transaction(
                self._last_block_context(transaction, EventQueue(0)), only_command=not strict
            )
            if verification.status is VerifyStatus.FAIL:
                return DryRunResult(-1, [], str(verification.error))
        queue = EventQueue(self.last_block.header.height)
        ctx = self._last_block_context(transaction, queue)
        try:
            outcome = self.state_machine.execute_transaction(ctx)
        finally:
            self.state_store.discard()
        code = {
            TransactionExecutionResult.OK: 1,
            TransactionExecutionResult.FAIL: 0,
            TransactionExecutionResult.INVALID: -1,
        }[outcome]
        return DryRunResult(code, queue.events())

    def _last_block_context(
        self, transaction: Transaction, queue: EventQueue
    ) -> TransactionContext:
        """A transaction context on the committed state under the last block's header."""
        last = self.last_block
        return TransactionContext(
            chain_id=self.chain_id,
            state_store=self.state_store,
            transaction=transaction,
            header=last.header,
            event_queue=queue,
            assets=last.assets,
            logger=self.logger,
        )

    def _account_nonce(self, address: bytes) -> int:
        if self.nonce_reader is None:
            return 0
        return self.nonce_reader(self.method_context(), address)

    def method_context(self) -> ImmutableMethodContext:
        """A read-only method context over the committed state (for module methods)."""
        return ImmutableMethodContext(self.state_store.read_only())

    # -- generation ---------------------------------------------------------------------------

    def slot_of(self, timestamp: int) -> int:
        """Klayr's slot number: timestamp // block time."""
        return timestamp // self.block_time

    def _draft_header(self, timestamp: int, generator_address: bytes) -> BlockHeader:
        last = self.last_block.header
        height = last.height + 1
        return BlockHeader(
            version=BLOCK_VERSION,
            timestamp=timestamp,
            height=height,
            previous_block_id=self.last_block.id,
            generator_address=generator_address,
            transaction_root=EMPTY_HASH,
            asset_root=EMPTY_HASH,
            event_root=EMPTY_HASH,
            state_root=EMPTY_HASH,
            max_height_prevoted=last.height,
            max_height_generated=self._last_generated_height(generator_address),
            implies_max_prevotes=True,
            validators_hash=bytes(32),
            aggregate_commit=AggregateCommit(height=0),
        )

    def _last_generated_height(self, generator_address: bytes) -> int:
        # The last block this generator forged, among the last rounds (0 if none).
        count = len(self.current_validators().validators)
        height = self.height
        for candidate in range(height, max(height - 2 * count, 0), -1):
            if self.storage.get_header_by_height(candidate).generator_address == generator_address:
                return candidate
        return 0

    def generate_block(
        self, timestamp: int, key: GeneratorKey, selector: TransactionSelector | None = None
    ) -> Block:
        """Forge, sign and commit the block of ``timestamp``'s slot with pool transactions.

        ``key`` must belong to the slot's validator. Raises :class:`BlockImportError` (nothing
        changed) if the slot is not after the last block's or belongs to someone else.
        ``selector`` replaces the pool as the source of transactions (the testing toolkit
        passes exact lists).
        """
        self._check_slot(timestamp, key.address)
        header = self._draft_header(timestamp, key.address)
        assets = WritableBlockAssets()
        try:
            self.state_machine.insert_assets(
                GenerationContext(
                    chain_id=self.chain_id,
                    state_store=self.state_store,
                    header=header,
                    assets=assets,
                    offchain_store=self.offchain_store,
                    finalized_height=self.finalized_height,
                    logger=self.logger,
                )
            )
        except Exception as error:
            self.offchain_store.discard()
            raise BlockImportError(f"insert_assets failed: {error}") from error
        if selector is None:
            pool_selector = PoolSelector(self.pool.get_processable(), self.max_transactions_size)
            result, kept = self._generate(header, assets, pool_selector)
            for transaction, reason in pool_selector.rejections:
                self.logger.info("left transaction %s out: %s", transaction.id.hex(), reason)
        else:
            result, kept = self._generate(header, assets, selector)
        with self._discarding_on_failure():
            unsigned = _with_roots(header, result, self._validators_hash_after(result))
            block = Block(unsigned.sign(self.chain_id, key.private_key), kept, assets.assets)
            self._commit(block, result)
        if self.offchain_store.has_changes:  # insert_assets may record what it generated
            self.offchain_store.commit()
        return block

    def _generate(
        self, header: BlockHeader, assets: WritableBlockAssets, selector: TransactionSelector
    ) -> tuple[BlockResult, list[Transaction]]:
        try:
            return self.executor.generate(header, assets.assets, selector)
        except Exception:
            self.offchain_store.discard()
            raise

    @contextlib.contextmanager
    def _discarding_on_failure(self) -> Iterator[None]:
        """Between executing a block and its commit, any failure (a module's bad validator
        set, a full disk...) drops the block's changes, so the engine stays usable."""
        try:
            yield
        except BaseException:
            self.executor.discard()
            self.offchain_store.discard()
            raise

    def _check_slot(self, timestamp: int, generator_address: bytes) -> None:
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

    def _validators_hash_after(self, result: BlockResult) -> bytes:
        validators = result.next_validators or self.current_validators()
        return compute_validators_hash(validators)

    # -- import -------------------------------------------------------------------------------

    def import_block(self, block: Block) -> None:
        """Verify a block produced elsewhere and commit it; refuse it (nothing changed) if any
        check fails: header, slot, generator, signature, size, transactions, roots."""
        header = block.header
        try:
            block.validate()
        except KlayrError as error:
            raise BlockImportError(f"block {header.height}: {error}") from error
        last = self.last_block
        if header.version != BLOCK_VERSION:
            raise BlockImportError(f"block version must be {BLOCK_VERSION}, got {header.version}")
        if header.height != last.header.height + 1:
            raise BlockImportError(
                f"block height {header.height} does not follow the last block {self.height}"
            )
        if header.previous_block_id != last.id:
            raise BlockImportError(
                f"block {header.height} does not build on the last block {last.id.hex()}"
            )
        if self.slot_of(header.timestamp) > self.slot_of(int(self.clock())):
            raise BlockImportError(f"block timestamp {header.timestamp} is in the future")
        self._check_slot(header.timestamp, header.generator_address)
        validator = generator_at(self.current_validators(), header.timestamp, self.block_time)
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
            if self.storage.has_transaction(transaction.id):
                raise BlockImportError(
                    f"transaction {transaction.id.hex()} is already in the chain"
                )
        try:
            result = self.executor.execute(header, block.assets, block.transactions)
            self.executor.verify_roots(header, result)
        except KlayrError as error:
            raise BlockImportError(str(error)) from error
        with self._discarding_on_failure():
            expected_hash = self._validators_hash_after(result)
            if header.validators_hash != expected_hash:
                raise BlockImportError(
                    f"block {header.height}: validatorsHash {header.validators_hash.hex()} != "
                    f"computed {expected_hash.hex()}"
                )
            self._commit(block, result)

    # -- commit and revert --------------------------------------------------------------------

    def _commit(self, block: Block, result: BlockResult) -> None:
        batch = self.db.new_batch()
        height = block.header.height
        self.storage.save_block(
            batch,
            block,
            result.events,
            finalized_height=block.header.max_height_prevoted,
            keep_events_for_heights=self.keep_events_for_heights,
        )
        if result.next_validators is not None:
            self.validator_sets.save(batch, height + 1, result.next_validators)
        self.executor.commit(result, batch)
        self._last_block = block
        if block.transactions:
            self.pool.on_block(block.transactions)
        self.logger.info(
            "block %d %s: %d transactions, %d events",
            height,
            block.id.hex(),
            len(block.transactions),
            len(result.events),
        )
        for listener in self.new_block_listeners:
            listener(block, result.events)

    def delete_last_block(self) -> Block:
        """Revert the last block: state, chain and validator set together, in one write.

        Its transactions go back to the pool when still valid. The genesis block stays.
        """
        block = self.last_block
        height = block.header.height
        if height <= self.genesis_block.header.height:
            raise KlayrError("the genesis block cannot be deleted")
        events = self.storage.get_events(height)
        pending = self.state_store.prepare_revert(height)
        previous = self.storage.get_block_by_height(height - 1)
        batch = self.db.new_batch()
        self.storage.delete_block(
            batch, block, finalized_height=min(self.finalized_height, height - 1)
        )
        self.validator_sets.delete(batch, height + 1)
        self.state_store.commit(pending, batch)
        self._last_block = previous
        self.pool.on_revert(block.transactions)
        for listener in self.delete_block_listeners:
            listener(block, events)
        return block

    # -- endpoints ----------------------------------------------------------------------------

    def endpoint_names(self) -> list[str]:
        """Every module endpoint by its Klayr name (``hello_getHello``)."""
        return sorted(self._endpoints)

    def call_endpoint(self, name: str, params: Mapping[str, Any]) -> Any:
        """Call a module endpoint by its Klayr name with JSON ``params``."""
        found = self._endpoints.get(name)
        if found is None:
            raise NotFoundError(f"endpoint {name} does not exist")
        module, python_name = found
        last = self.last_block.header
        try:
            response = call_endpoint(
                module,
                python_name,
                params,
                state_store=self.state_store,
                offchain_store=self.offchain_store,
                chain_id=self.chain_id,
                header=HeaderInfo(last.height, last.timestamp),
                logger=self.logger,
            )
        except BaseException:
            self.offchain_store.discard()
            raise
        if self.offchain_store.has_changes:
            self.offchain_store.commit()
        return response

    def close(self) -> None:
        """Nothing half-written can remain: every write was one batch. Close the databases."""
        self.state_store.discard()
        if self.verifier is not None:
            self.verifier.close()
        if self.executor.event_root_worker is not None:
            self.executor.event_root_worker.close()
        self.db.close()
        self.offchain_store.db.close()


def _with_roots(header: BlockHeader, result: BlockResult, validators_hash: bytes) -> BlockHeader:
    return replace(
        header,
        state_root=result.state_root,
        event_root=result.event_root,
        transaction_root=result.transaction_root,
        asset_root=result.asset_root,
        validators_hash=validators_hash,
    )
