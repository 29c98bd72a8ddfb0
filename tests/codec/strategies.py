"""Hypothesis strategies for Klayr schemas and values that fit them."""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import strategies as st

from klayr_py.codec.varint import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
)

SCALARS = ["uint32", "sint32", "uint64", "sint64", "string", "bytes", "boolean"]
_INT_BOUNDS = {
    "uint32": (0, MAX_UINT32),
    "sint32": (MIN_SINT32, MAX_SINT32),
    "uint64": (0, MAX_UINT64),
    "sint64": (MIN_SINT64, MAX_SINT64),
}

# Mostly one-byte keys, some two- and three-byte ones (field numbers from 16 and 2048 up).
field_numbers = st.one_of(st.integers(1, 15), st.integers(16, 2047), st.integers(2048, 18999))
names = st.from_regex(r"[a-z][a-zA-Z0-9]{0,7}", fullmatch=True)


@st.composite
def object_schemas(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """An object schema (without $id) of up to 5 properties, nesting to ``depth``."""
    count = draw(st.integers(0, 5))
    prop_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    numbers = draw(st.lists(field_numbers, min_size=count, max_size=count, unique=True))
    properties: dict[str, Any] = {}
    for name, number in zip(prop_names, numbers, strict=True):
        kinds = ["scalar", "scalar_array"] + (["object", "object_array"] if depth > 0 else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "scalar":
            properties[name] = {"dataType": draw(st.sampled_from(SCALARS)), "fieldNumber": number}
        elif kind == "scalar_array":
            properties[name] = {
                "type": "array",
                "fieldNumber": number,
                "items": {"dataType": draw(st.sampled_from(SCALARS))},
            }
        elif kind == "object":
            properties[name] = {**draw(object_schemas(depth - 1)), "fieldNumber": number}
        else:
            properties[name] = {
                "type": "array",
                "fieldNumber": number,
                "items": draw(object_schemas(depth - 1)),
            }
    return {"type": "object", "properties": properties}


@st.composite
def root_schemas(draw: st.DrawFn) -> dict[str, Any]:
    """A root schema with a unique $id."""
    schema = draw(object_schemas())
    return {"$id": f"/test/{draw(st.uuids()).hex}", **schema}


def nfc_text() -> st.SearchStrategy[str]:
    """Text in Unicode normal form C, as klayr-codec writes it."""
    return st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).map(
        lambda s: unicodedata.normalize("NFC", s)
    )


def scalar_values(data_type: str) -> st.SearchStrategy[Any]:
    """Valid values of one Klayr data type, boundaries included."""
    if data_type in _INT_BOUNDS:
        low, high = _INT_BOUNDS[data_type]
        return st.one_of(
            st.integers(low, high), st.sampled_from([low, high, max(low, 0), 127, 128])
        )
    if data_type == "boolean":
        return st.booleans()
    if data_type == "bytes":
        return st.binary(max_size=40)
    return nfc_text()


def values_for(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Values fitting an object ``schema``, every property present."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, prop in schema["properties"].items():
        if prop.get("type") == "object":
            fields[name] = values_for(prop)
        elif prop.get("type") == "array":
            items = prop["items"]
            element = (
                values_for(items)
                if items.get("type") == "object"
                else scalar_values(items["dataType"])
            )
            fields[name] = st.lists(element, max_size=4)
        else:
            fields[name] = scalar_values(prop["dataType"])
    return st.fixed_dictionaries(fields)


@st.composite
def schemas_and_values(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A root schema and a value for it."""
    schema = draw(root_schemas())
    return schema, draw(values_for(schema))
