"""Chain storage: blocks, transactions and events by ID and height, deletion, event pruning."""

from __future__ import annotations

from dataclasses import replace

import pytest

from klayr_py.chain import Block, BlockAssets, Event, Transaction
from klayr_py.chain.storage import ChainStorage
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import NotFoundError
from klayr_py.testing.contexts import create_block_header

_HEADER = create_block_header(0, timestamp=0, max_height_prevoted=0)


def _block(height: int, transactions: int = 2) -> Block:
    txs = [
        Transaction(
            module="m",
            command="c",
            nonce=n,
            fee=height,
            sender_public_key=bytes([height]) * 32,
            params=b"",
            signatures=[bytes(64)],
        )
        for n in range(transactions)
    ]
    assets = BlockAssets().with_asset("m", bytes([height]))
    return Block(replace(_HEADER, height=height, timestamp=height * 10), txs, assets)


def _events(height: int) -> list[Event]:
    return [
        Event(module="m", name="e", data=bytes([i]), topics=[bytes(32)], height=height, index=i)
        for i in range(3)
    ]


def _store(storage: ChainStorage, block: Block, **options: int) -> None:
    batch = storage.db.new_batch()
    storage.save_block(batch, block, _events(block.header.height), **options)
    storage.db.write(batch)


def test_blocks_round_trip_by_id_and_height() -> None:
    storage = ChainStorage(InMemoryDatabase())
    assert storage.last_height == -1
    with pytest.raises(NotFoundError):
        storage.get_last_block()
    blocks = [_block(height) for height in range(4)]
    for block in blocks:
        _store(storage, block, finalized_height=block.header.height)
    assert storage.last_height == 3
    assert storage.finalized_height == 3
    assert storage.get_last_block() == blocks[3]
    assert storage.get_block(blocks[1].id) == blocks[1]
    assert storage.get_block_by_height(2) == blocks[2]
    assert storage.get_header_by_height(2) == blocks[2].header
    assert storage.get_blocks_between(1, 2) == blocks[1:3]
    assert storage.get_transaction(blocks[2].transactions[1].id) == blocks[2].transactions[1]
    assert storage.get_events(3) == _events(3)
    with pytest.raises(NotFoundError, match="height 9"):
        storage.get_block_by_height(9)
    with pytest.raises(NotFoundError, match="transaction"):
        storage.get_transaction(bytes(32))


def test_a_block_without_transactions_or_events() -> None:
    storage = ChainStorage(InMemoryDatabase())
    block = Block(_HEADER)
    batch = storage.db.new_batch()
    storage.save_block(batch, block, [])
    storage.db.write(batch)
    assert storage.get_block(block.id) == block
    assert storage.get_events(0) == []


def test_delete_removes_everything_of_the_block() -> None:
    storage = ChainStorage(InMemoryDatabase())
    blocks = [_block(height) for height in range(2)]
    for block in blocks:
        _store(storage, block)
    batch = storage.db.new_batch()
    storage.delete_block(batch, blocks[1], finalized_height=0)
    storage.db.write(batch)
    assert storage.last_height == 0
    assert not storage.has_transaction(blocks[1].transactions[0].id)
    assert storage.get_events(1) == []
    with pytest.raises(NotFoundError):
        storage.get_block(blocks[1].id)
    assert storage.get_block(blocks[0].id) == blocks[0]


def test_events_older_than_the_window_are_pruned() -> None:
    storage = ChainStorage(InMemoryDatabase())
    for height in range(6):
        _store(storage, _block(height), keep_events_for_heights=2)
    assert [height for height in range(6) if storage.get_events(height)] == [3, 4, 5]
    assert storage.get_block_by_height(0) == _block(0)  # blocks are never pruned
