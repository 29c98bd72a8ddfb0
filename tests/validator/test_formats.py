"""Formats: each applies only to its JSON type, accepts and rejects as Klayr's formats.js does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.errors import ValidationError
from klayr_py.validator import FORMATS, KNOWN_FORMATS, MAX_UINT64, MIN_SINT64, validate
from klayr_py.validator.formats import KLAYR_FORMAT_NAMES


def _ok(fmt: str, value: Any, json_type: str | None = None) -> bool:
    schema: dict[str, Any] = {"format": fmt}
    if json_type:
        schema["type"] = json_type
    try:
        validate(schema, value)
    except ValidationError:
        return False
    return True


def test_every_klayr_format_is_known() -> None:
    assert set(KLAYR_FORMAT_NAMES) == {
        "hex", "bytes", "int64", "uint64", "uint32", "camelCase", "version", "networkVersion",
        "path", "encryptedPassphrase", "ip", "ipOrFQDN", "oddInteger", "klayr32",
    }  # fmt: skip
    assert set(KLAYR_FORMAT_NAMES) <= KNOWN_FORMATS


@pytest.mark.parametrize("fmt", sorted(set(KNOWN_FORMATS) - {"uint32", "int32", "float", "double"}))
def test_string_formats_ignore_other_types(fmt: str) -> None:
    for value in (5, 1.5, True, None, b"\x00", [1], {"a": 1}):
        assert _ok(fmt, value)


@pytest.mark.parametrize("fmt", ["uint32", "int32", "float", "double"])
def test_number_formats_ignore_strings(fmt: str) -> None:
    assert _ok(fmt, "not a number")
    assert _ok(fmt, True)  # a bool is not a number in JavaScript either


@given(st.integers(min_value=-(2**65), max_value=2**65))
def test_uint64_and_int64_strings_follow_the_integer_range(value: int) -> None:
    assert _ok("uint64", str(value)) == (0 <= value <= MAX_UINT64)
    assert _ok("int64", str(value)) == (MIN_SINT64 <= value <= 2**63 - 1)


@given(st.binary(max_size=32))
def test_hex_accepts_every_encoding_of_bytes(data: bytes) -> None:
    assert _ok("hex", data.hex())
    assert _ok("hex", data.hex().upper())


@given(st.text(alphabet="0123456789abcdefg", min_size=1, max_size=9).filter(lambda s: len(s) % 2))
def test_hex_rejects_odd_length(text: str) -> None:
    assert not _ok("hex", text)


@pytest.mark.parametrize(
    ("fmt", "accept", "reject"),
    [
        ("uint32", [0, 2**32 - 1, 3.0], [-1, 2**32, 0.5]),
        ("int32", [-(2**31), 2**31 - 1], [2**31, 1.5]),
        ("camelCase", ["token", "tokenID", "a1"], ["Token", "token_id", "ключ"]),
        ("version", ["0.1.0", "v2.0.0-beta.1"], ["2.0", "2.0.0.", "1.2.3-"]),
        ("networkVersion", ["1.0", "3.12"], ["1.0.0", "1."]),
        ("path", ["/home/klayr", "~/.klayr/data", "./d"], ["home", "/home//klayr"]),
        ("encryptedPassphrase", ["salt=e8c7&cipherText=ab"], ["salt=E8", "salt"]),
        ("ip", ["10.0.0.1", "2001:db8::1"], ["10.0.0.256", "2001:db8:::1"]),
        ("ipOrFQDN", ["node.klayr.xyz", "10.0.0.1"], ["node_1.klayr.xyz", "2001:db8::1"]),
        ("oddInteger", ["1", "99"], ["2", "1.5"]),
        ("bytes", [], ["", "00"]),
    ],
)
def test_format_examples(fmt: str, accept: list[Any], reject: list[Any]) -> None:
    assert [_ok(fmt, value) for value in accept] == [True] * len(accept)
    assert [_ok(fmt, value) for value in reject] == [False] * len(reject)


def test_semver_trims_like_javascript() -> None:
    assert _ok("version", "\ufeff1.0.0\u3000")
    assert not _ok("version", "\x1c1.0.0")  # str.strip would remove it; String.trim does not
    assert not _ok("version", "1." + "0" * 260 + ".0")


def test_format_error_message() -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"type": "object", "properties": {"fee": {"type": "string", "format": "uint64"}}},
                 {"fee": "-1"})  # fmt: skip
    assert caught.value.errors == ["Property '.fee' must match format \"uint64\""]


def test_standard_formats_are_known_and_delegated() -> None:
    assert {"date", "date-time", "uri", "email", "ipv4", "ipv6", "uuid", "regex"} <= KNOWN_FORMATS
    assert _ok("ipv4", "10.0.0.1") and not _ok("ipv4", "10.0.0.300")
    assert _ok("regex", "^a+$") and not _ok("regex", "(")
    assert _ok("password", "anything")
    assert FORMATS["int32"].numeric and not FORMATS["hex"].numeric


def test_klayr32_strings() -> None:
    pytest.importorskip("klayr_py.crypto.address")
    vectors = Path(__file__).resolve().parent.parent / "vectors" / "address"
    cases = json.loads((vectors / "address_from_pub_key.json").read_text())["testCases"]
    addresses = [case["output"]["base32Address"] for case in cases]
    assert all(_ok("klayr32", address) for address in addresses)
    corrupted = addresses[0][:-1] + ("q" if addresses[0][-1] != "q" else "p")
    for bad in (corrupted, "lsk" + addresses[0][3:], addresses[0][:-1], "", addresses[0].upper()):
        assert not _ok("klayr32", bad), bad
