"""What the RPC layer needs from a node's driver: the read side, pool admission, listeners.

The built-in single-node :class:`~klayr_py.node.engine.Engine` and the CometBFT driver
(:class:`~klayr_py.node.cometbft.rpc_backend.CometBFTBackend`) both provide it, so the same RPC
server, WebSocket notifications and module endpoints serve either kind of node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from klayr_py.chain import Transaction
from klayr_py.node.chain_state import Listener
from klayr_py.node.pool import AddResult
from klayr_py.node.read_side import ChainReader

__all__ = ["RpcBackend"]


class RpcBackend(Protocol):
    """A node as the RPC server sees it."""

    reads: ChainReader
    new_block_listeners: list[Listener]
    delete_block_listeners: list[Listener]
    new_transaction_listeners: list[Callable[[Transaction], None]]

    def add_transaction(self, transaction: Transaction) -> AddResult:
        """Admit ``transaction`` (``txpool_postTransaction``); the result says why not."""
        ...
