"""Checks Ajv makes when compiling a schema (Klayr runs it in strict mode), beyond the meta-schema.

A meta-schema cannot say these: each ``fieldNumber`` unique among its siblings, ``dataType`` and
``type`` never together, no unknown keyword or format, every ``required`` name declared in
``properties`` (``strictRequired``), tuples fully sized (``strictTuples``), no ``then`` without
``if``. :func:`codec_shape_errors` adds what Klayr's codec refuses when it first compiles a schema.
Messages follow Ajv's and Klayr's, naming the schema location as a JSON pointer
(``#/properties/a``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .constants import DATA_TYPES, MAX_FIELD_NUMBER, MIN_FIELD_NUMBER
from .formats import KNOWN_FORMATS
from .js_regex import compile_js_pattern
from .json_types import is_int

# Every keyword Klayr's Ajv instance knows, minus those we do not implement (``$async``, ``id``,
# ajv-formats' ``formatMaximum`` family): a schema using them is rejected rather than half-honoured.
KNOWN_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$defs", "$vocabulary", "$comment", "definitions", "$ref",
        "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf",
        "maxLength", "minLength", "pattern", "maxProperties", "minProperties", "required",
        "maxItems", "minItems", "uniqueItems", "type", "nullable", "const", "enum",
        "not", "anyOf", "oneOf", "allOf", "if", "then", "else",
        "propertyNames", "additionalProperties", "dependencies", "properties",
        "patternProperties", "additionalItems", "items", "contains", "format",
        "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
        "contentMediaType", "contentEncoding", "contentSchema",
        "uniqueSignedPublicKeys", "fieldNumber", "dataType",
    }
)  # fmt: skip

SINGLE_SUBSCHEMA_KEYWORDS = ("additionalItems", "additionalProperties", "contains", "not",
                             "propertyNames", "if", "then", "else")  # fmt: skip
SUBSCHEMA_LIST_KEYWORDS = ("allOf", "anyOf", "oneOf")
SUBSCHEMA_MAP_KEYWORDS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")


def _child(pointer: str, key: str | int) -> str:
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


def iter_subschemas(
    schema: Any, pointer: str = "#", via: str | None = None
) -> Iterator[tuple[Mapping[str, Any], str, str | None]]:
    """Every object (sub-)schema with its JSON-pointer location and the keyword that holds it."""
    if not isinstance(schema, Mapping):
        return
    yield schema, pointer, via
    for keyword in SINGLE_SUBSCHEMA_KEYWORDS:
        if keyword in schema:
            yield from iter_subschemas(schema[keyword], _child(pointer, keyword), keyword)
    for keyword in (*SUBSCHEMA_LIST_KEYWORDS, "items"):
        value = schema.get(keyword)
        if isinstance(value, list):
            for index, branch in enumerate(value):
                yield from iter_subschemas(branch, _child(_child(pointer, keyword), index), keyword)
        elif keyword == "items":
            yield from iter_subschemas(value, _child(pointer, keyword), keyword)
    for keyword in SUBSCHEMA_MAP_KEYWORDS:
        if isinstance(schema.get(keyword), Mapping):
            for name, branch in schema[keyword].items():
                yield from iter_subschemas(branch, _child(_child(pointer, keyword), name), keyword)


def _field_number_errors(schema: Mapping[str, Any], pointer: str, via: str | None) -> Iterator[str]:
    if "fieldNumber" in schema:
        value = schema["fieldNumber"]
        where = f'keyword "fieldNumber" value is invalid at path "{pointer}"'
        if not is_int(value):
            yield f"{where}: must be integer"
        elif value < MIN_FIELD_NUMBER:
            yield f"{where}: must be >= {MIN_FIELD_NUMBER}"
        elif value > MAX_FIELD_NUMBER:
            yield f"{where}: must be <= {MAX_FIELD_NUMBER}"
        # Klayr compares a fieldNumber with its siblings in the enclosing map; anywhere else
        # (array items, anyOf branches, the root) that comparison fails or crashes.
        if via not in SUBSCHEMA_MAP_KEYWORDS:
            yield f'keyword "fieldNumber" belongs in a property schema, not at "{pointer}"'
    for keyword in SUBSCHEMA_MAP_KEYWORDS:
        if isinstance(schema.get(keyword), Mapping):
            yield from _sibling_field_number_errors(schema[keyword], _child(pointer, keyword))


def _sibling_field_number_errors(siblings: Mapping[str, Any], pointer: str) -> Iterator[str]:
    numbers = {
        name: sub.get("fieldNumber") if isinstance(sub, Mapping) else None
        for name, sub in siblings.items()
    }
    if all(number is None for number in numbers.values()):
        return
    # Like Klayr, siblings without a fieldNumber count as sharing the (undefined) number.
    by_number: dict[Any, list[str]] = {}
    for name, number in numbers.items():
        if number is None or is_int(number):
            by_number.setdefault(number, []).append(name)
    for number, names in by_number.items():
        if len(names) > 1:
            shared = "no fieldNumber" if number is None else f"fieldNumber {number}"
            listed = ", ".join(f"'{name}'" for name in names)
            yield (
                "Value must be unique across all properties on same level"
                f' at "{pointer}": {listed} have {shared}'
            )


def _data_type_errors(schema: Mapping[str, Any], pointer: str) -> Iterator[str]:
    if "dataType" not in schema:
        return
    if schema["dataType"] not in DATA_TYPES:
        yield (
            f'keyword "dataType" value is invalid at path "{pointer}": must be equal to one of the'
            f" allowed values ({', '.join(DATA_TYPES)})"
        )
    if "type" in schema:
        yield f'Either "dataType" or "type" can be presented in schema at "{pointer}"'


def _strict_errors(schema: Mapping[str, Any], pointer: str) -> Iterator[str]:
    for keyword in schema:
        if keyword not in KNOWN_KEYWORDS:
            yield f'strict mode: unknown keyword: "{keyword}" at "{pointer}"'
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
        yield f'unknown format "{fmt}" ignored in schema at path "{pointer}"'
    properties = schema.get("properties")
    for name in schema.get("required", ()) if isinstance(schema.get("required"), list) else ():
        if not isinstance(properties, Mapping) or name not in properties:
            yield (
                f'strict mode: required property "{name}" is not defined at "{pointer}"'
                " (strictRequired)"
            )
    items = schema.get("items")
    if isinstance(items, list):
        size = len(items)
        full = schema.get("minItems") == size and (
            schema.get("maxItems") == size or schema.get("additionalItems") is False
        )
        if not full:
            yield (
                f'strict mode: "items" is {size}-tuple, but minItems or maxItems/additionalItems'
                f' are not specified or different at path "{pointer}"'
            )
    elif "additionalItems" in schema:
        yield (
            'strict mode: "additionalItems" is ignored when "items" is not an array of schemas'
            f' at "{pointer}"'
        )
    if "if" in schema and "then" not in schema and "else" not in schema:
        yield f'strict mode: "if" without "then" and "else" is ignored at "{pointer}"'
    for clause in ("then", "else"):
        if clause in schema and "if" not in schema:
            yield f'strict mode: "{clause}" without "if" is ignored at "{pointer}"'
    if "nullable" in schema and "type" not in schema:
        yield f'"nullable" cannot be used without "type" at "{pointer}"'


def _pattern_errors(schema: Mapping[str, Any], pointer: str) -> Iterator[str]:
    patterns = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
    if isinstance(schema.get("patternProperties"), Mapping):
        patterns.extend(schema["patternProperties"])
    for regex in patterns:
        try:
            compile_js_pattern(regex)
        except re.error as exc:
            yield f'Invalid regular expression: /{regex}/ at "{pointer}": {exc}'


def schema_rule_errors(schema: Mapping[str, Any]) -> list[str]:
    """Every compile-time rule ``schema`` breaks, in schema order (empty when it compiles)."""
    errors: list[str] = []
    for subschema, pointer, via in iter_subschemas(schema):
        errors.extend(_strict_errors(subschema, pointer))
        errors.extend(_field_number_errors(subschema, pointer, via))
        errors.extend(_data_type_errors(subschema, pointer))
        errors.extend(_pattern_errors(subschema, pointer))
    return errors


def codec_shape_errors(schema: Mapping[str, Any]) -> list[str]:
    """What Klayr's codec rejects when it first compiles ``schema`` (``Codec.addSchema``).

    Objects need ``properties`` whose entries all carry a ``fieldNumber``; arrays need ``items``.
    Only the object/array tree the codec walks is checked, as in Klayr.
    """
    errors: list[str] = []
    _codec_object_errors(schema, "#", errors)
    return errors


def _codec_object_errors(schema: Mapping[str, Any], pointer: str, errors: list[str]) -> None:
    if schema.get("type") != "object":
        return
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        errors.append(f'Invalid schema. Missing "properties" property at "{pointer}"')
        return
    for name, prop in properties.items():
        where = _child(_child(pointer, "properties"), name)
        if not isinstance(prop, Mapping) or "fieldNumber" not in prop:
            errors.append(f'Invalid schema. Missing "fieldNumber" in properties at "{where}"')
            continue
        if prop.get("type") == "object":
            _codec_object_errors(prop, where, errors)
        elif prop.get("type") == "array":
            items = prop.get("items")
            if items is None:
                errors.append(
                    f'Invalid schema. Missing "items" property for Array schema at "{where}"'
                )
            elif isinstance(items, Mapping):
                _codec_object_errors(items, _child(where, "items"), errors)
