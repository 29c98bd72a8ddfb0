"""Parse a Klayr JSON schema into a small typed tree that the code generator and JSON mapper walk.

Parsing checks everything the codec itself depends on (properties, field numbers, data types,
array items) so a schema that parses can always be encoded and decoded; the full Klayr meta-schema
check lives in :mod:`klayr_py.validator` and runs in :func:`klayr_py.codec.validate_schema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from klayr_py.errors import CodecError

SCALAR_TYPES = frozenset({"uint32", "sint32", "uint64", "sint64", "string", "bytes", "boolean"})
# Data types sent as a varint (wire type 0) and packed when they appear in an array.
VARINT_TYPES = frozenset({"uint32", "sint32", "uint64", "sint64", "boolean"})
MIN_FIELD_NUMBER = 1
MAX_FIELD_NUMBER = 18999  # Klayr's meta-schema bound for `fieldNumber`.


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One property of an object schema.

    ``kind`` is ``"scalar"`` (``data_type`` set), ``"object"`` (``object`` set), ``"array"`` of
    scalars (``data_type`` set) or ``"object_array"`` (``object`` set).
    """

    name: str
    field_number: int
    kind: str
    path: str
    data_type: str | None = None
    format: str | None = None
    object: ObjectSpec | None = None

    @property
    def wire_type(self) -> int:
        """The protobuf wire type of this field's key: 0 for varints, 2 for length-delimited."""
        if self.kind == "scalar" and self.data_type in VARINT_TYPES:
            return 0
        return 2

    @property
    def key(self) -> int:
        """The field key, ``field_number << 3 | wire_type``."""
        return (self.field_number << 3) | self.wire_type


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """An object schema: its fields sorted by field number, and where it sits in the root."""

    path: str
    fields: tuple[FieldSpec, ...]

    def field_by_number(self, field_number: int) -> FieldSpec | None:
        """The field with ``field_number``, or None (used only to explain decoding errors)."""
        for field in self.fields:
            if field.field_number == field_number:
                return field
        return None


def parse_schema(schema: Mapping[str, Any]) -> ObjectSpec:
    """Parse a root Klayr schema; raises :class:`CodecError` naming the first problem found."""
    if not isinstance(schema, Mapping):
        raise CodecError(f"schema must be an object, not {type(schema).__name__}")
    if schema.get("type") != "object":
        raise CodecError('schema root must have "type": "object"')
    return _parse_object(schema, "")


def _parse_object(schema: Mapping[str, Any], path: str) -> ObjectSpec:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        raise CodecError('object schema must have "properties"', path)
    fields: list[FieldSpec] = []
    seen: dict[int, str] = {}
    for name, prop in properties.items():
        field_path = f"{path}.{name}"
        if not isinstance(prop, Mapping):
            raise CodecError("property schema must be an object", field_path)
        number = prop.get("fieldNumber")
        if type(number) is not int or not MIN_FIELD_NUMBER <= number <= MAX_FIELD_NUMBER:
            raise CodecError(
                f"fieldNumber must be an integer from {MIN_FIELD_NUMBER} to {MAX_FIELD_NUMBER},"
                f" got {number!r}",
                field_path,
            )
        if number in seen:
            raise CodecError(
                f"fieldNumber {number} is also used by {path}.{seen[number]}", field_path
            )
        seen[number] = name
        fields.append(_parse_field(name, number, prop, field_path))
    fields.sort(key=lambda f: f.field_number)
    return ObjectSpec(path=path, fields=tuple(fields))


def _parse_field(name: str, number: int, prop: Mapping[str, Any], path: str) -> FieldSpec:
    kind = prop.get("type")
    if kind == "object":
        return FieldSpec(name, number, "object", path, object=_parse_object(prop, path))
    if kind == "array":
        items = prop.get("items")
        if not isinstance(items, Mapping):
            raise CodecError('array schema must have "items"', path)
        item_path = f"{path}[]"
        if items.get("type") == "object":
            spec = _parse_object(items, item_path)
            return FieldSpec(name, number, "object_array", path, object=spec)
        data_type = _data_type(items, item_path)
        return FieldSpec(name, number, "array", path, data_type, items.get("format"))
    if kind is not None and "dataType" not in prop:
        raise CodecError(f'unsupported "type" {kind!r}: use "dataType" for scalars', path)
    return FieldSpec(name, number, "scalar", path, _data_type(prop, path), prop.get("format"))


def _data_type(prop: Mapping[str, Any], path: str) -> str:
    data_type = prop.get("dataType")
    if data_type not in SCALAR_TYPES:
        if prop.get("type") == "array":
            raise CodecError(
                "arrays of arrays are not supported; wrap the inner array in an object", path
            )
        raise CodecError(
            f"dataType must be one of {', '.join(sorted(SCALAR_TYPES))}, got {data_type!r}", path
        )
    return str(data_type)
