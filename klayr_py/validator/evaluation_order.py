"""Reorder a schema's keywords into Ajv's evaluation order, so errors come out in Klayr's order.

jsonschema evaluates keywords in dict order; Ajv evaluates type-independent keywords first, then
number, string, array and object keywords. A ``type`` error is reported up front, unless the schema
has keywords for that type's group, in which case it is reported where that group would have run.
Reordering once when a schema is compiled costs nothing per validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .schema_rules import (
    SINGLE_SUBSCHEMA_KEYWORDS,
    SUBSCHEMA_LIST_KEYWORDS,
    SUBSCHEMA_MAP_KEYWORDS,
)

_UNTYPED = ("$ref", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if", "dataType")
_GROUPS: dict[str, tuple[str, ...]] = {
    "number": ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf",
               "format"),
    "string": ("maxLength", "minLength", "pattern", "format"),
    "array": ("maxItems", "minItems", "additionalItems", "items", "contains", "uniqueItems",
              "uniqueSignedPublicKeys"),
    "object": ("maxProperties", "minProperties", "required", "propertyNames",
               "additionalProperties", "dependencies", "properties", "patternProperties"),
}  # fmt: skip

_RANK: dict[str, float] = {}
_GROUP_END: dict[str, float] = {}
_position = 0
for _group, _keywords in (("untyped", _UNTYPED), *_GROUPS.items()):
    for _keyword in _keywords:
        # "format" sits in both the number and string groups; a value is never both, so its
        # string-group position (the later one) is right for strings and harmless for numbers.
        _RANK[_keyword] = _position
        _position += 1
    _GROUP_END[_group] = _position - 0.5
_UNRANKED = float(_position)


def _type_rank(schema: Mapping[str, Any]) -> float:
    declared = schema.get("type")
    group = _GROUPS.get(declared, ()) if isinstance(declared, str) else ()
    if any(keyword in schema for keyword in group):
        return _GROUP_END[str(declared)]
    return -1.0


_SUBSCHEMA_HOLDERS = frozenset(
    {*SINGLE_SUBSCHEMA_KEYWORDS, *SUBSCHEMA_LIST_KEYWORDS, *SUBSCHEMA_MAP_KEYWORDS, "items"}
)


def _ordered_subschemas(keyword: str, value: Any) -> Any:
    if isinstance(value, list):  # allOf/anyOf/oneOf, tuple-form items, dependency name lists
        return [ajv_ordered(branch) for branch in value]
    if keyword in SUBSCHEMA_MAP_KEYWORDS:
        if isinstance(value, Mapping):
            return {name: ajv_ordered(branch) for name, branch in value.items()}
        return value
    return ajv_ordered(value)


def ajv_ordered(schema: Any) -> Any:
    """A copy of ``schema`` whose (sub-)schemas list keywords in Ajv's evaluation order."""
    if not isinstance(schema, Mapping):
        return schema
    type_rank = _type_rank(schema)
    ordered: dict[str, Any] = {}
    for keyword in sorted(
        schema, key=lambda k: type_rank if k == "type" else _RANK.get(k, _UNRANKED)
    ):
        value = schema[keyword]
        if keyword in _SUBSCHEMA_HOLDERS:
            value = _ordered_subschemas(keyword, value)
        ordered[keyword] = value
    return ordered
