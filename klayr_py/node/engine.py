"""The engine: one chain on one database, assembled from its parts.

It wires the state machine behind the ABI (:class:`~klayr_py.state_machine.abi_handler.
ABIHandler`) to the parts that use only that interface -- the committed chain
(:mod:`~klayr_py.node.chain_state`), the built-in generator (:mod:`~klayr_py.node.
block_generation`), block import (:mod:`~klayr_py.node.block_import`), the transaction pool --
and to the read side RPC uses (:mod:`~klayr_py.node.read_side`). Everything here is synchronous;
:class:`~klayr_py.node.Application` drives it from its event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from klayr_py.chain import Block, Transaction
from klayr_py.db import Database
from klayr_py.errors import KlayrError
from klayr_py.interfaces import TransactionSelector
from klayr_py.modules import VerificationResult
from klayr_py.node.block_generation import BlockGenerator, GeneratorKey
from klayr_py.node.block_import import BlockImporter
from klayr_py.node.chain_state import BlockImportError, ChainState, Listener
from klayr_py.node.event_root_worker import EventRootWorker
from klayr_py.node.pool import AddResult, PoolConfig, RejectReason, TransactionPool
from klayr_py.node.read_side import ChainReader, DryRunResult
from klayr_py.node.verifier import ParallelVerifier
from klayr_py.state import DEFAULT_PAGE_CACHE_SIZE, OffchainStore, StateStore
from klayr_py.state_machine import ImmutableMethodContext, NextValidators, StateMachine
from klayr_py.state_machine.abi import ClearRequest, InitRequest
from klayr_py.state_machine.abi_handler import ABIHandler

__all__ = ["BlockImportError", "DryRunResult", "Engine", "GeneratorKey", "Listener", "NonceReader"]

WARM_PAGES = 70_000
"""State-tree pages read into the cache at start, top levels first: about a full subtree five
pages deep (1 + 16 + 256 + 4,096 + 65,536 = 69,905 pages), the levels every block of a large state
reads."""

NonceReader = Callable[[Any, bytes], int]
"""``(method context, address) -> confirmed nonce``."""


class Engine:
    """A single-node chain over ``db``: the ABI, the chain, the pool, generation and import."""

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
        balance_reader: NonceReader | None = None,
        signature_workers: int = 0,
        parallel_roots: bool = False,
        state_cache_size: int = DEFAULT_PAGE_CACHE_SIZE,
        keep_state_diffs_for_heights: int = -1,
        logger: logging.Logger | None = None,
    ) -> None:
        self.state_machine = state_machine
        """The application's state machine (the testing toolkit reads its modules)."""
        self.db = db
        self.chain_id = chain_id
        self.block_time = block_time
        self.genesis_block = genesis_block
        self.clock = clock
        self.nonce_reader = nonce_reader
        """How the pool learns an account's confirmed nonce (the auth module's method)."""
        self.balance_reader = balance_reader
        """How the pool learns what an account can spend on fees (token and fee modules)."""
        self.logger = logger or logging.getLogger("klayr_py.engine")
        self.state_store = StateStore(
            db, page_cache_size=state_cache_size, keep_heights=keep_state_diffs_for_heights
        )
        self.offchain_store = OffchainStore(offchain_db)
        self.abi = ABIHandler(
            state_machine, self.state_store, self.offchain_store, chain_id, self.logger
        )
        self.chain = ChainState(
            abi=self.abi,
            db=db,
            genesis_block=genesis_block,
            block_time=block_time,
            keep_events_for_heights=keep_events_for_heights,
            logger=self.logger,
        )
        self.storage = self.chain.storage
        self.event_root_worker = EventRootWorker() if parallel_roots else None
        """Builds each block's event root in another process while the block executes."""
        self.verifier = (
            ParallelVerifier(chain_id, signature_workers) if signature_workers > 0 else None
        )
        """Checks batches of signatures on other cores first (``system.signatureWorkers``)."""
        self.pool = TransactionPool(
            verify=self.verify_transaction,
            get_nonce=self._account_nonce,
            config=pool_config,
            clock=clock,
            get_balance=None if balance_reader is None else self._fee_balance,
        )
        self.lock = threading.RLock()
        """Held around each block (generation, import, revert) and each pool admission; the read
        side holds it for state and pool reads, so they see the last committed block."""
        self.reads = ChainReader(
            abi=self.abi,
            chain=self.chain,
            pool=self.pool,
            chain_id=chain_id,
            block_time=block_time,
            lock=self.lock,
        )
        """The read side RPC, notifications and plugins use."""
        self.generator = BlockGenerator(
            abi=self.abi,
            chain=self.chain,
            chain_id=chain_id,
            max_transactions_size=max_transactions_size,
            processable=self.pool.get_processable,
            event_root_worker=self.event_root_worker,
            logger=self.logger,
        )
        self.importer = BlockImporter(
            abi=self.abi,
            chain=self.chain,
            chain_id=chain_id,
            max_transactions_size=max_transactions_size,
            clock=clock,
            verifier=self.verifier,
            event_root_worker=self.event_root_worker,
        )
        self.new_block_listeners: list[Listener] = self.chain.new_block_listeners
        self.delete_block_listeners: list[Listener] = self.chain.delete_block_listeners
        self.new_transaction_listeners: list[Callable[[Transaction], None]] = []
        # The pool hears of every block first, so listeners see it up to date.
        self.new_block_listeners.append(self._pool_on_block)
        self.delete_block_listeners.append(self._pool_on_revert)
        self.new_block_listeners.append(self._state_on_block)

    def _pool_on_block(self, block: Block, _: object) -> None:
        if block.transactions:
            self.pool.on_block(block.transactions)

    def _pool_on_revert(self, block: Block, _: object) -> None:
        self.pool.on_revert(block.transactions)

    def _state_on_block(self, block: Block, _: object) -> None:
        # One validator, no forks: a committed block is final. The state store keeps
        # ``keep_state_diffs_for_heights`` blocks behind it revertible (``chain revert``) and
        # prunes the rest with the next commit. Not ABI.finalize: that would refuse reverts.
        self.state_store.finalize(block.header.height)

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """Apply the genesis block to an empty database, or check the stored chain is this one."""
        storage = self.storage
        if storage.last_height < 0:
            if self.state_store.height >= 0:
                raise KlayrError("the database holds state but no blocks: it is corrupted")
            self.importer.apply_genesis(self.genesis_block)
        else:
            stored = storage.get_block_id(self.genesis_block.header.height)
            if stored != self.genesis_block.id:
                raise KlayrError(
                    f"the data directory belongs to another chain: its genesis block is "
                    f"{stored.hex()}, the configured one is {self.genesis_block.id.hex()}"
                )
            last = storage.get_last_block().header
            self.abi.init(InitRequest(last.height, last.state_root))
        self.chain.load()
        if self.event_root_worker is not None:
            self.event_root_worker.start()  # its imports overlap the warm-up
        # The upper levels of the state tree, which every block reads (about 2 s at 10^6 keys).
        self.state_store.warm_page_cache(max_pages=WARM_PAGES)

    # -- the chain ----------------------------------------------------------------------------

    @property
    def last_block(self) -> Block:
        """The last committed block."""
        return self.chain.last_block

    @property
    def height(self) -> int:
        """Height of the last committed block."""
        return self.chain.height

    @property
    def finalized_height(self) -> int:
        """The finalized height (see docs/node.md: a single authority finalizes the parent)."""
        return self.chain.finalized_height

    def current_validators(self) -> NextValidators:
        """The validator set in force for the next block."""
        return self.chain.current_validators()

    def generator_of(self, timestamp: int) -> bytes:
        """The address of the validator whose slot holds ``timestamp``."""
        return self.chain.generator_of(timestamp)

    def slot_of(self, timestamp: int) -> int:
        """Klayr's slot number: timestamp // block time."""
        return self.chain.slot_of(timestamp)

    # -- transactions -------------------------------------------------------------------------

    def verify_transaction(self, transaction: Transaction) -> VerificationResult:
        """The state machine's read-only checks of ``transaction`` against the committed state."""
        return self.reads.verify_transaction(transaction)

    def add_transaction(self, transaction: Transaction) -> AddResult:
        """Offer ``transaction`` to the pool; the result says whether it was kept and why not.

        Holds the engine's lock: safe beside reads from other threads.
        """
        if self.storage.has_transaction(transaction.id):
            return AddResult(
                transaction.id,
                RejectReason.DUPLICATE,
                f"transaction {transaction.id.hex()} is already in the chain",
            )
        with self.lock:
            result = self.pool.add(transaction)
        if result.accepted:
            for listener in self.new_transaction_listeners:
                listener(transaction)
        return result

    def add_transactions(self, transactions: Sequence[Transaction]) -> list[AddResult]:
        """:meth:`add_transaction` for each; with signature workers, later transactions'
        signatures are checked on other threads while earlier ones are admitted."""
        if self.verifier is None:
            return [self.add_transaction(transaction) for transaction in transactions]
        results: list[AddResult] = []
        for part in self.verifier.verify_ahead(transactions):
            results.extend(self.add_transaction(transaction) for transaction in part)
        return results

    def dry_run_transaction(
        self, transaction: Transaction, *, strict: bool = False, skip_verify: bool = False
    ) -> DryRunResult:
        """Verify and execute ``transaction`` on top of the committed state, keeping nothing
        (Klayr's ``txpool_dryRunTransaction``; see :meth:`ChainReader.dry_run_transaction`)."""
        return self.reads.dry_run_transaction(
            transaction, strict=strict, skip_verify=skip_verify
        )

    def _account_nonce(self, address: bytes) -> int:
        if self.nonce_reader is None:
            return 0
        return self.nonce_reader(self.method_context(), address)

    def _fee_balance(self, address: bytes) -> int:
        assert self.balance_reader is not None  # only handed to the pool when set
        return self.balance_reader(self.method_context(), address)

    def method_context(self) -> ImmutableMethodContext:
        """A read-only method context over the committed state (for module methods)."""
        return ImmutableMethodContext(self.state_store.committed_view().read_only())

    # -- blocks -------------------------------------------------------------------------------

    def generate_block(
        self, timestamp: int, key: GeneratorKey, selector: TransactionSelector | None = None
    ) -> Block:
        """Forge, sign and commit the block of ``timestamp``'s slot (see
        :meth:`BlockGenerator.generate_block`)."""
        with self.lock:
            return self.generator.generate_block(timestamp, key, selector)

    def import_block(self, block: Block) -> None:
        """Verify a block produced elsewhere and commit it, or refuse it with nothing changed."""
        with self.lock:
            self.importer.import_block(block)

    def delete_last_block(self) -> Block:
        """Revert the last block: state, chain and validator set together, in one write.

        Its transactions go back to the pool when still valid. The genesis block stays.
        """
        with self.lock:
            return self.chain.delete_last_block()

    # -- endpoints ----------------------------------------------------------------------------

    def endpoint_names(self) -> list[str]:
        """Every module endpoint by its Klayr name (``hello_getHello``)."""
        return self.reads.endpoint_names()

    def call_endpoint(self, name: str, params: Mapping[str, Any]) -> Any:
        """Call a module endpoint by its Klayr name with JSON ``params``."""
        return self.reads.call_endpoint(name, params)

    def close(self) -> None:
        """Nothing half-written can remain: every write was one batch. Close the databases."""
        self.abi.clear(ClearRequest())
        if self.verifier is not None:
            self.verifier.close()
        if self.event_root_worker is not None:
            self.event_root_worker.close()
        self.db.close()
        self.offchain_store.db.close()
