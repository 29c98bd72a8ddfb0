"""Values that Klayr's validator accepts for a schema, built keyword by keyword.

Keywords read here steer generation directly; any other keyword of a (sub)schema (``not``,
``allOf``, ``if`` ...) is honoured by filtering that sub-schema's values through the validator.
"""

from __future__ import annotations

import copy
import math
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from klayr_py.validator import compile_schema
from klayr_py.validator.constants import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
)

from ._formats import format_strings

Schema = Mapping[str, Any]

DEFAULT_MAX_LENGTH = 16
"""Extra characters (strings) or bytes beyond ``minLength`` when a schema sets no ``maxLength``."""
DEFAULT_MAX_ITEMS = 4
"""Extra items beyond ``minItems`` when an array schema sets no ``maxItems``."""
JS_MAX_SAFE_INTEGER = 2**53 - 1

INT_RANGES: dict[str, tuple[int, int]] = {
    "uint32": (0, MAX_UINT32),
    "sint32": (MIN_SINT32, MAX_SINT32),
    "uint64": (0, MAX_UINT64),
    "sint64": (MIN_SINT64, MAX_SINT64),
}
_FORMAT_RANGES = {"uint32": (0, MAX_UINT32), "int32": (-(2**31), 2**31 - 1)}

_STEERING = frozenset(
    {
        "$id", "$schema", "$comment", "title", "description", "default", "examples",
        "type", "dataType", "fieldNumber", "nullable", "properties", "required",
        "additionalProperties", "items", "minItems", "maxItems", "uniqueItems",
        "uniqueSignedPublicKeys", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format", "enum", "const",
        "allOf", "anyOf", "oneOf",
    }
)  # fmt: skip
"""Keywords generation honours without asking the validator (pattern is filtered, see below)."""


def accepts(schema: Schema) -> Callable[[Any], bool]:
    """The validator's verdict for ``schema`` (a sub-schema's own ``fieldNumber`` dropped)."""
    standalone = {key: value for key, value in schema.items() if key != "fieldNumber"}
    return compile_schema(standalone).is_valid


def is_codec_object(schema: Schema) -> bool:
    """Whether an object schema's properties carry field numbers (so the codec needs them all)."""
    properties = schema.get("properties", {})
    return any(isinstance(prop, Mapping) and "fieldNumber" in prop for prop in properties.values())


