"""On-chain and off-chain stores: Klayr's prefixes; get, has, set, delete and iterate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import CodecError, NotFoundError
from klayr_py.modules import (
    Address,
    BaseOffchainStore,
    BaseSingletonStore,
    BaseStore,
    KeyValue,
    KlayrModel,
    UInt32,
    UInt64,
    compute_store_prefix,
    compute_sub_store_prefix,
    schema_from_model,
)
from klayr_py.state import PREFIX_STATE, OffchainStore, StateStore
from tests.oracle.node import require_oracle, run_node

# --- prefixes ----------------------------------------------------------------------------------


def test_store_prefix_is_sha256_of_the_module_name_with_the_top_bit_cleared() -> None:
    assert compute_store_prefix("hello") == bytes.fromhex("2cf24dba")  # top bit already clear
    # sha256("auth") starts with bd: the top bit is set, and must be cleared.
    assert hashlib.sha256(b"auth").digest()[:4] == bytes.fromhex("bdf49c3c")
    assert compute_store_prefix("auth") == bytes.fromhex("3df49c3c")
    assert compute_store_prefix("interoperability") == bytes.fromhex("03ed0d25")


@given(st.text(max_size=40))
def test_store_prefix_property(name: str) -> None:
    digest = hashlib.sha256(name.encode()).digest()
    prefix = compute_store_prefix(name)
    assert len(prefix) == 4
    assert prefix[0] == digest[0] & 0x7F
    assert prefix[1:] == digest[1:4]


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, "0000"),
        (1, "8000"),
        (2, "4000"),
        (3, "c000"),
        (4, "2000"),
        (5, "a000"),
        (0x8000, "0001"),
        (0x00FF, "ff00"),
        (65535, "ffff"),
    ],
)
def test_sub_store_prefix_is_the_bit_reversed_index(index: int, expected: str) -> None:
    assert compute_sub_store_prefix(index) == bytes.fromhex(expected)


def test_sub_store_prefixes_are_distinct_and_reversal_is_an_involution() -> None:
    prefixes = [compute_sub_store_prefix(i) for i in range(1 << 16)]
    assert len(set(prefixes)) == 1 << 16
    for index in (0, 1, 7, 300, 4242, 65534):
        reversed_back = int.from_bytes(compute_sub_store_prefix(index), "big")
        assert compute_sub_store_prefix(reversed_back) == index.to_bytes(2, "big")


@pytest.mark.parametrize("index", [-1, 1 << 16])
def test_sub_store_index_out_of_range(index: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.65535"):
        compute_sub_store_prefix(index)


class Note(KlayrModel):
    text: str


class NoteStore(BaseStore[Note]):
    pass


class DraftStore(BaseOffchainStore[Note]):
    pass


def test_offchain_sub_store_prefix_hashes_the_store_name_and_version() -> None:
    v0 = DraftStore("notes")
    v7 = DraftStore("notes", 7)
    assert v0.store_prefix == v7.store_prefix == compute_store_prefix("notes")
    assert v0.sub_store_prefix == hashlib.sha256(b"draft\x00\x00").digest()[:2]
    assert v7.sub_store_prefix == hashlib.sha256(b"draft\x00\x07").digest()[:2]
    assert v0.version == 0 and v7.version == 7
    assert v0.key == v0.store_prefix + v0.sub_store_prefix
    assert DraftStore("auth").store_prefix == bytes.fromhex("3df49c3c")


_KLAYR_PREFIXES = """
const { utils } = require('@klayr/cryptography');
// Verbatim from klayr-framework 0.12.3 dist-node/modules/base_store.js and base_offchain_store.js.
const computeStorePrefix = (name) => {
  const prefix = utils.hash(Buffer.from(name, 'utf-8')).subarray(0, 4);
  prefix[0] &= 0x7f;
  return prefix;
};
const computeSubstorePrefix = (index) => {
  const binaryIndex = `${'0'.repeat(16)}${index.toString(2)}`;
  const val = parseInt(
    binaryIndex.substring(binaryIndex.length - 16).split('').reverse().join(''), 2);
  const result = Buffer.alloc(2);
  result.writeUint16BE(val);
  return result;
};
const offchainSubstorePrefix = (name, version) => {
  const versionBuffer = Buffer.alloc(2);
  versionBuffer.writeUInt16BE(version, 0);
  return utils.hash(Buffer.concat([Buffer.from(name, 'utf-8'), versionBuffer])).subarray(0, 2);
};
output({
  stores: input.names.map(n => computeStorePrefix(n).toString('hex')),
  subs: input.indices.map(i => computeSubstorePrefix(i).toString('hex')),
  offchain: input.offchain.map(([n, v]) => offchainSubstorePrefix(n, v).toString('hex')),
});
"""


def test_prefixes_equal_klayrs_formulas_run_by_node() -> None:
    require_oracle("@klayr/cryptography")
    names = ["hello", "auth", "token", "fee", "interoperability", "random", "a", "", "ünïcode"]
    indices = [0, 1, 2, 3, 5, 17, 255, 256, 4096, 32768, 65535]
    offchain = [["draft", 0], ["draft", 1], ["endpoint", 65535], ["x", 258]]
    klayr = run_node(_KLAYR_PREFIXES, {"names": names, "indices": indices, "offchain": offchain})
    assert klayr["stores"] == [compute_store_prefix(n).hex() for n in names]
    assert klayr["subs"] == [compute_sub_store_prefix(i).hex() for i in indices]

    def ours(name: str, version: int) -> str:
        store = type(f"{name[:1].upper()}{name[1:]}Store", (BaseOffchainStore,), {})
        assert store.name == name
        return str(store("m", version).sub_store_prefix.hex())

    assert klayr["offchain"] == [ours(n, v) for n, v in offchain]


# --- reading and writing ------------------------------------------------------------------------


@dataclass
class Ctx:
    """The smallest context a store accepts: anything with get_store / get_offchain_store."""

    state: Any
    offchain: Any = None

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> Any:
        return self.state.get_store(store_prefix, sub_store_prefix)

    def get_offchain_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> Any:
        return self.offchain.get_store(store_prefix, sub_store_prefix)


class Account(KlayrModel):
    address: Address
    balance: UInt64
    nonce: UInt32
    frozen: bool


class AccountStore(BaseStore[Account]):
    pass


BALANCE_SCHEMA = {
    "$id": "/test/balance",
    "type": "object",
    "required": ["amount", "tokenID"],
    "properties": {
        "amount": {"dataType": "uint64", "fieldNumber": 1},
        "tokenID": {"dataType": "bytes", "fieldNumber": 2},
    },
}


class BalanceStore(BaseStore[dict[str, Any]]):
    schema = BALANCE_SCHEMA


class TotalStore(BaseSingletonStore[Account]):
    pass


@pytest.fixture
def state() -> StateStore:
    return StateStore(InMemoryDatabase())


def account(n: int) -> Account:
    return Account(address=bytes([n]) * 20, balance=10**12 + n, nonce=n, frozen=n % 2 == 1)


def test_model_store_round_trip_and_bytes_equal_the_codec(state: StateStore) -> None:
    ctx = Ctx(state)
    store = AccountStore("bank", 0)
    value = account(1)
    assert not store.has(ctx, b"k")
    store.set(ctx, b"k", value)
    assert store.has(ctx, b"k")
    got = store.get(ctx, b"k")
    assert isinstance(got, Account) and got == value
    raw = state.get_store(store.store_prefix, store.sub_store_prefix).get(b"k")
    expected = codec.encode(
        schema_from_model(Account),
        {"address": value.address, "balance": value.balance, "nonce": 1, "frozen": True},
    )
    assert raw == expected
    assert store.schema == schema_from_model(Account)


def test_dict_schema_store_round_trip_and_bytes_equal_the_codec(state: StateStore) -> None:
    ctx = Ctx(state)
    store = BalanceStore("token", 1)
    value = {"amount": 2**64 - 1, "tokenID": bytes(8)}
    store.set(ctx, b"addr", value)
    assert store.get(ctx, b"addr") == value
    raw = state.get_store(store.store_prefix, store.sub_store_prefix).get(b"addr")
    assert raw == codec.encode(BALANCE_SCHEMA, value)
    assert store.schema == BALANCE_SCHEMA  # a private copy of the declared schema


def test_a_model_store_accepts_a_dict_in_the_schemas_shape(state: StateStore) -> None:
    ctx = Ctx(state)
    store = AccountStore("bank", 0)
    store.set(ctx, b"k", {"address": bytes(20), "balance": 5, "nonce": 0, "frozen": False})
    assert store.get(ctx, b"k") == Account(address=bytes(20), balance=5, nonce=0, frozen=False)


def test_values_live_under_store_prefix_sub_store_prefix_and_key(state: StateStore) -> None:
    ctx = Ctx(state)
    store = BalanceStore("token", 1)
    store.set(ctx, b"\x01\x02", {"amount": 1, "tokenID": b""})
    pending = state.prepare_commit(0)
    state.commit(pending)
    keys = [k for k, _ in state.db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 10)]
    assert keys == [PREFIX_STATE + compute_store_prefix("token") + b"\x80\x00" + b"\x01\x02"]


def test_get_of_a_missing_key_raises_not_found(state: StateStore) -> None:
    ctx = Ctx(state)
    store = AccountStore("bank", 0)
    with pytest.raises(NotFoundError, match="6d697373696e67"):  # the key, in hex
        store.get(ctx, b"missing")
    store.set(ctx, b"missing", account(2))
    store.delete(ctx, b"missing")
    with pytest.raises(NotFoundError):
        store.get(ctx, b"missing")
    assert not store.has(ctx, b"missing")


def test_not_found_names_module_store_and_address(state: StateStore) -> None:
    ctx = Ctx(state)
    store = AccountStore("bank", 0)
    with pytest.raises(NotFoundError) as by_key:
        store.get(ctx, b"missing")
    assert str(by_key.value) == (
        "the bank module's account store holds nothing under key 6d697373696e67"
    )
    address = bytes(range(20))
    with pytest.raises(NotFoundError) as by_address:
        store.get(ctx, address)
    assert str(by_address.value) == (
        "the bank module's account store holds nothing for address "
        f"{get_klayr32_address_from_address(address)}"
    )
    with pytest.raises(NotFoundError, match=r"^the bank module's account store holds no value"):
        store.get(ctx)


def test_delete_of_a_missing_key_is_a_no_op(state: StateStore) -> None:
    store = AccountStore("bank", 0)
    store.delete(Ctx(state), b"nothing")
    assert not store.has(Ctx(state), b"nothing")


def test_a_value_the_schema_cannot_encode_raises_and_writes_nothing(state: StateStore) -> None:
    ctx = Ctx(state)
    store = BalanceStore("token", 1)
    with pytest.raises(CodecError):
        store.set(ctx, b"k", {"amount": -1, "tokenID": b""})
    assert not store.has(ctx, b"k")


def test_stores_are_isolated_by_module_and_index(state: StateStore) -> None:
    ctx = Ctx(state)
    a0, a1, b0 = BalanceStore("a", 0), BalanceStore("a", 1), BalanceStore("b", 0)
    a0.set(ctx, b"k", {"amount": 0, "tokenID": b""})
    a1.set(ctx, b"k", {"amount": 1, "tokenID": b""})
    b0.set(ctx, b"k", {"amount": 2, "tokenID": b""})
    assert [s.get(ctx, b"k")["amount"] for s in (a0, a1, b0)] == [0, 1, 2]
    assert [kv.value["amount"] for kv in a0.iterate(ctx)] == [0]


def test_iterate_with_bounds_limit_and_reverse(state: StateStore) -> None:
    ctx = Ctx(state)
    store = BalanceStore("token", 1)
    keys = [b"\x00", b"\x01", b"\x01\x00", b"\x02", b"\xff"]
    for amount, key in enumerate(keys):
        store.set(ctx, key, {"amount": amount, "tokenID": key})
    # A neighbour store's keys never leak into the iteration.
    BalanceStore("token", 2).set(ctx, b"\x01", {"amount": 99, "tokenID": b""})

    def listed(**options: Any) -> list[bytes]:
        return [kv.key for kv in store.iterate(ctx, **options)]

    assert listed() == keys
    assert listed(gte=b"\x01", lte=b"\x02") == [b"\x01", b"\x01\x00", b"\x02"]
    assert listed(gte=b"\x01", lte=b"\x02", reverse=True) == [b"\x02", b"\x01\x00", b"\x01"]
    assert listed(limit=2) == [b"\x00", b"\x01"]
    assert listed(limit=2, reverse=True) == [b"\xff", b"\x02"]
    assert listed(gte=b"\x01\x01") == [b"\x02", b"\xff"]
    assert listed(lte=b"\x01") == [b"\x00", b"\x01"]
    assert listed(gte=b"\x03", lte=b"\x02") == []
    assert listed(limit=0) == []
    entries = store.iterate(ctx, gte=b"\x02", lte=b"\x02")
    assert entries == [KeyValue(b"\x02", {"amount": 3, "tokenID": b"\x02"})]
    assert entries[0].key == b"\x02" and entries[0].value["amount"] == 3


def test_iterate_merges_committed_and_uncommitted_values_as_models(state: StateStore) -> None:
    ctx = Ctx(state)
    store = AccountStore("bank", 0)
    for n in range(4):
        store.set(ctx, bytes([n]), account(n))
    state.commit(state.prepare_commit(0))
    store.delete(ctx, b"\x01")
    store.set(ctx, b"\x02", account(7))
    store.set(ctx, b"\x05", account(5))
    values = store.iterate(ctx)
    assert [kv.key for kv in values] == [b"\x00", b"\x02", b"\x03", b"\x05"]
    assert all(isinstance(kv.value, Account) for kv in values)
    assert values[1].value == account(7)


def test_singleton_store_uses_the_empty_key(state: StateStore) -> None:
    ctx = Ctx(state)
    store = TotalStore("bank", 3)
    assert not store.has_value(ctx)
    with pytest.raises(NotFoundError):
        store.get_value(ctx)
    store.set_value(ctx, account(3))
    assert store.has_value(ctx) and store.get_value(ctx) == account(3)
    # Byte-compatible with a Klayr store keeping the value under the empty key.
    assert store.get(ctx, b"") == account(3)
    assert [kv.key for kv in store.iterate(ctx)] == [b""]
    store.delete(ctx)
    assert not store.has_value(ctx)


def test_reassigning_the_schema_of_an_instance_rebuilds_its_codec(state: StateStore) -> None:
    ctx = Ctx(state)
    store = NoteStore("notes", 0)
    schema = schema_from_model(Note, "/notes/limited")
    schema["properties"]["text"]["maxLength"] = 3
    store.schema = schema
    assert store.codec.schema is schema
    store.set(ctx, b"k", Note(text="hello"))  # the codec does not validate lengths
    assert store.get(ctx, b"k") == Note(text="hello")  # still decoded into the model


def test_a_store_without_a_declared_type_uses_klayrs_empty_schema(state: StateStore) -> None:
    class PlainStore(BaseStore):  # type: ignore[type-arg]
        pass

    store = PlainStore("m", 0)
    assert store.schema == {"$id": "/klayr/empty", "type": "object", "properties": {}}
    store.set(Ctx(state), b"k", {})
    assert store.get(Ctx(state), b"k") == {}
    assert state.get_store(store.store_prefix, store.sub_store_prefix).get(b"k") == b""


def test_offchain_store_reads_and_writes_through_get_offchain_store(state: StateStore) -> None:
    offchain = OffchainStore(InMemoryDatabase())
    ctx = Ctx(state, offchain)
    drafts = DraftStore("notes")
    drafts.set(ctx, b"d1", Note(text="draft"))
    drafts.set(ctx, b"d2", Note(text="other"))
    assert drafts.get(ctx, b"d1") == Note(text="draft")
    assert drafts.has(ctx, b"d2")
    assert [kv.key for kv in drafts.iterate(ctx, reverse=True)] == [b"d2", b"d1"]
    drafts.delete(ctx, b"d2")
    assert not drafts.has(ctx, b"d2")
    with pytest.raises(NotFoundError):
        drafts.get(ctx, b"d2")
    # Nothing went to the on-chain state.
    assert not state.has_changes
    raw = offchain.get_store(drafts.store_prefix, drafts.sub_store_prefix).get(b"d1")
    assert raw == codec.encode(schema_from_model(Note), {"text": "draft"})
