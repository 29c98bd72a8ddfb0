"""klayr_py.testing.strategies: drawn values validate and round-trip; invalid ones never pass."""

from __future__ import annotations

import importlib
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.chain.schemas import TRANSACTION_SCHEMA
from klayr_py.crypto import TAG_TRANSACTION, get_address_from_public_key, verify_data
from klayr_py.errors import ValidationError
from klayr_py.testing import (
    DEFAULT_CHAIN_ID,
    Account,
    InvalidValue,
    account,
    accounts,
    from_schema,
    invalid_for_schema,
    transactions,
)
from klayr_py.validator import validate
from tests.testing.schemas import codec_schemas, json_schemas

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_codec(schema: dict[str, Any]) -> bool:
    return "$id" in schema and any(
        "fieldNumber" in prop for prop in schema.get("properties", {}).values()
    )


def assert_round_trips(schema: dict[str, Any], value: Any) -> None:
    validate(schema, value)
    if _is_codec(schema):
        assert codec.decode(schema, codec.encode(schema, value)) == value


def assert_rejected(schema: dict[str, Any], invalid: InvalidValue) -> None:
    with pytest.raises(ValidationError) as caught:
        validate(schema, invalid.value)
    if invalid.path:  # Klayr's lines name the property at fault
        assert any(f"'{invalid.path}'" in line for line in caught.value.errors), (
            invalid,
            caught.value.errors,
        )


# --- generated schemas ------------------------------------------------------------------------


@MANY
@given(st.data())
def test_codec_schemas(data: st.DataObject) -> None:
    schema = data.draw(codec_schemas())
    codec.validate_schema(schema)
    assert_round_trips(schema, data.draw(from_schema(schema), label="valid"))
    assert_rejected(schema, data.draw(invalid_for_schema(schema), label="invalid"))


@MANY
@given(st.data())
def test_json_form_schemas(data: st.DataObject) -> None:
    schema = {"$id": "/testing/json", **data.draw(json_schemas())}
    validate(schema, data.draw(from_schema(schema), label="valid"))
    assert_rejected(schema, data.draw(invalid_for_schema(schema), label="invalid"))


# --- real schemas: chain, default modules, hello example ---------------------------------------


def _real_schemas() -> list[Any]:
    if str(ROOT / "examples" / "hello_module") not in sys.path:
        sys.path.insert(0, str(ROOT / "examples" / "hello_module"))
    from hello import HelloModule

    from klayr_py.modules.auth.module import AuthModule
    from klayr_py.modules.fee.module import FeeModule
    from klayr_py.modules.token.module import TokenModule
    from klayr_py.modules.validators.module import ValidatorsModule

    found: dict[int, dict[str, Any]] = {}

    def add(candidate: Any) -> None:
        if isinstance(candidate, dict) and candidate.get("type") == "object":
            if "fieldNumber" not in candidate:  # a root schema, not a property of one
                found.setdefault(id(candidate), candidate)
        elif isinstance(candidate, dict):
            for item in candidate.values():
                add(item) if isinstance(item, dict) and "type" in item else None

    names = ["klayr_py.chain.schemas", "hello.schemas"]
    names += [f"klayr_py.modules.{name}.schemas" for name in ("auth", "token", "fee", "validators")]
    for name in names:
        for value in vars(importlib.import_module(name)).values():
            add(value)
    hello = HelloModule()
    hello.init({}, None)
    for module in (hello, AuthModule(), TokenModule(), FeeModule(), ValidatorsModule()):
        metadata = module.metadata()
        for entry in [*metadata.commands, *metadata.events, *metadata.stores, *metadata.assets]:
            add(entry.get("params") or entry.get("data"))
        for endpoint in metadata.endpoints:
            add(endpoint.get("request"))
            add(endpoint.get("response"))
    return [pytest.param(schema, id=schema.get("$id", "anonymous")) for schema in found.values()]


REAL_SCHEMAS = _real_schemas()


def test_real_schemas_cover_chain_modules_and_hello() -> None:
    ids = {param.id for param in REAL_SCHEMAS}
    assert len(REAL_SCHEMAS) > 50
    assert {"/klayr/transaction", "/klayr/transferParams", "/hello/config"} <= ids
    assert any(identifier.startswith("/hello/createHello") for identifier in ids)


@pytest.mark.parametrize("schema", REAL_SCHEMAS)
def test_real_schema_values(schema: dict[str, Any]) -> None:
    @FAST
    @given(from_schema(schema), invalid_for_schema(schema))
    def check(value: Any, invalid: InvalidValue) -> None:
        assert_round_trips(schema, value)
        assert_rejected(schema, invalid)

    check()


# --- keyword details --------------------------------------------------------------------------


TWO_CHARACTERS = {"dataType": "string", "minLength": 2, "maxLength": 2}


@settings(max_examples=50, deadline=None)
@given(from_schema({"type": "array", "items": TWO_CHARACTERS}))
def test_string_lengths_count_characters_in_nfc(values: list[str]) -> None:
    for text in values:
        assert len(text) == 2
        assert unicodedata.is_normalized("NFC", text)


def test_impossible_schemas_raise_invalid_argument() -> None:
    for schema in (
        {"dataType": "bytes", "format": "klayr32", "maxLength": 10},
        {"dataType": "uint32", "minimum": 5, "maximum": 4},
        {"type": "string", "format": "hex", "minLength": 3, "maxLength": 3},
        {"type": "string", "format": "nope"},
    ):
        with pytest.raises(InvalidArgument):
            from_schema(schema)


