"""Klayr's JSON form of values: bytes as hex (or Klayr32, base64 by format), 64-bit ints as strings.

Mirrors klayr-codec's ``toJSON``/``fromJSON``: properties the schema does not name are dropped,
properties the value lacks stay absent.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from klayr_py.codec._spec import FieldSpec, ObjectSpec
from klayr_py.errors import CodecError


def _bytes_to_json(value: Any, fmt: str | None, path: str) -> str:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise CodecError(f"expected bytes, got {type(value).__name__}", path)
    raw = bytes(value)
    if fmt is None or fmt == "hex":
        return raw.hex()
    if fmt == "base64":
        return base64.b64encode(raw).decode()
    if fmt == "klayr32":
        from klayr_py.crypto.address import get_klayr32_address_from_address

        return get_klayr32_address_from_address(raw)
    raise CodecError(f"unknown bytes format {fmt!r}", path)


def _bytes_from_json(value: Any, fmt: str | None, path: str) -> bytes:
    if not isinstance(value, str):
        raise CodecError(f"expected a string for bytes, got {type(value).__name__}", path)
    try:
        if fmt is None or fmt == "hex":
            raw = bytes.fromhex(value)
            if len(raw) * 2 != len(value):  # fromhex skips whitespace; Klayr's hex has none.
                raise ValueError("whitespace in hex string")
            return raw
        if fmt == "base64":
            return base64.b64decode(value, validate=True)
        if fmt == "klayr32":
            from klayr_py.crypto.address import get_address_from_klayr32_address

            return get_address_from_klayr32_address(value)
    except (ValueError, binascii.Error) as exc:
        raise CodecError(f"invalid {fmt or 'hex'} string: {exc}", path) from None
    raise CodecError(f"unknown bytes format {fmt!r}", path)


def _int_from_json(value: Any, data_type: str, path: str) -> int:
    if isinstance(value, bool):
        raise CodecError(f"expected an integer for {data_type}, got bool", path)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and data_type.endswith("64"):
        text = value[1:] if value.startswith("-") else value
        if text.isascii() and text.isdigit():
            return int(value)
    raise CodecError(f"expected an integer for {data_type}, got {value!r}", path)


def _scalar_mapper(mode: str, field: FieldSpec) -> Callable[[Any, str], Any]:
    data_type = field.data_type
    fmt = field.format
    if data_type == "bytes":
        if mode == "to":
            return lambda v, p: _bytes_to_json(v, fmt, p)
        return lambda v, p: _bytes_from_json(v, fmt, p)
    if data_type in ("uint64", "sint64"):
        if mode == "to":
            return lambda v, p: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
        return lambda v, p: _int_from_json(v, str(data_type), p)
    if data_type in ("uint32", "sint32") and mode == "from":
        return lambda v, p: _int_from_json(v, str(data_type), p)
    return lambda v, p: v


def _convert(mode: str, spec: ObjectSpec, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise CodecError(f"expected an object, got {type(value).__name__}", path or spec.path)
    result: dict[str, Any] = {}
    for field in spec.fields:
        if field.name not in value:
            continue
        item = value[field.name]
        field_path = f"{path}.{field.name}"
        if field.kind == "object":
            assert field.object is not None
            result[field.name] = _convert(mode, field.object, item, field_path)
            continue
        if field.kind == "scalar":
            result[field.name] = _scalar_mapper(mode, field)(item, field_path)
            continue
        if not isinstance(item, (list, tuple)):
            raise CodecError(f"expected an array, got {type(item).__name__}", field_path)
        if field.kind == "object_array":
            assert field.object is not None
            obj = field.object
            result[field.name] = [
                _convert(mode, obj, element, f"{field_path}[{k}]") for k, element in enumerate(item)
            ]
        else:
            mapper = _scalar_mapper(mode, field)
            result[field.name] = [
                mapper(element, f"{field_path}[{k}]") for k, element in enumerate(item)
            ]
    return result


def value_to_json(spec: ObjectSpec, value: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a decoded value to Klayr's JSON form."""
    return _convert("to", spec, value, "")


def value_from_json(spec: ObjectSpec, value: Mapping[str, Any]) -> dict[str, Any]:
    """Convert Klayr's JSON form back to a value ready to encode."""
    return _convert("from", spec, value, "")
