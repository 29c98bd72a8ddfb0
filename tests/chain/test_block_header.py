"""BlockHeader: bytes, ID, signing and validation as Klayr's @klayr/chain."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.chain import AggregateCommit, BlockError, BlockHeader, schemas
from klayr_py.chain.constants import EMPTY_HASH, TAG_BLOCK_HEADER
from klayr_py.crypto import get_key_pair_from_seed, verify_data
from klayr_py.crypto import hash as sha256
from klayr_py.errors import CodecError

from .strategies import block_headers, private_keys

CHAIN_ID = bytes.fromhex("04000000")
KEYS = get_key_pair_from_seed(b"\x07" * 32)


def _header(**changes: object) -> BlockHeader:
    header = BlockHeader(
        version=2,
        timestamp=1_700_000_000,
        height=12,
        previous_block_id=b"\x01" * 32,
        generator_address=b"\x02" * 20,
        transaction_root=EMPTY_HASH,
        asset_root=EMPTY_HASH,
        event_root=EMPTY_HASH,
        state_root=b"\x03" * 32,
        max_height_prevoted=10,
        max_height_generated=9,
        implies_max_prevotes=True,
        validators_hash=b"\x04" * 32,
        aggregate_commit=AggregateCommit(),
    ).sign(CHAIN_ID, KEYS.private_key)
    return replace(header, **changes)  # type: ignore[arg-type]


def _genesis(**changes: object) -> BlockHeader:
    header = BlockHeader(
        version=0,
        timestamp=1_700_000_000,
        height=0,
        previous_block_id=b"\x00" * 32,
        generator_address=bytes(20),
        transaction_root=EMPTY_HASH,
        asset_root=EMPTY_HASH,
        event_root=EMPTY_HASH,
        state_root=b"\x03" * 32,
        max_height_prevoted=0,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=b"\x04" * 32,
        aggregate_commit=AggregateCommit(height=0),
    )
    return replace(header, **changes)  # type: ignore[arg-type]


@given(block_headers(signed_length=False))
def test_bytes_json_and_dict_round_trips(header: BlockHeader) -> None:
    assert BlockHeader.from_bytes(header.get_bytes()) == header
    as_json = header.to_json()
    assert as_json["id"] == header.id.hex()
    assert as_json["generatorAddress"].startswith("kly")
    assert BlockHeader.from_json(as_json) == header
    as_dict = header.to_dict()
    assert as_dict.pop("id") == header.id
    assert BlockHeader.from_dict(as_dict) == header


@given(block_headers(signed_length=False))
def test_id_and_signing_bytes(header: BlockHeader) -> None:
    assert header.id == sha256(header.get_bytes())
    assert header.get_bytes() == codec.encode(schemas.BLOCK_HEADER_SCHEMA, header.to_dict())
    signing = codec.encode(schemas.SIGNING_BLOCK_HEADER_SCHEMA, header.to_dict())
    assert header.get_signing_bytes() == signing
    # The signature is the last field: signing bytes are a prefix of the header bytes.
    assert header.get_bytes().startswith(signing)
    assert replace(header, signature=b"").get_signing_bytes() == signing


@settings(max_examples=25)
@given(block_headers(), private_keys(), st.binary(min_size=4, max_size=4))
def test_sign_and_validate_signature(header: BlockHeader, key: bytes, chain_id: bytes) -> None:
    signed = header.sign(chain_id, key)
    assert len(signed.signature) == 64
    assert signed.get_signing_bytes() == header.get_signing_bytes()
    signed.validate_signature(key[32:], chain_id)
    assert verify_data(
        TAG_BLOCK_HEADER, chain_id, header.get_signing_bytes(), signed.signature, key[32:]
    )
    with pytest.raises(BlockError, match="Invalid block signature"):
        signed.validate_signature(key[32:], bytes(a ^ 1 for a in chain_id))


def test_tampering_breaks_the_signature() -> None:
    header = _header()
    header.validate_signature(KEYS.public_key, CHAIN_ID)
    for tampered in (
        replace(header, height=13),
        replace(header, state_root=b"\x05" * 32),
        replace(header, implies_max_prevotes=False),
        replace(header, aggregate_commit=AggregateCommit(height=1)),
    ):
        assert tampered.id != header.id
        with pytest.raises(BlockError, match="Invalid block signature"):
            tampered.validate_signature(KEYS.public_key, CHAIN_ID)
    other = get_key_pair_from_seed(b"\x08" * 32)
    with pytest.raises(BlockError, match="Invalid block signature"):
        header.validate_signature(other.public_key, CHAIN_ID)
    with pytest.raises(BlockError, match="Invalid block signature"):
        replace(header, signature=b"\x00" * 10).validate_signature(KEYS.public_key, CHAIN_ID)


def test_validate() -> None:
    _header().validate()
    with pytest.raises(BlockError, match="Previous block id must not be empty"):
        _header(previous_block_id=b"").validate()
    with pytest.raises(BlockError, match="Signature length must be 64 bytes, got 0"):
        _header(signature=b"").validate()
    with pytest.raises(BlockError, match=r"'\.height'"):
        _header(height=2**32).validate()
    with pytest.raises(BlockError, match=r"'\.aggregateCommit\.height'"):
        _header(aggregate_commit=AggregateCommit(height=-1)).validate()


def test_validate_genesis() -> None:
    _genesis().validate_genesis()
    _genesis(
        height=100, max_height_prevoted=100, aggregate_commit=AggregateCommit(height=100)
    ).validate_genesis()
    with pytest.raises(BlockError) as error:
        _genesis(
            previous_block_id=b"",
            generator_address=b"\x01" * 20,
            transaction_root=b"\x00" * 32,
            max_height_prevoted=1,
            max_height_generated=1,
            implies_max_prevotes=False,
            aggregate_commit=AggregateCommit(
                height=5, aggregation_bits=b"\x01", certificate_signature=b"\x01"
            ),
            signature=b"\x01",
        ).validate_genesis()
    message = str(error.value)
    for field in (
        "header.previousBlockID",
        "header.generatorAddress",
        "header.transactionRoot",
        "header.maxHeightPrevoted",
        "header.maxHeightGenerated",
        "header.impliesMaxPrevotes",
        "aggregateCommit.height",
        "aggregateCommit.certificateSignature",
        "aggregateCommit.aggregationBits",
        "header.signature",
    ):
        assert field in message
    with pytest.raises(BlockError, match="generatorAddress"):
        _genesis(generator_address=b"").validate_genesis()


def test_unsigned_header_has_an_id() -> None:
    header = _header(signature=b"")
    assert header.id == sha256(header.get_bytes())


def test_from_bytes_and_from_json_are_strict() -> None:
    data = _header().get_bytes()
    with pytest.raises(CodecError):
        BlockHeader.from_bytes(data + b"\x00")
    with pytest.raises(CodecError, match="signature"):
        BlockHeader.from_bytes(_header().get_signing_bytes())
    as_json = _header().to_json()
    del as_json["eventRoot"]
    with pytest.raises(BlockError, match="'eventRoot'"):
        BlockHeader.from_json(as_json)
    as_json = _header().to_json()
    del as_json["aggregateCommit"]["certificateSignature"]
    with pytest.raises(BlockError, match="'certificateSignature'"):
        BlockHeader.from_json(as_json)
    as_json = _header().to_json()
    as_json["id"] = "ab" * 32
    with pytest.raises(BlockError, match="id"):
        BlockHeader.from_json(as_json)
    as_json = _header().to_json()
    as_json["generatorAddress"] = "kly123"
    with pytest.raises(BlockError, match="invalid block header JSON"):
        BlockHeader.from_json(as_json)
