"""Transaction: bytes, ID, signing and validation as Klayr's @klayr/chain."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.chain import Transaction, TransactionError, schemas
from klayr_py.chain.constants import MAX_PARAMS_SIZE, TAG_TRANSACTION
from klayr_py.crypto import (
    get_address_from_public_key,
    get_key_pair_from_seed,
    tag_message,
    verify_data,
)
from klayr_py.crypto import (
    hash as sha256,
)
from klayr_py.errors import ChainError, CodecError

from .strategies import private_keys, transactions

CHAIN_ID = bytes.fromhex("00000000")
KEYS = get_key_pair_from_seed(bytes(range(32)))


def _transfer(**changes: object) -> Transaction:
    tx = Transaction(
        module="token",
        command="transfer",
        nonce=3,
        fee=100_000,
        sender_public_key=KEYS.public_key,
        params=b"\x0a\x08\x00\x00\x00\x01\x00\x00\x00\x00",
        signatures=[bytes(64)],
    )
    return replace(tx, **changes)  # type: ignore[arg-type]


@given(transactions())
def test_bytes_round_trip(tx: Transaction) -> None:
    assert Transaction.from_bytes(tx.get_bytes()) == tx


def test_from_bytes_keeps_the_canonical_encoding() -> None:
    tx = Transaction(
        module="token",
        command="transfer",
        nonce=1,
        fee=10,
        sender_public_key=bytes(32),
        params=b"ab",
        signatures=[bytes(64)],
    )
    data = tx.get_bytes()
    decoded = Transaction.from_bytes(bytearray(data))
    assert decoded.get_bytes() == data and type(decoded.get_bytes()) is bytes
    assert decoded.id == tx.id
    nonce = data.index(bytes([0x18, 0x01]))  # field 3, varint 1
    longer = data[:nonce] + bytes([0x18, 0x81, 0x00]) + data[nonce + 2 :]  # same value, 2 bytes
    with pytest.raises(CodecError, match="shortest form"):
        Transaction.from_bytes(longer)  # so kept bytes are always what get_bytes() would give


@given(transactions())
def test_json_round_trip(tx: Transaction) -> None:
    as_json = tx.to_json()
    assert as_json["id"] == tx.id.hex()
    assert isinstance(as_json["nonce"], str) and isinstance(as_json["fee"], str)
    assert Transaction.from_json(as_json) == tx


@given(transactions())
def test_dict_is_klayrs_object_with_id(tx: Transaction) -> None:
    as_dict = tx.to_dict()
    assert as_dict.pop("id") == tx.id
    assert Transaction.from_dict(as_dict) == tx
    assert codec.encode(schemas.TRANSACTION_SCHEMA, as_dict) == tx.get_bytes()


@given(transactions())
def test_id_and_signing_bytes(tx: Transaction) -> None:
    assert tx.id == sha256(tx.get_bytes())
    unsigned = replace(tx, signatures=[])
    assert tx.get_signing_bytes() == unsigned.get_bytes()
    assert tx.get_signing_bytes() == codec.encode(schemas.SIGNING_TRANSACTION_SCHEMA, tx.to_dict())
    assert tx.sender_address == get_address_from_public_key(tx.sender_public_key)


@settings(max_examples=30)
@given(transactions(), private_keys(), st.binary(min_size=4, max_size=4))
def test_sign_appends_a_klayr_signature(tx: Transaction, key: bytes, chain_id: bytes) -> None:
    public_key = key[32:]
    signed = tx.sign(chain_id, key)
    assert signed.signatures[:-1] == tx.signatures
    assert signed.get_signing_bytes() == tx.get_signing_bytes()
    signature = signed.signatures[-1]
    assert verify_data(TAG_TRANSACTION, chain_id, tx.get_signing_bytes(), signature, public_key)
    # Klayr signs the digest of tag + chain ID + signing bytes, not the tagged bytes themselves.
    digest = sha256(tag_message(TAG_TRANSACTION, chain_id, tx.get_signing_bytes()))
    from klayr_py.crypto.ed import verify_detached

    assert verify_detached(digest, signature, public_key)
    assert signed.id != tx.id


def test_tampering_breaks_the_signature() -> None:
    signed = _transfer(signatures=[]).sign(CHAIN_ID, KEYS.private_key)
    signature = signed.signatures[0]
    for tampered in (
        replace(signed, nonce=4),
        replace(signed, fee=100_001),
        replace(signed, params=signed.params + b"\x00"),
        replace(signed, command="transferCrossChain"),
    ):
        bytes_ = tampered.get_signing_bytes()
        assert not verify_data(TAG_TRANSACTION, CHAIN_ID, bytes_, signature, KEYS.public_key)
    other_chain = bytes.fromhex("01000000")
    assert not verify_data(
        TAG_TRANSACTION, other_chain, signed.get_signing_bytes(), signature, KEYS.public_key
    )


def test_is_immutable_and_hashable() -> None:
    tx = _transfer(signatures=[b"a" * 64])
    with pytest.raises(FrozenInstanceError):
        tx.nonce = 5  # type: ignore[misc]
    assert isinstance(tx.signatures, tuple)
    assert sha256(tx.get_bytes()) == tx.id
    assert hash(tx) == hash(_transfer(signatures=(b"a" * 64,)))
    assert {tx: 1}[_transfer(signatures=(b"a" * 64,))] == 1


def test_valid_transaction_passes() -> None:
    _transfer().validate()
    _transfer(signatures=[b"", bytes(64)], params=b"\x00" * MAX_PARAMS_SIZE).validate()


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"module": ""}, "'.module'"),
        ({"module": "m" * 33}, "'.module'"),
        ({"command": ""}, "'.command'"),
        ({"sender_public_key": bytes(31)}, "'.senderPublicKey'"),
        ({"nonce": -1}, "'.nonce'"),
        ({"fee": 2**64}, "'.fee'"),
        ({"module": "to-ken"}, "module name 'to-ken'"),
        ({"module": "tøken"}, "module name 'tøken'"),
        ({"command": "trans fer"}, "command name 'trans fer'"),
        ({"params": b"\x00" * (MAX_PARAMS_SIZE + 1)}, "Params exceeds max size allowed 14336"),
        ({"signatures": []}, "Signatures must not be empty"),
        ({"signatures": [bytes(64), bytes(63)]}, "signatures[1] has 63 bytes"),
    ],
)
def test_validation_failures_name_the_field(changes: dict[str, object], named: str) -> None:
    with pytest.raises(TransactionError) as error:
        _transfer(**changes).validate()  # type: ignore[arg-type]
    assert named in str(error.value)
    assert isinstance(error.value, ChainError) and isinstance(error.value, ValueError)


def test_validation_follows_klayrs_order() -> None:
    # A bad module name is reported before oversized params and missing signatures.
    tx = _transfer(module="a-b", params=b"\x00" * (MAX_PARAMS_SIZE + 1), signatures=[])
    with pytest.raises(TransactionError, match="module name"):
        tx.validate()


def test_from_bytes_is_strict() -> None:
    data = _transfer().get_bytes()
    with pytest.raises(CodecError):
        Transaction.from_bytes(data + b"\x00")
    with pytest.raises(CodecError, match="command"):
        Transaction.from_bytes(b"\x0a\x05token")
    with pytest.raises(CodecError):
        Transaction.from_bytes(data[:-3])


def test_from_json_rejects_missing_fields_and_wrong_id() -> None:
    as_json = _transfer().to_json()
    del as_json["signatures"]
    with pytest.raises(TransactionError, match="'signatures'"):
        Transaction.from_json(as_json)
    as_json = _transfer().to_json()
    as_json["id"] = "00" * 32
    with pytest.raises(TransactionError, match="id"):
        Transaction.from_json(as_json)
    as_json = _transfer().to_json()
    as_json["nonce"] = "abc"
    with pytest.raises(TransactionError, match="nonce"):
        Transaction.from_json(as_json)
    with pytest.raises(TransactionError, match="object"):
        Transaction.from_json([])  # type: ignore[arg-type]
    without_id = _transfer().to_json()
    del without_id["id"]
    assert Transaction.from_json(without_id) == _transfer()


@given(st.one_of(transactions(), transactions(valid=False)))
def test_fast_schema_check_never_passes_what_the_validator_rejects(tx: Transaction) -> None:
    from klayr_py import validator

    if tx._plainly_schema_valid():
        validator.validate(schemas.TRANSACTION_SCHEMA, tx.to_dict())


def test_odd_types_fall_back_to_the_validator() -> None:
    for changes in ({"nonce": True}, {"fee": 1.5}, {"params": bytearray(b"x")}, {"module": 5}):
        tx = _transfer(**changes)
        assert not tx._plainly_schema_valid()
        with pytest.raises(TransactionError, match="invalid transaction"):
            tx.validate()
