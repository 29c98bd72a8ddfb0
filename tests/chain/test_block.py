"""Block: encoding, JSON and Klayr's checks of the transaction and asset roots."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.chain import (
    AggregateCommit,
    Block,
    BlockAssets,
    BlockError,
    BlockHeader,
    Transaction,
    TransactionError,
    compute_transaction_root,
    schemas,
)
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.crypto import get_key_pair_from_seed
from klayr_py.errors import CodecError
from klayr_py.tree import merkle_root

from .strategies import block_assets, block_headers, transactions

CHAIN_ID = bytes.fromhex("04000001")
KEYS = get_key_pair_from_seed(b"\x09" * 32)
MERKLE_VECTORS = (
    Path(__file__).parents[1] / "vectors" / "merkle_tree" / "transaction_merkle_root.json"
)


@st.composite
def valid_blocks(draw: st.DrawFn) -> Block:
    """A block whose header commits to its transactions and assets, signed."""
    txs = draw(st.lists(transactions(), max_size=5))
    assets = draw(block_assets())
    header = replace(
        draw(block_headers()),
        previous_block_id=b"\x01" * 32,
        transaction_root=compute_transaction_root(txs),
        asset_root=assets.get_root(),
    ).sign(CHAIN_ID, KEYS.private_key)
    return Block(header, txs, assets)


@settings(max_examples=50)
@given(valid_blocks())
def test_round_trips_and_validation(block: Block) -> None:
    block.validate()
    data = block.get_bytes()
    assert Block.from_bytes(data) == block
    assert Block.from_json(json.loads(json.dumps(block.to_json()))) == block
    decoded = codec.decode(schemas.BLOCK_SCHEMA, data)
    assert decoded["header"] == block.header.get_bytes()
    assert decoded["transactions"] == [tx.get_bytes() for tx in block.transactions]
    assert decoded["assets"] == block.assets.get_bytes()
    assert block.id == block.header.id
    assert block.header.transaction_root == merkle_root([tx.id for tx in block.transactions])


def test_transaction_root_matches_klayrs_vectors() -> None:
    cases = json.loads(MERKLE_VECTORS.read_text())["testCases"]
    assert cases
    for case in cases:
        ids = [bytes.fromhex(i) for i in case["input"]["transactionIds"]]
        txs = [_FixedId(i) for i in ids]
        assert compute_transaction_root(txs).hex() == case["output"]["transactionMerkleRoot"]


class _FixedId:
    """Only what compute_transaction_root reads: an ``id``."""

    def __init__(self, id_: bytes) -> None:
        self.id = id_


def _block() -> Block:
    tx = Transaction(
        module="token",
        command="transfer",
        nonce=0,
        fee=10,
        sender_public_key=KEYS.public_key,
        params=b"",
    ).sign(CHAIN_ID, KEYS.private_key)
    assets = BlockAssets().with_asset("random", b"\x01" * 16)
    header = BlockHeader(
        version=2,
        timestamp=10,
        height=2,
        previous_block_id=b"\x01" * 32,
        generator_address=b"\x02" * 20,
        transaction_root=compute_transaction_root([tx]),
        asset_root=assets.get_root(),
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=0,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=EMPTY_HASH,
        aggregate_commit=AggregateCommit(),
    ).sign(CHAIN_ID, KEYS.private_key)
    return Block(header, [tx], assets)


def test_validate_checks_roots_after_contents() -> None:
    block = _block()
    block.validate()
    header = block.header
    with pytest.raises(BlockError, match="Invalid transaction root"):
        Block(
            replace(header, transaction_root=EMPTY_HASH), block.transactions, block.assets
        ).validate()
    with pytest.raises(BlockError, match="Invalid asset root"):
        Block(header, block.transactions, BlockAssets()).validate()
    with pytest.raises(TransactionError, match="Signatures must not be empty"):
        Block(header, [replace(block.transactions[0], signatures=())], block.assets).validate()
    with pytest.raises(BlockError, match="Signature length"):
        Block(replace(header, signature=b""), block.transactions, block.assets).validate()


def test_validate_genesis() -> None:
    assets = BlockAssets().with_asset("token", b"\x00" * 100)
    header = BlockHeader(
        version=0,
        timestamp=0,
        height=0,
        previous_block_id=bytes(32),
        generator_address=bytes(20),
        transaction_root=EMPTY_HASH,
        asset_root=assets.get_root(),
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=0,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=EMPTY_HASH,
        aggregate_commit=AggregateCommit(),
    )
    Block(header, [], assets).validate_genesis()
    with pytest.raises(BlockError, match="Transactions length must be zero"):
        Block(header, _block().transactions, assets).validate_genesis()
    with pytest.raises(BlockError, match="Invalid asset root"):
        Block(header, [], BlockAssets()).validate_genesis()


def test_from_bytes_and_from_json_are_strict() -> None:
    block = _block()
    with pytest.raises(CodecError):
        Block.from_bytes(block.get_bytes()[:-1])
    with pytest.raises(BlockError, match="'assets'"):
        Block.from_json({"header": block.header.to_json(), "transactions": []})
    bad = block.to_json()
    bad["transactions"][0]["id"] = "00" * 32
    with pytest.raises(TransactionError, match="id"):
        Block.from_json(bad)
