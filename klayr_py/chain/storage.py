"""Chain storage: blocks, transactions and events in the node's LevelDB, beside the state.

Every write goes into a caller's :class:`~klayr_py.db.WriteBatch`, so a block, its events and its
state changes land in one atomic write (see :meth:`klayr_py.state.StateStore.commit`). Key
prefixes are Klayr's (``@klayr/chain`` ``db_keys.ts``), so they never collide with the state's:

===========  ===================================  =========================================
prefix       key                                  value
===========  ===================================  =========================================
``0x03``     block ID                             encoded block header
``0x04``     height (4 bytes, big-endian)         block ID
``0x05``     block ID                             the block's transaction IDs, concatenated
``0x06``     transaction ID                       encoded transaction
``0x08``     block ID                             encoded block assets
``0x09``     height                               the block's encoded events
``0x1b``     (none)                               finalized height
===========  ===================================  =========================================
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from klayr_py import codec
from klayr_py.chain.block import Block
from klayr_py.chain.block_assets import BlockAssets
from klayr_py.chain.block_header import BlockHeader
from klayr_py.chain.event import Event
from klayr_py.chain.transaction import Transaction
from klayr_py.db import Database, WriteBatch
from klayr_py.errors import NotFoundError

__all__ = ["ChainStorage"]

_BLOCK_BY_ID: Final = b"\x03"
_ID_BY_HEIGHT: Final = b"\x04"
_TRANSACTION_IDS_BY_BLOCK: Final = b"\x05"
_TRANSACTION_BY_ID: Final = b"\x06"
_ASSETS_BY_BLOCK: Final = b"\x08"
_EVENTS_BY_HEIGHT: Final = b"\x09"
_FINALIZED_HEIGHT: Final = b"\x1b"

_ID_LENGTH: Final = 32

_BYTES_LIST_SCHEMA: Final = {
    "$id": "/klayr_py/chain/storage/bytesList",
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "fieldNumber": 1, "items": {"dataType": "bytes"}}},
}


def _height_key(prefix: bytes, height: int) -> bytes:
    return prefix + height.to_bytes(4, "big")


def _encode_list(items: Sequence[bytes]) -> bytes:
    return codec.encode(_BYTES_LIST_SCHEMA, {"items": list(items)})


def _decode_list(data: bytes) -> list[bytes]:
    items: list[bytes] = codec.decode(_BYTES_LIST_SCHEMA, data)["items"]
    return items


class ChainStorage:
    """Blocks by ID and height, transactions by ID, events by height, the finalized height.

    Reads go to ``db`` directly; writes are added to a batch the caller writes atomically.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads --------------------------------------------------------------------------------

    @property
    def last_height(self) -> int:
        """Height of the last stored block, -1 if there is none."""
        for key, _ in self.db.iterate(
            gte=_height_key(_ID_BY_HEIGHT, 0),
            lte=_height_key(_ID_BY_HEIGHT, 2**32 - 1),
            limit=1,
            reverse=True,
        ):
            return int.from_bytes(key[1:], "big")
        return -1

    @property
    def finalized_height(self) -> int:
        """The finalized height (0 before any block is finalized)."""
        value = self.db.get_or_none(_FINALIZED_HEIGHT)
        return 0 if value is None else int.from_bytes(value, "big")

    def get_block_id(self, height: int) -> bytes:
        """The ID of the block at ``height``; :class:`NotFoundError` if there is none."""
        block_id = self.db.get_or_none(_height_key(_ID_BY_HEIGHT, height))
        if block_id is None:
            raise NotFoundError(f"no block at height {height}")
        return block_id

    def get_header(self, block_id: bytes) -> BlockHeader:
        """The header of block ``block_id``; :class:`NotFoundError` if it is not stored."""
        encoded = self.db.get_or_none(_BLOCK_BY_ID + block_id)
        if encoded is None:
            raise NotFoundError(f"no block with ID {block_id.hex()}")
        return BlockHeader.from_bytes(encoded)

    def get_header_by_height(self, height: int) -> BlockHeader:
        """The header at ``height``."""
        return self.get_header(self.get_block_id(height))

    def get_block(self, block_id: bytes) -> Block:
        """The full block ``block_id``: header, transactions, assets."""
        header = self.get_header(block_id)
        ids = self.db.get_or_none(_TRANSACTION_IDS_BY_BLOCK + block_id) or b""
        transactions = [
            self.get_transaction(ids[start : start + _ID_LENGTH])
            for start in range(0, len(ids), _ID_LENGTH)
        ]
        assets_bytes = self.db.get_or_none(_ASSETS_BY_BLOCK + block_id)
        assets = BlockAssets.from_bytes(_decode_list(assets_bytes) if assets_bytes else [])
        return Block(header, transactions, assets)

    def get_block_by_height(self, height: int) -> Block:
        """The full block at ``height``."""
        return self.get_block(self.get_block_id(height))

    def get_last_block(self) -> Block:
        """The block at :attr:`last_height`; :class:`NotFoundError` on an empty chain."""
        height = self.last_height
        if height < 0:
            raise NotFoundError("the chain has no block yet")
        return self.get_block_by_height(height)

    def get_blocks_between(self, from_height: int, to_height: int) -> list[Block]:
        """Blocks ``from_height`` to ``to_height`` inclusive, ascending; missing ones skipped."""
        return [
            self.get_block(block_id)
            for _, block_id in self.db.iterate(
                gte=_height_key(_ID_BY_HEIGHT, max(from_height, 0)),
                lte=_height_key(_ID_BY_HEIGHT, min(to_height, 2**32 - 1)),
            )
        ]

    def get_transaction(self, transaction_id: bytes) -> Transaction:
        """A transaction included in a stored block; :class:`NotFoundError` otherwise."""
        encoded = self.db.get_or_none(_TRANSACTION_BY_ID + transaction_id)
        if encoded is None:
            raise NotFoundError(f"no transaction with ID {transaction_id.hex()}")
        return Transaction.from_bytes(encoded)

    def has_transaction(self, transaction_id: bytes) -> bool:
        """Whether a stored block includes ``transaction_id``."""
        return self.db.has(_TRANSACTION_BY_ID + transaction_id)

    def get_events(self, height: int) -> list[Event]:
        """The events of the block at ``height`` (empty if pruned or none were emitted)."""
        encoded = self.db.get_or_none(_height_key(_EVENTS_BY_HEIGHT, height))
        if encoded is None:
            return []
        return [Event.from_bytes(item) for item in _decode_list(encoded)]

    # -- writes -------------------------------------------------------------------------------

    def save_block(
        self,
        batch: WriteBatch,
        block: Block,
        events: Sequence[Event],
        *,
        finalized_height: int | None = None,
        keep_events_for_heights: int = -1,
    ) -> None:
        """Add the writes that store ``block`` and its ``events`` to ``batch``.

        ``keep_events_for_heights`` >= 0 prunes events of blocks that many heights below (Klayr's
        ``system.keepEventsForHeights``; -1 keeps all).
        """
        header = block.header
        block_id = header.id
        batch.set(_BLOCK_BY_ID + block_id, header.get_bytes())
        batch.set(_height_key(_ID_BY_HEIGHT, header.height), block_id)
        if block.transactions:
            batch.set(
                _TRANSACTION_IDS_BY_BLOCK + block_id,
                b"".join(tx.id for tx in block.transactions),
            )
            for transaction in block.transactions:
                batch.set(_TRANSACTION_BY_ID + transaction.id, transaction.get_bytes())
        if len(block.assets):
            batch.set(_ASSETS_BY_BLOCK + block_id, _encode_list(block.assets.get_bytes()))
        if events:
            batch.set(
                _height_key(_EVENTS_BY_HEIGHT, header.height),
                _encode_list([event.get_bytes() for event in events]),
            )
        if keep_events_for_heights >= 0:
            for key in self._prunable_event_keys(header.height - keep_events_for_heights):
                batch.delete(key)
        if finalized_height is not None:
            batch.set(_FINALIZED_HEIGHT, finalized_height.to_bytes(4, "big"))

    def delete_block(
        self, batch: WriteBatch, block: Block, *, finalized_height: int | None = None
    ) -> None:
        """Add the writes that remove ``block`` (the last one), its transactions and events."""
        block_id = block.id
        batch.delete(_BLOCK_BY_ID + block_id)
        batch.delete(_height_key(_ID_BY_HEIGHT, block.header.height))
        batch.delete(_TRANSACTION_IDS_BY_BLOCK + block_id)
        for transaction in block.transactions:
            batch.delete(_TRANSACTION_BY_ID + transaction.id)
        batch.delete(_ASSETS_BY_BLOCK + block_id)
        batch.delete(_height_key(_EVENTS_BY_HEIGHT, block.header.height))
        if finalized_height is not None:
            batch.set(_FINALIZED_HEIGHT, finalized_height.to_bytes(4, "big"))

    def _prunable_event_keys(self, below_height: int) -> Iterator[bytes]:
        # Older heights were pruned by earlier blocks, so this visits only a few keys.
        if below_height <= 0:
            return
        for key, _ in self.db.iterate(
            gte=_height_key(_EVENTS_BY_HEIGHT, 0),
            lte=_height_key(_EVENTS_BY_HEIGHT, below_height - 1),
        ):
            yield key
