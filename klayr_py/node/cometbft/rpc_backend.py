"""The Klayr RPC API of a CometBFT validator: the same server, a different driver behind it.

:class:`CometBFTBackend` gives the RPC layer (:class:`~klayr_py.node.rpc.backend.RpcBackend`)
what it reads -- a :class:`~klayr_py.node.read_side.ChainReader` over this node's Klayr block
records, through the ABI -- and admits ``txpool_postTransaction`` the way Klayr's pool does, then
hands the transaction to CometBFT's mempool (``broadcast_tx_async`` on the local CometBFT RPC),
which gossips it to every validator. The local pool only remembers what was posted here until a
block holds it, so ``txpool_getTransactionsFromPool`` shows this node's pending posts (CometBFT's
mempool holds the network's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from klayr_py.chain import Block, Event, Transaction
from klayr_py.modules import VerificationResult
from klayr_py.node.chain_state import ChainState, Listener
from klayr_py.node.cometbft.klayr_app import KlayrAbciApp
from klayr_py.node.pool import AddResult, PoolConfig, RejectReason, TransactionPool
from klayr_py.node.read_side import ChainReader

__all__ = ["Broadcast", "CometBFTBackend"]

Broadcast = Callable[[bytes], Awaitable[None]]
"""Hands transaction bytes to CometBFT's mempool."""


class CometBFTBackend:
    """What the RPC server serves on a CometBFT node (see the module docstring)."""

    def __init__(
        self,
        abci_app: KlayrAbciApp,
        *,
        genesis_block: Block,
        block_time: int,
        broadcast: Broadcast,
        pool_config: PoolConfig | None = None,
    ) -> None:
        self.abci_app = abci_app
        self.broadcast = broadcast
        self.logger = logging.getLogger("klayr_py.cometbft")
        self.chain = ChainState(
            abi=abci_app.abi, db=abci_app.db, genesis_block=genesis_block, block_time=block_time
        )
        if abci_app.height >= 0:
            self.chain.load()
        self.pool = TransactionPool(
            verify=self._verify, get_nonce=self._account_nonce, config=pool_config
        )
        self.reads = ChainReader(
            abi=abci_app.abi,
            chain=self.chain,
            pool=self.pool,
            chain_id=abci_app.chain_id,
            block_time=block_time,
        )
        self.new_block_listeners: list[Listener] = []
        self.delete_block_listeners: list[Listener] = []  # CometBFT blocks are never reverted
        self.new_transaction_listeners: list[Callable[[Transaction], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        abci_app.new_block_listeners.append(self._on_block)
        abci_app.admitted = self.pool.contains  # CheckTx need not verify them twice

    def _on_block(self, block: Block, events: list[Event]) -> None:
        self.chain.load()
        if block.transactions:
            self.pool.on_block(block.transactions)
        for listener in self.new_block_listeners:
            listener(block, events)

    def _verify(self, transaction: Transaction) -> VerificationResult:
        return self.reads.verify_transaction(transaction)

    def _account_nonce(self, address: bytes) -> int:
        """The confirmed nonce, read through the auth module's endpoint once per block
        (0 without auth)."""
        nonce = self.abci_app.confirmed_nonce(address)
        return 0 if nonce is None else nonce

    def add_transaction(self, transaction: Transaction) -> AddResult:
        """Admit ``transaction`` as Klayr's pool does, then send it to CometBFT's mempool."""
        if self.abci_app.storage.has_transaction(transaction.id):
            return AddResult(
                transaction.id,
                RejectReason.DUPLICATE,
                f"transaction {transaction.id.hex()} is already in the chain",
            )
        result = self.pool.add(transaction)
        if result.accepted:
            task = asyncio.get_running_loop().create_task(self._send(transaction))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            for listener in self.new_transaction_listeners:
                listener(transaction)
        return result

    async def _send(self, transaction: Transaction) -> None:
        try:
            await self.broadcast(transaction.get_bytes())
        except Exception as error:  # the RPC answered already: the log is all that can report
            self.logger.error(
                "could not hand transaction %s to CometBFT: %s", transaction.id.hex(), error
            )
