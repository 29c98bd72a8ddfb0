"""Chain data, byte-compatible with Klayr's ``@klayr/chain``: transactions, block headers, block
assets, blocks and events, their IDs, signatures and roots. See docs/chain.md.
"""

from klayr_py.chain import constants, schemas
from klayr_py.chain.block import Block
from klayr_py.chain.block_assets import BlockAsset, BlockAssets
from klayr_py.chain.block_header import AggregateCommit, BlockHeader
from klayr_py.chain.event import Event, command_execution_result_event, standard_event_data
from klayr_py.chain.roots import (
    EventRootBuilder,
    compute_event_root,
    compute_transaction_root,
    index_events,
)
from klayr_py.chain.transaction import Transaction
from klayr_py.errors import BlockError, ChainError, EventError, TransactionError

__all__ = [
    "AggregateCommit",
    "Block",
    "BlockAsset",
    "BlockAssets",
    "BlockError",
    "BlockHeader",
    "ChainError",
    "Event",
    "EventError",
    "EventRootBuilder",
    "Transaction",
    "TransactionError",
    "command_execution_result_event",
    "compute_event_root",
    "compute_transaction_root",
    "constants",
    "index_events",
    "schemas",
    "standard_event_data",
]
