"""The codec API: encode, decode and convert values by Klayr schema (LIP 0027)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from klayr_py.codec.compiled import CompiledSchema, _by_identity, compile_schema
from klayr_py.codec.json_format import value_from_json, value_to_json
from klayr_py.errors import CodecError, ValidationError

Schema = Mapping[str, Any] | CompiledSchema


def encode(schema: Schema, value: Mapping[str, Any]) -> bytes:
    """Encode ``value`` with ``schema`` in field-number order.

    Like klayr-codec, an absent scalar property is left out (and the result will not decode);
    an absent object or array property is an error.
    """
    compiled = _by_identity.get(id(schema))
    if compiled is not None and compiled[0] is schema:
        return compiled[1].encode(value)
    return compile_schema(schema).encode(value)


def decode(schema: Schema, data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Decode ``data`` strictly as klayr-codec does, raising :class:`CodecError` on any flaw."""
    compiled = _by_identity.get(id(schema))
    if compiled is not None and compiled[0] is schema:
        return compiled[1].decode(data)
    return compile_schema(schema).decode(data)


def to_json(schema: Schema, value: Mapping[str, Any]) -> dict[str, Any]:
    """Klayr's JSON form of ``value``: bytes as hex (or per ``format``), 64-bit ints as strings."""
    return value_to_json(compile_schema(schema).spec, value)


def from_json(schema: Schema, json_value: Mapping[str, Any]) -> dict[str, Any]:
    """The value of Klayr's JSON form ``json_value``: hex to bytes, decimal strings to int."""
    return value_from_json(compile_schema(schema).spec, json_value)


def encode_json(schema: Schema, json_value: Mapping[str, Any]) -> bytes:
    """Encode a value given in Klayr's JSON form (klayr-codec's ``encodeJSON``)."""
    return encode(schema, from_json(schema, json_value))


def decode_json(schema: Schema, data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Decode straight to Klayr's JSON form (klayr-codec's ``decodeJSON``)."""
    compiled = compile_schema(schema)
    return value_to_json(compiled.spec, compiled.decode(data))


def validate_schema(schema: Mapping[str, Any]) -> None:
    """Check ``schema`` against Klayr's meta-schema and that the codec can compile it.

    Raises :class:`CodecError` naming every problem found.
    """
    from klayr_py.validator import validate_schema as validate_meta

    try:
        validate_meta(dict(schema))
    except ValidationError as exc:
        raise CodecError(f"invalid schema: {exc}") from None
    compile_schema(schema)