@settings(max_examples=30, deadline=None)
@given(
    from_schema(
        {
            "type": "object",
            "required": ["a", "b", "c", "keys"],
            "properties": {
                "a": {"enum": ["x", "y"]},
                "b": {"const": 3},
                "c": {"anyOf": [{"type": "string", "format": "klayr32"}, {"type": "null"}]},
                "keys": {
                    "type": "array",
                    "uniqueSignedPublicKeys": True,
                    "items": {"type": "string", "format": "hex", "minLength": 2, "maxLength": 2},
                    "minItems": 2,
                },
                "n": {"type": "integer", "format": "uint32", "multipleOf": 7},
                "not": {"type": "string", "not": {"const": ""}},
            },
            "additionalProperties": False,
        }
    )
)
def test_enum_const_any_of_unique_and_filtered_keywords(value: dict[str, Any]) -> None:
    assert value["a"] in ("x", "y") and value["b"] == 3
    assert len({key[1:] for key in value["keys"]}) == len(value["keys"])
    assert value.get("n", 0) % 7 == 0 and value.get("not") != ""


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
        {"dataType": "string", "pattern": "^[0-9a-f]{4}$"},
        {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 2.5},
        {"type": "number", "multipleOf": 0.5, "minimum": 0, "maximum": 10},
        {"type": "string", "nullable": True, "format": "date-time"},
        {"type": ["string", "integer"], "minLength": 2, "minimum": 3},
        {"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "minItems": 2,
         "maxItems": 2},
        {"type": "object", "properties": {"a": {"type": "string"}},
         "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
        {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
         "dependencies": {"a": ["b"]}},
        {"allOf": [{"type": "integer", "minimum": 0}, {"maximum": 10}]},
        {"type": "string", "format": "ipOrFQDN", "not": {"format": "ipv4"}},
    ],
)  # fmt: skip
def test_other_keywords(schema: dict[str, Any]) -> None:
    @settings(max_examples=15, deadline=None)
    @given(from_schema(schema), invalid_for_schema(schema))
    def check(value: Any, invalid: InvalidValue) -> None:
        validate(schema, value)
        assert_rejected(schema, invalid)

    check()


@settings(max_examples=40, deadline=None)
@given(invalid_for_schema({"dataType": "uint64", "minimum": 5, "maximum": 9}))
def test_64_bit_ranges_are_never_broken_on_purpose(invalid: InvalidValue) -> None:
    # Klayr's validator (Ajv) skips minimum/maximum on BigInt data types: 1 passes.
    validate({"dataType": "uint64", "minimum": 5, "maximum": 9}, 1)
    assert "minimum" not in invalid.defect and "maximum" not in invalid.defect


def test_defect_tags() -> None:
    schema = {
        "$id": "/testing/tags",
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"dataType": "bytes", "format": "klayr32", "fieldNumber": 1}},
        "additionalProperties": False,
    }
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None)
    @given(invalid_for_schema(schema))
    def collect(invalid: InvalidValue) -> None:
        seen.add(invalid.defect)

    collect()
    assert {"missing property 'a'", "wrong type", "klayr32 address not 20 bytes"} <= seen


# --- accounts and transactions ----------------------------------------------------------------


def test_accounts_are_deterministic() -> None:
    first = account(3)
    assert first == account(3) and first != account(4)
    assert first.address == get_address_from_public_key(first.public_key)
    assert first.private_key[32:] == first.public_key
    assert first.klayr32_address.startswith("kly")
    with pytest.raises(InvalidArgument):
        accounts(0)


@settings(max_examples=10, deadline=None)
@given(accounts(2))
def test_accounts_come_from_a_small_pool(drawn: Account) -> None:
    assert drawn in (account(0), account(1))


TRANSFER = importlib.import_module("klayr_py.modules.token.schemas").TRANSFER_PARAMS_SCHEMA


@settings(max_examples=25, deadline=None)
@given(transactions("token", "transfer", TRANSFER, fee=st.integers(0, 10**8)))
def test_transactions_are_valid_and_signed(tx: Transaction) -> None:
    tx.validate()
    assert Transaction.from_bytes(tx.get_bytes()) == tx
    validate(TRANSFER, codec.decode(TRANSFER, tx.params))
    validate(TRANSACTION_SCHEMA, {**codec.decode(TRANSACTION_SCHEMA, tx.get_bytes())})
    (signature,) = tx.signatures
    assert verify_data(
        TAG_TRANSACTION, DEFAULT_CHAIN_ID, tx.get_signing_bytes(), signature, tx.sender_public_key
    )
    assert tx.sender_address in {account(index).address for index in range(10)}


@settings(max_examples=10, deadline=None)
@given(
    transactions(
        "token",
        "transfer",
        TRANSFER,
        accounts=account(7),
        chain_id=bytes.fromhex("00000001"),
        nonce=5,
        fee=1000,
        params=st.one_of(st.just(b"\xff"), from_schema(TRANSFER)),
    )
)
def test_transaction_options(tx: Transaction) -> None:
    assert (tx.nonce, tx.fee, tx.sender_public_key) == (5, 1000, account(7).public_key)
    signing = tx.get_signing_bytes()
    assert verify_data(TAG_TRANSACTION, bytes.fromhex("00000001"), signing, tx.signatures[0],
                       tx.sender_public_key)  # fmt: skip


def test_transaction_names_are_checked() -> None:
    with pytest.raises(InvalidArgument):
        transactions("to-ken", "transfer", TRANSFER)


def test_klayr_py_does_not_import_testing() -> None:
    code = "import sys, klayr_py; assert 'klayr_py.testing' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
