"""dataType on Python-native values: every integer type at its bounds, bytes lengths, bool/str."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.errors import ValidationError
from klayr_py.validator import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
    compile_schema,
)

RANGES = {
    "uint32": (0, MAX_UINT32),
    "sint32": (MIN_SINT32, MAX_SINT32),
    "uint64": (0, MAX_UINT64),
    "sint64": (MIN_SINT64, MAX_SINT64),
}


def _ok(schema: dict[str, Any], value: Any) -> bool:
    return compile_schema(schema).is_valid(value)


@pytest.mark.parametrize("data_type", RANGES)
def test_integer_bounds(data_type: str) -> None:
    low, high = RANGES[data_type]
    schema = {"dataType": data_type}
    assert _ok(schema, low) and _ok(schema, high)
    assert not _ok(schema, low - 1) and not _ok(schema, high + 1)


@pytest.mark.parametrize("data_type", RANGES)
@pytest.mark.parametrize("value", [True, False, 1.0, "1", b"\x01", None])
def test_integer_types_take_only_int(data_type: str, value: Any) -> None:
    assert not _ok({"dataType": data_type}, value)


@given(st.sampled_from(sorted(RANGES)), st.integers(min_value=-(2**70), max_value=2**70))
def test_integer_validity_is_range_membership(data_type: str, value: int) -> None:
    low, high = RANGES[data_type]
    assert _ok({"dataType": data_type}, value) == (low <= value <= high)


@given(st.binary(max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_bytes_lengths_count_bytes(value: bytes, min_length: int, max_length: int) -> None:
    schema = {"dataType": "bytes", "minLength": min_length, "maxLength": max_length}
    assert _ok(schema, value) == (min_length <= len(value) <= max_length)


_BYTES_EXPECTED = (
    "Property '' should pass \"dataType\" keyword validation: must be bytes (hex in JSON)"
)


def test_bytes_length_messages() -> None:
    schema = {"dataType": "bytes", "minLength": 2, "maxLength": 3}
    for value, message in [
        (b"\x00", "Property '' minLength not satisfied"),
        (b"\x00" * 4, "Property '' maxLength exceeded"),
        ("00", _BYTES_EXPECTED),
        (bytearray(2), _BYTES_EXPECTED),
    ]:
        with pytest.raises(ValidationError) as caught:
            compile_schema(schema).validate(value)
        assert caught.value.errors == [message]


def test_klayr32_bytes_must_be_20_long() -> None:
    schema = {"dataType": "bytes", "format": "klayr32"}
    assert _ok(schema, bytes(20))
    with pytest.raises(ValidationError, match="address length invalid"):
        compile_schema(schema).validate(bytes(21))


@given(st.text())
def test_string_and_bytes_are_distinct(text: str) -> None:
    assert _ok({"dataType": "string"}, text)
    assert not _ok({"dataType": "bytes"}, text)
    assert not _ok({"dataType": "string"}, text.encode())


def test_string_length_counts_code_points() -> None:
    assert _ok({"dataType": "string", "maxLength": 1}, "😀")
    assert not _ok({"dataType": "string", "minLength": 2}, "😀")


@pytest.mark.parametrize("value", [0, 1, "true", None, b"\x01"])
def test_boolean_takes_only_bool(value: Any) -> None:
    assert _ok({"dataType": "boolean"}, True)
    assert not _ok({"dataType": "boolean"}, value)


def test_number_keywords_skip_64_bit_values_as_klayr_does() -> None:
    # Klayr holds uint64/sint64 as BigInt, which Ajv's minimum/maximum/multipleOf ignore.
    assert _ok({"dataType": "uint64", "minimum": 10, "multipleOf": 7}, 3)
    assert not _ok({"dataType": "uint32", "minimum": 10}, 3)
    assert not _ok({"dataType": "uint32", "multipleOf": 7}, 3)


def test_codec_shaped_value() -> None:
    schema = {
        "$id": "/test/transfer",
        "type": "object",
        "required": ["amount", "recipient", "tags"],
        "properties": {
            "amount": {"dataType": "uint64", "fieldNumber": 1},
            "recipient": {"dataType": "bytes", "format": "klayr32", "fieldNumber": 2},
            "tags": {"type": "array", "fieldNumber": 3, "items": {"dataType": "string"}},
        },
    }
    compiled = compile_schema(schema)
    compiled.validate({"amount": 10**18, "recipient": bytes(20), "tags": ["a"]})
    assert compiled.errors({"amount": -1, "recipient": bytes(19), "tags": ["a", 1]}) == [
        "Property '.amount' should pass \"dataType\" keyword validation",
        "Property '.recipient' address length invalid",
        "Property '.tags.1' should pass \"dataType\" keyword validation",
    ]


@pytest.mark.parametrize(
    ("data_type", "value", "expected"),
    [
        ("string", 5, "must be a string"),
        ("boolean", 1, "must be true or false"),
        ("uint32", -1, "must be an integer from 0 to 4294967295"),
        ("sint32", 2**31, "must be an integer from -2147483648 to 2147483647"),
        ("uint64", "7", "must be an integer from 0 to 18446744073709551615"),
    ],
)
def test_validate_says_what_a_data_type_expected(
    data_type: str, value: object, expected: str
) -> None:
    compiled = compile_schema({"type": "object", "properties": {"x": {"dataType": data_type}}})
    klayr_line = "Property '.x' should pass \"dataType\" keyword validation"
    assert compiled.errors({"x": value}) == [klayr_line]  # Klayr's exact line, for the oracle
    with pytest.raises(ValidationError) as caught:
        compiled.validate({"x": value})
    assert caught.value.errors[0].startswith(f"{klayr_line}: {expected}")
