"""Generated schemas for the strategy tests: codec schemas and JSON-form schemas with constraints.

Adapted from tests/codec/strategies.py, adding the keywords module authors write: lengths, ranges,
item counts, formats, enums, required subsets and ``additionalProperties: false``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.codec.strategies import field_numbers

# A fixed pool keeps schema drawing cheap (from_regex names cost more than the test itself).
names = st.sampled_from(["a", "b", "id", "nonce", "amount", "recipientAddress", "tokenID",
                         "data", "keys", "x1", "fee", "message"])  # fmt: skip

INTEGER_TYPES = ["uint32", "sint32", "uint64", "sint64"]
STRING_FORMATS = [
    "hex", "klayr32", "uint64", "int64", "camelCase", "version", "networkVersion",
    "path", "encryptedPassphrase", "ip", "ipOrFQDN", "oddInteger", "uuid", "date",
]  # fmt: skip


@st.composite
def _lengths(draw: st.DrawFn, limit: int = 12) -> dict[str, int]:
    bounds: dict[str, int] = {}
    low = draw(st.integers(0, limit))
    if draw(st.booleans()):
        bounds["minLength"] = low
    if draw(st.booleans()):
        bounds["maxLength"] = draw(st.integers(low, low + limit))
    return bounds


@st.composite
def _range(draw: st.DrawFn, low: int, high: int) -> dict[str, int]:
    bounds: dict[str, int] = {}
    if draw(st.booleans()):
        bounds["minimum"] = low = draw(st.integers(low, high))
    if draw(st.booleans()):
        bounds["maximum"] = draw(st.integers(low, high))
    return bounds


@st.composite
def scalar_schemas(draw: st.DrawFn) -> dict[str, Any]:
    """A codec scalar (``dataType``) with keywords that fit it."""
    data_type = draw(st.sampled_from([*INTEGER_TYPES, "string", "bytes", "boolean"]))
    schema: dict[str, Any] = {"dataType": data_type}
    if data_type in ("uint32", "sint32"):
        low, high = (0, 2**32 - 1) if data_type == "uint32" else (-(2**31), 2**31 - 1)
        schema.update(draw(_range(low, high)))
        if draw(st.integers(0, 5)) == 0:
            schema["enum"] = draw(st.lists(st.integers(low, high), min_size=1, max_size=3))
    elif data_type in ("uint64", "sint64") and draw(st.integers(0, 3)) == 0:
        schema.update(draw(_range(0, 2**40)))  # the validator ignores these on 64-bit values
    elif data_type == "string":
        kind = draw(st.sampled_from(["plain", "format", "enum"]))
        if kind == "format":
            schema["format"] = draw(st.sampled_from(STRING_FORMATS))
            if schema["format"] == "hex":
                schema.update(draw(_lengths()))
        elif kind == "enum":
            schema["enum"] = draw(st.lists(st.text(max_size=4), min_size=1, max_size=3))
        else:
            schema.update(draw(_lengths()))
    elif data_type == "bytes":
        if draw(st.integers(0, 3)) == 0:
            schema["format"] = "klayr32"
        else:
            schema.update(draw(_lengths(40)))
    return schema


@st.composite
def codec_object_schemas(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """An object schema (without $id) of up to 5 properties, nesting to ``depth``."""
    count = draw(st.integers(0, 5))
    prop_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    numbers = draw(st.lists(field_numbers, min_size=count, max_size=count, unique=True))
    properties: dict[str, Any] = {}
    for name, number in zip(prop_names, numbers, strict=True):
        kinds = ["scalar", "scalar_array"] + (["object", "object_array"] if depth > 0 else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "scalar":
            prop = draw(scalar_schemas())
        elif kind == "object":
            prop = draw(codec_object_schemas(depth - 1))
        else:
            items = draw(scalar_schemas() if kind == "scalar_array" else codec_object_schemas(0))
            prop = {"type": "array", "items": items, **draw(_item_counts())}
        properties[name] = {**prop, "fieldNumber": number}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    schema["required"] = draw(st.lists(st.sampled_from(prop_names), unique=True)) if count else []
    return schema  # Klayr's meta-schema has no additionalProperties on codec objects


@st.composite
def _item_counts(draw: st.DrawFn) -> dict[str, int]:
    counts: dict[str, int] = {}
    low = draw(st.integers(0, 3))
    if draw(st.booleans()):
        counts["minItems"] = low
    if draw(st.booleans()):
        counts["maxItems"] = draw(st.integers(max(low, 1), low + 3))
    return counts


@st.composite
def codec_schemas(draw: st.DrawFn) -> dict[str, Any]:
    """A root codec schema with a unique $id."""
    return {"$id": f"/testing/{draw(st.uuids()).hex}", **draw(codec_object_schemas())}


@st.composite
def json_schemas(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """A JSON-form schema (``type``/``format``), as for configs and endpoint requests."""
    kinds = ["string", "integer", "number", "boolean"] + (["object", "array"] if depth else [])
    kind = draw(st.sampled_from(kinds))
    schema: dict[str, Any] = {"type": kind}
    if kind == "string":
        if draw(st.booleans()):
            schema["format"] = draw(st.sampled_from(STRING_FORMATS))
        else:
            schema.update(draw(_lengths()))
    elif kind == "integer":
        if draw(st.booleans()):
            schema["format"] = draw(st.sampled_from(["uint32", "int32"]))
        low = 0 if schema.get("format") == "uint32" else -(2**31)
        schema.update(draw(_range(low, 2**31 - 1)))
    elif kind == "number":
        schema.update(draw(_range(-1000, 1000)))
    elif kind == "array":
        schema["items"] = draw(json_schemas(depth - 1))
        schema.update(draw(_item_counts()))
        if draw(st.booleans()) and schema["items"] in ({"type": "string"}, {"type": "integer"}):
            schema["uniqueItems"] = True
    elif kind == "object":
        prop_names = draw(st.lists(names, max_size=4, unique=True))
        schema["properties"] = {name: draw(json_schemas(depth - 1)) for name in prop_names}
        schema["required"] = (
            draw(st.lists(st.sampled_from(prop_names), unique=True)) if prop_names else []
        )
        if draw(st.booleans()):
            schema["additionalProperties"] = False
    return schema