def js_key(value: Any) -> Any:
    """A hashable key equal for values JavaScript's deep equality (Ajv's uniqueItems) equates."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, Mapping):
        return ("object", frozenset((key, js_key(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("array", tuple(js_key(item) for item in value))
    return (type(value).__name__, value)


def valid_values(schema: Schema) -> st.SearchStrategy[Any]:
    """Values ``klayr_py.validator.validate(schema, value)`` accepts."""
    strategy = _steered(schema)
    if "pattern" in schema or any(key not in _STEERING and key != "pattern" for key in schema):
        strategy = strategy.filter(accepts(schema))
    return strategy


def _steered(schema: Schema) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"]).map(copy.deepcopy).filter(accepts(schema))
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"])).map(copy.deepcopy).filter(accepts(schema))
    if "allOf" in schema:  # draw from the branches' keywords merged, then let the validator judge
        merged = {key: value for key, value in schema.items() if key != "allOf"}
        for branch in schema["allOf"]:
            merged.update(branch)
        return valid_values(merged).filter(accepts(schema))
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            rest = {key: value for key, value in schema.items() if key != keyword}
            branches = [valid_values({**rest, **branch}) for branch in schema[keyword]]
            return st.one_of(branches).filter(accepts(schema))
    strategy = _typed(schema)
    if schema.get("nullable") is True:
        strategy = st.one_of(st.none(), strategy)
    return strategy


def _typed(schema: Schema) -> st.SearchStrategy[Any]:
    data_type = schema.get("dataType")
    if data_type is not None:
        return _data_type(schema, data_type)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_typed({**schema, "type": name}) for name in kind])
    makers: dict[Any, Callable[[Schema], st.SearchStrategy[Any]]] = {
        "object": _object,
        "array": _array,
        "string": _string,
        "integer": lambda s: _integers(s, None),
        "number": _numbers,
        "boolean": lambda _s: st.booleans(),
        "null": lambda _s: st.none(),
    }
    if kind in makers:
        return makers[kind](schema)
    if kind is None:  # no type at all: a few JSON scalars
        return st.one_of(st.none(), st.booleans(), st.integers(-100, 100), st.text(max_size=8))
    raise InvalidArgument(f"unknown type {kind!r}")


def _data_type(schema: Schema, data_type: str) -> st.SearchStrategy[Any]:
    if data_type in INT_RANGES:
        return _integers(schema, INT_RANGES[data_type])
    if data_type == "boolean":
        return st.booleans()
    if data_type == "string":
        return _string(schema)
    if data_type == "bytes":
        low, high = _length_bounds(schema)
        if schema.get("format") == "klayr32":
            if not low <= 20 <= (20 if high is None else high):
                raise InvalidArgument(f"klayr32 needs 20 bytes, schema allows {low}..{high}")
            low = high = 20
        return st.binary(min_size=low, max_size=low + DEFAULT_MAX_LENGTH if high is None else high)
    raise InvalidArgument(f"unknown dataType {data_type!r}")


def _length_bounds(schema: Schema) -> tuple[int, int | None]:
    """``minLength`` and ``maxLength`` (None when the schema sets none)."""
    low = math.ceil(schema.get("minLength", 0))
    high = schema.get("maxLength")
    if high is not None and low > high:
        raise InvalidArgument(f"minLength {low} exceeds maxLength {high}")
    return low, None if high is None else math.floor(high)


def _integers(schema: Schema, data_range: tuple[int, int] | None) -> st.SearchStrategy[int]:
    low, high = data_range or (-JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER)
    if schema.get("dataType") not in ("uint64", "sint64"):  # number formats skip BigInts
        format_low, format_high = _FORMAT_RANGES.get(schema.get("format", ""), (low, high))
        low, high = max(low, format_low), min(high, format_high)
    # Ajv skips number keywords on 64-bit dataTypes; honouring them anyway still draws valid values.
    if "minimum" in schema:
        low = max(low, math.ceil(schema["minimum"]))
    if "exclusiveMinimum" in schema:
        low = max(low, math.floor(schema["exclusiveMinimum"]) + 1)
    if "maximum" in schema:
        high = min(high, math.floor(schema["maximum"]))
    if "exclusiveMaximum" in schema:
        high = min(high, math.ceil(schema["exclusiveMaximum"]) - 1)
    if low > high:
        raise InvalidArgument(f"no integer in {low}..{high}")
    divisor = schema.get("multipleOf")
    if isinstance(divisor, int) and not isinstance(divisor, bool) and divisor > 0:
        first, last = -(-low // divisor), high // divisor
        if first > last:
            raise InvalidArgument(f"no multiple of {divisor} in {low}..{high}")
        return st.integers(first, last).map(lambda k: k * divisor)
    return st.integers(low, high)


def _numbers(schema: Schema) -> st.SearchStrategy[Any]:
    floats = st.floats(
        min_value=schema.get("minimum", schema.get("exclusiveMinimum")),
        max_value=schema.get("maximum", schema.get("exclusiveMaximum")),
        exclude_min="exclusiveMinimum" in schema and "minimum" not in schema,
        exclude_max="exclusiveMaximum" in schema and "maximum" not in schema,
        allow_nan=False,
        allow_infinity=False,
    )
    strategy = st.one_of(_integers(schema, None), floats)
    return strategy.filter(accepts(schema)) if "multipleOf" in schema else strategy


def _string(schema: Schema) -> st.SearchStrategy[str]:
    low, high = _length_bounds(schema)
    if "format" in schema:  # formats bring their own lengths (a klayr32 address has 41)
        return format_strings(schema["format"], low, high)
    if "pattern" in schema:
        from klayr_py.validator.js_regex import compile_js_pattern

        return st.from_regex(compile_js_pattern(schema["pattern"])).filter(
            lambda text: low <= len(text) and (high is None or len(text) <= high)
        )
    return nfc_text(low, low + DEFAULT_MAX_LENGTH if high is None else high)


_CHARACTERS = st.characters(exclude_categories=["Cs"])  # lone surrogates are not UTF-8


@st.composite
def nfc_text(draw: st.DrawFn, min_length: int, max_length: int) -> str:
    """Text in Unicode normal form C (what the codec writes) of min..max characters."""
    raw = st.text(_CHARACTERS, min_size=min_length, max_size=max_length)
    text = unicodedata.normalize("NFC", draw(raw))
    while len(text) > max_length:  # a few characters grow under NFC (U+0958 becomes two)
        text = unicodedata.normalize("NFC", text[:-1])
    return text + "a" * (min_length - len(text))  # "a" never composes with what precedes it


def _object(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    # The codec writes and reads every property, so codec objects always carry all of them.
    everything = is_codec_object(schema)
    fixed = {name: valid_values(prop) for name, prop in properties.items()
             if everything or name in required}  # fmt: skip
    optional = {name: valid_values(prop) for name, prop in properties.items() if name not in fixed}
    return st.fixed_dictionaries(fixed, optional=optional)


def _array(schema: Schema) -> st.SearchStrategy[list[Any]]:
    items = schema.get("items", {})
    if isinstance(items, list):  # a tuple: Ajv's strict mode pins its length
        return st.tuples(*(valid_values(item) for item in items)).map(list)
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    high = low + DEFAULT_MAX_ITEMS if high is None else int(high)
    element = valid_values(items)
    if schema.get("uniqueSignedPublicKeys") is True:
        return st.lists(element, min_size=low, max_size=high, unique_by=_unsigned_key)
    if schema.get("uniqueItems") is True:
        return st.lists(element, min_size=low, max_size=high, unique_by=js_key)
    return st.lists(element, min_size=low, max_size=high)


def _unsigned_key(key: Any) -> Any:
    """What uniqueSignedPublicKeys compares: a string without its first (sign) character."""
    return key[1:] if isinstance(key, str) else js_key(key)
