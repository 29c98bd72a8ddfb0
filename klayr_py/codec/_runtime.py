"""Functions the generated encoders and decoders call: conversions, diagnostics, varints.

Everything here runs off the hot path (a failing or unusual value) except the varint readers and
writers, which generated code calls for values of two bytes or more.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from klayr_py.codec._spec import ObjectSpec
from klayr_py.codec.varint import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
    read_uvarint,
    uvarint,
)
from klayr_py.errors import CodecError

INT_RANGES = {
    "uint32": (0, MAX_UINT32, 32),
    "sint32": (MIN_SINT32, MAX_SINT32, 32),
    "uint64": (0, MAX_UINT64, 64),
    "sint64": (MIN_SINT64, MAX_SINT64, 64),
}


class Recheck(Exception):
    """Raised by a fast path that met something it does not handle; the checked path decides."""


def _as_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise CodecError(f"expected an object, got {type(value).__name__}", path)


def _as_list(value: Any, path: str) -> list[Any] | tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        return value
    raise CodecError(f"expected an array, got {type(value).__name__}", path)


def _as_int(value: Any, path: str, data_type: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"expected an integer for {data_type}, got {type(value).__name__}", path)
    low, high, _ = INT_RANGES[data_type]
    if not low <= value <= high:
        raise CodecError(f"value {value} is out of range of {data_type}", path)
    return int(value)


def _as_bytes(value: Any, path: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise CodecError(f"expected bytes, got {type(value).__name__}", path)


def _encode_str(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise CodecError(f"expected a string, got {type(value).__name__}", path)
    try:
        # klayr-codec writes strings in Unicode normal form C.
        return unicodedata.normalize("NFC", value).encode()
    except UnicodeEncodeError as exc:
        raise CodecError(f"string is not valid Unicode: {exc.reason}", path) from None


def _decode_str(raw: bytes, path: str) -> str:
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise CodecError(f"invalid UTF-8 at byte {exc.start}", path) from None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        raise CodecError("string is not in Unicode normal form C", path)
    return text


def _check_nfc(text: str, path: str) -> None:
    if not unicodedata.is_normalized("NFC", text):
        raise CodecError("string is not in Unicode normal form C", path)


def _missing(path: str) -> CodecError:
    return CodecError("missing property", path)


def _invalid_bool(path: str) -> CodecError:
    return CodecError("boolean must be encoded as 0x00 or 0x01", path)


def _not_bool(value: Any, path: str) -> CodecError:
    return CodecError(f"expected a boolean, got {type(value).__name__}", path)


def _truncated(path: str) -> CodecError:
    return CodecError("message ends before the value does", path)


def _describe(data: bytes, index: int, end: int) -> tuple[int, int] | str:
    """The (field number, wire type) of the key at ``index``, or why it cannot be read."""
    try:
        key, _ = read_uvarint(data, index, end, 32)
    except CodecError as exc:
        return f"invalid field key ({exc.reason})"
    wire_type = key & 7
    if wire_type not in (0, 2):
        return f"unsupported wire type {wire_type}"
    return key >> 3, wire_type


def _unexpected_key(
    spec: ObjectSpec, position: int, data: bytes, index: int, end: int
) -> CodecError:
    """Explain why the key at ``index`` is not the one field ``position`` of ``spec`` needs."""
    expected = spec.fields[position]
    if index >= end:
        return _missing(expected.path)
    found = _describe(data, index, end)
    if isinstance(found, str):
        return CodecError(found, expected.path)
    number, wire_type = found
    if number == expected.field_number:
        return CodecError(
            f"wrong wire type {wire_type}, expected {expected.wire_type}", expected.path
        )
    other = spec.field_by_number(number)
    if other is None:
        return CodecError(
            f"unknown field number {number} where field number {expected.field_number} belongs",
            expected.path,
        )
    if other.field_number < expected.field_number and other.kind not in ("array", "object_array"):
        return CodecError("field repeated or out of order", other.path)
    if other.field_number < expected.field_number:
        return CodecError("array field split or out of order", other.path)
    return CodecError(
        f"missing property (found field number {number}, {other.path}, in its place)",
        expected.path,
    )


def _trailing(spec: ObjectSpec, data: bytes, index: int, end: int) -> CodecError:
    """Explain bytes left over after the last field of ``spec``."""
    found = _describe(data, index, end)
    where = spec.path
    if isinstance(found, str):
        return CodecError(f"{end - index} trailing bytes: {found}", where)
    number, wire_type = found
    other = spec.field_by_number(number)
    if other is None:
        return CodecError(f"unknown field number {number} (wire type {wire_type})", where)
    if wire_type != other.wire_type:
        return CodecError(f"wrong wire type {wire_type}, expected {other.wire_type}", other.path)
    return CodecError("field repeated or out of order", other.path)


def _empty_packed(path: str) -> CodecError:
    return CodecError("an empty array must be omitted, not encoded with length 0", path)


def _at_index(exc: CodecError, prefix: str, index: int) -> CodecError:
    """Fill in the element index of an error raised inside the array at ``prefix``."""
    marker = prefix + "[]"
    if exc.path.startswith(marker):
        return CodecError(exc.reason, f"{prefix}[{index}]{exc.path[len(marker) :]}")
    return exc


HELPERS: dict[str, Any] = {
    "CodecError": CodecError,
    "_as_mapping": _as_mapping,
    "_as_list": _as_list,
    "_as_int": _as_int,
    "_as_bytes": _as_bytes,
    "_encode_str": _encode_str,
    "_decode_str": _decode_str,
    "_check_nfc": _check_nfc,
    "_missing": _missing,
    "_invalid_bool": _invalid_bool,
    "_not_bool": _not_bool,
    "_truncated": _truncated,
    "_unexpected_key": _unexpected_key,
    "_trailing": _trailing,
    "_empty_packed": _empty_packed,
    "_at_index": _at_index,
    "_read_uvarint": read_uvarint,
    "_uvarint": uvarint,
}
