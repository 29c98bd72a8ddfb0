"""Seeded random (schema, value) pairs for the differential test against Klayr's validator.

Values are drawn from the schema (with frequent wrong-typed or out-of-range picks) so that no value
depends on a difference of representation: Klayr's 64-bit integers are BigInt and its bytes are
Buffer (a JavaScript object), while in Python both are plain ``int`` and ``bytes``. So 64-bit
dataType positions get only tagged BigInts or non-numbers, and tagged values appear nowhere else.
"""

from __future__ import annotations

import random
from typing import Any

from .cases import big, raw

_NAMES = ["a", "b", "c"]
_FORMATS = ["hex", "uint64", "int64", "camelCase", "version", "ip", "path", "uint32"]
_PATTERNS = ["^[a-z]+$", "b", "^.$", "[0-9]"]
_SCALARS = [None, True, False, 0, 1, -1, 2, 3, 2**31, 2**32, 1.5, "", "a", "ab", "abc", "0a", "B",
            "1", "1.0.0", "::1", "/x", "a\n", "18446744073709551616"]  # fmt: skip
_NON_NUMBERS = [None, True, "1", "", raw("00")]
_DATA_TYPE_VALUES: dict[str, list[Any]] = {
    "uint32": [0, 1, 2**32 - 1, 2**32, -1, *_NON_NUMBERS],
    "sint32": [0, -(2**31), 2**31 - 1, 2**31, -(2**31) - 1, *_NON_NUMBERS],
    "uint64": [big(0), big(2**64 - 1), big(2**64), big(-1), *_NON_NUMBERS],
    "sint64": [big(-(2**63)), big(2**63 - 1), big(2**63), *_NON_NUMBERS],
    "string": ["", "a", "abc", 1, raw("00"), None],
    "bytes": [raw(""), raw("00"), raw("0000"), raw("00" * 20), raw("00" * 21), "00", 1],
    "boolean": [True, False, 0, "true", None],
}


def _plain(rng: random.Random) -> Any:
    """A JSON scalar or an empty container: safe in any position."""
    return rng.choice([*_SCALARS, [], {}])


def random_value(rng: random.Random, schema: Any) -> Any:
    """A value shaped by ``schema`` about three times in four, otherwise a plain JSON value."""
    if not isinstance(schema, dict):
        return _plain(rng)
    if "dataType" in schema:
        return rng.choice(_DATA_TYPE_VALUES[schema["dataType"]])
    if rng.random() < 0.25:
        return _plain(rng)
    if schema.get("type") == "array":
        return [random_value(rng, schema.get("items")) for _ in range(rng.randrange(4))]
    if schema.get("type") == "object":
        properties = schema.get("properties", {})
        value = {
            name: random_value(rng, sub) for name, sub in properties.items() if rng.random() < 0.8
        }
        if rng.random() < 0.2:
            value["x"] = _plain(rng)
        return value
    return _plain(rng)


def random_schema(rng: random.Random, depth: int = 0, data_types: bool = True) -> dict[str, Any]:
    """A schema Klayr's strict Ajv usually compiles: a few keywords of one or two JSON types.

    dataType stays out of anyOf/oneOf/allOf/not, where a value drawn for one branch could meet
    another branch's ``type: integer`` and expose the BigInt/int difference.
    """
    kinds = ["string", "number", "integer", "array", "object", "any"]
    kind = rng.choice([*kinds, "dataType", "dataType"] if data_types else kinds)
    schema: dict[str, Any] = {}
    if kind == "dataType":
        data_type = rng.choice(sorted(_DATA_TYPE_VALUES))
        schema["dataType"] = data_type
        if data_type in ("bytes", "string") and rng.random() < 0.6:
            schema["minLength" if rng.random() < 0.5 else "maxLength"] = rng.randrange(3)
        if data_type == "bytes" and rng.random() < 0.3:
            schema["format"] = "klayr32"
        if data_type in ("uint64", "uint32") and rng.random() < 0.3:
            schema["minimum"] = 1
        return schema
    if kind != "any":
        schema["type"] = kind
    if kind == "string" or (kind == "any" and rng.random() < 0.3):
        for keyword in ("minLength", "maxLength"):
            if rng.random() < 0.4:
                schema[keyword] = rng.randrange(4)
        if rng.random() < 0.3:
            schema["pattern"] = rng.choice(_PATTERNS)
        if rng.random() < 0.3:
            schema["format"] = rng.choice(_FORMATS)
    if kind in ("number", "integer") or (kind == "any" and rng.random() < 0.3):
        for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if rng.random() < 0.3:
                schema[keyword] = rng.choice([0, 1, 2, 2**31])
        if rng.random() < 0.2:
            schema["multipleOf"] = rng.choice([2, 0.5])
        if rng.random() < 0.2:
            schema["format"] = rng.choice(["uint32", "int32"])
    if kind == "array" and depth < 2:
        if rng.random() < 0.7:
            schema["items"] = random_schema(rng, depth + 1, data_types)
        for keyword in ("minItems", "maxItems"):
            if rng.random() < 0.3:
                schema[keyword] = rng.randrange(3)
        if rng.random() < 0.3:
            schema["uniqueItems"] = True
    if kind == "object" and depth < 2:
        names = rng.sample(_NAMES, rng.randrange(1, 4))
        schema["properties"] = {name: random_schema(rng, depth + 1, data_types) for name in names}
        if rng.random() < 0.5:
            schema["required"] = rng.sample(names, rng.randrange(1, len(names) + 1))
        if rng.random() < 0.4:
            schema["additionalProperties"] = False
    if rng.random() < 0.15:
        schema["enum"] = rng.sample([0, 1, "a", None, True, [1]], 2)
    if rng.random() < 0.1:
        schema["const"] = rng.choice([1, "a", None])
    if depth < 2 and rng.random() < 0.15:
        keyword = rng.choice(["anyOf", "oneOf", "allOf"])
        schema[keyword] = [random_schema(rng, depth + 1, False) for _ in range(rng.randrange(1, 3))]
    if depth < 2 and rng.random() < 0.08:
        schema["not"] = random_schema(rng, depth + 1, False)
    return schema


def random_cases(count: int, seed: int) -> list[tuple[dict[str, Any], Any]]:
    """``count`` reproducible (schema, value) pairs."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        schema = random_schema(rng)
        cases.append((schema, random_value(rng, schema)))
    return cases
