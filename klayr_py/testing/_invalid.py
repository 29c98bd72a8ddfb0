"""Values Klayr's validator rejects for a schema: a valid value with exactly one defect planted.

Every JSON-schema keyword constrains values on its own (a value failing one keyword fails the
schema, whatever ``anyOf`` or ``not`` add), so a defect against one keyword of one sub-schema,
planted where ``properties`` or ``items`` applies that sub-schema, is always rejected. The one
keyword that widens another is ``patternProperties`` (it admits extra properties), so no extra
property is planted beside it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from klayr_py.validator import FORMATS
from klayr_py.validator.json_types import (
    DATA_TYPE_CHECKS,
    is_array,
    is_integer,
    is_number,
    is_object,
)

from ._valid import INT_RANGES, Schema, accepts, js_key, valid_values


@dataclass(frozen=True)
class InvalidValue:
    """A value the schema rejects, where its defect is (Klayr's path style) and what it is."""

    value: Any
    path: str
    """Where the defect is planted: ``''`` for the value itself, ``'.a.0.b'`` below it."""
    defect: str
    """What is wrong, such as ``wrong type``, ``above maximum`` or ``missing property 'x'``."""


Defects = list[st.SearchStrategy[InvalidValue]]

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": is_integer,
    "number": is_number,
    "string": lambda value: isinstance(value, str),
    "array": is_array,
    "object": is_object,
}
# One of each kind the validator tells apart; a schema's wrong types are those it rejects.
_SAMPLES: tuple[Any, ...] = (None, True, 0, -1, 1.5, "", "1", b"", b"\x01", [], {}, [0], {"a": 1})
_FORMAT_PROBES = ("", " ", "(", "!", "zz", "0x", "\x00", "-1", "kly", "a" * 70)


def invalid_values(schema: Schema) -> st.SearchStrategy[InvalidValue]:
    """Tagged values ``klayr_py.validator.validate(schema, value)`` rejects."""
    defects = _defects(schema)
    if not defects:
        raise InvalidArgument("the schema accepts every value: there is nothing invalid to draw")
    return st.one_of(defects)


def _tag(values: st.SearchStrategy[Any], defect: str) -> st.SearchStrategy[InvalidValue]:
    return values.map(lambda value: InvalidValue(value, "", defect))


def _defects(schema: Schema) -> Defects:
    found = _wrong_types(schema)
    found += _number_defects(schema)
    found += _length_defects(schema)
    found += _text_defects(schema)
    if "enum" in schema or "const" in schema:
        found.append(_not_allowed(schema))
    found += _object_defects(schema)
    found += _array_defects(schema)
    found += _composite_defects(schema)
    return found


_COMPOSITE = ("allOf", "anyOf", "oneOf", "not", "if", "dependencies", "propertyNames", "contains")


def _composite_defects(schema: Schema) -> Defects:
    """Values failing a composite keyword, found by asking the validator."""
    keywords = [keyword for keyword in _COMPOSITE if keyword in schema]
    if not keywords:
        return []
    passes = accepts(schema)
    plain = {key: value for key, value in schema.items() if key not in _COMPOSITE}
    candidates = st.one_of(st.sampled_from(_SAMPLES).map(copy.deepcopy), valid_values(plain))
    failing = candidates.filter(lambda value: not passes(value))
    return [_tag(failing, f"fails {'/'.join(keywords)}")]


def _wrong_types(schema: Schema) -> Defects:
    data_type = schema.get("dataType")
    if data_type in DATA_TYPE_CHECKS:
        fits = DATA_TYPE_CHECKS[data_type]
    elif "type" in schema:
        names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
        checks = [_TYPE_CHECKS[name] for name in names if name in _TYPE_CHECKS]
        fits = lambda value: any(check(value) for check in checks)  # noqa: E731
    else:
        return []
    nullable = schema.get("nullable") is True
    wrong = [v for v in _SAMPLES if not fits(v) and not (nullable and v is None)]
    return [_tag(st.sampled_from(wrong).map(copy.deepcopy), "wrong type")] if wrong else []


def _number_defects(schema: Schema) -> Defects:
    found: Defects = []
    data_type = schema.get("dataType")
    if data_type in INT_RANGES:
        low, high = INT_RANGES[data_type]
        found.append(_tag(st.integers(max_value=low - 1), f"below {data_type} range"))
        found.append(_tag(st.integers(min_value=high + 1), f"above {data_type} range"))
    if data_type in ("uint64", "sint64"):
        return found  # Klayr's validator skips number keywords on BigInts: nothing more to break
    limits: list[tuple[str, st.SearchStrategy[int]]] = []
    if "minimum" in schema:
        limits.append(("below minimum", st.integers(max_value=math.ceil(schema["minimum"]) - 1)))
    if "exclusiveMinimum" in schema:
        limit = math.floor(schema["exclusiveMinimum"])
        limits.append(("not above exclusiveMinimum", st.integers(max_value=limit)))
    if "maximum" in schema:
        limits.append(("above maximum", st.integers(min_value=math.floor(schema["maximum"]) + 1)))
    if "exclusiveMaximum" in schema:
        limit = math.ceil(schema["exclusiveMaximum"])
        limits.append(("not below exclusiveMaximum", st.integers(min_value=limit)))
    divisor = schema.get("multipleOf")
    if isinstance(divisor, int) and not isinstance(divisor, bool) and divisor > 1:
        off = st.integers(-(2**31) // divisor, (2**31 - 1) // divisor).map(
            lambda k: k * divisor + 1
        )
        limits.append(("not a multiple", off))
    fmt = FORMATS.get(schema.get("format", ""))
    if fmt is not None and fmt.numeric and fmt.name in ("uint32", "int32"):
        outside = st.integers(min_value=2**32) if fmt.name == "uint32" else st.integers(2**31)
        limits.append((f"not format {fmt.name!r}", st.one_of(outside, st.just(1.5))))
    found += [_tag(values, defect) for defect, values in limits]
    return found


def _length_defects(schema: Schema) -> Defects:
    found: Defects = []
    binary = schema.get("dataType") == "bytes"
    make: Callable[..., st.SearchStrategy[Any]] = st.binary if binary else st.text
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if low > 0:
        found.append(_tag(make(max_size=math.ceil(low) - 1), "shorter than minLength"))
    if high is not None:
        start = math.floor(high) + 1
        found.append(_tag(make(min_size=start, max_size=start + 4), "longer than maxLength"))
    if binary and schema.get("format") == "klayr32":
        lengths = st.integers(0, 40).filter(lambda n: n != 20)
        found.append(_tag(lengths.flatmap(lambda n: st.binary(min_size=n, max_size=n)),
                          "klayr32 address not 20 bytes"))  # fmt: skip
    return found


def _text_defects(schema: Schema) -> Defects:
    found: Defects = []
    fmt = FORMATS.get(schema.get("format", ""))
    if fmt is not None and not fmt.numeric and schema.get("dataType") != "bytes":
        probes = [probe for probe in _FORMAT_PROBES if not fmt.check(probe)]
        if probes:  # standard formats jsonschema cannot check (missing extra) accept anything
            mutated = st.text(max_size=12).filter(lambda text: not fmt.check(text))
            found.append(
                _tag(st.one_of(st.sampled_from(probes), mutated), f"not format {fmt.name!r}")
            )
    if "pattern" in schema:
        from klayr_py.validator.js_regex import compile_js_pattern

        regex = compile_js_pattern(schema["pattern"])
        probes = [probe for probe in _FORMAT_PROBES if regex.search(probe) is None]
        if probes:
            mutated = st.text(max_size=12).filter(lambda text: regex.search(text) is None)
            found.append(_tag(st.one_of(st.sampled_from(probes), mutated), "pattern mismatch"))
    return found


def _not_allowed(schema: Schema) -> st.SearchStrategy[InvalidValue]:
    allowed = list(schema["enum"]) if "enum" in schema else [schema["const"]]
    keys = {js_key(value) for value in allowed}
    loose = {key: value for key, value in schema.items() if key not in ("enum", "const")}
    candidates = st.one_of(st.sampled_from(_SAMPLES).map(copy.deepcopy), valid_values(loose))
    return _tag(candidates.filter(lambda value: js_key(value) not in keys), "not an allowed value")


def _object_defects(schema: Schema) -> Defects:
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties and "required" not in schema and "additionalProperties" not in schema:
        return []
    base = valid_values(schema)
    found = [_missing(base, name) for name in schema.get("required", ())]
    if schema.get("additionalProperties") is False and "patternProperties" not in schema:
        extra = st.from_regex(r"[a-z][a-zA-Z0-9]{0,7}", fullmatch=True).filter(
            lambda name: name not in properties
        )
        found.append(
            st.tuples(base, extra, st.sampled_from(_SAMPLES)).map(
                lambda t: InvalidValue({**t[0], t[1]: t[2]}, "", f"extra property {t[1]!r}")
            )
        )
    for name, prop in properties.items():
        found += [_planted(base, inner, name) for inner in _defects(prop)]
    return found


def _missing(base: st.SearchStrategy[Any], name: str) -> st.SearchStrategy[InvalidValue]:
    def drop(value: dict[str, Any]) -> InvalidValue:
        kept = {key: item for key, item in value.items() if key != name}
        return InvalidValue(kept, "", f"missing property {name!r}")

    return base.map(drop)


def _planted(
    base: st.SearchStrategy[Any], inner: st.SearchStrategy[InvalidValue], name: str
) -> st.SearchStrategy[InvalidValue]:
    def plant(pair: tuple[dict[str, Any], InvalidValue]) -> InvalidValue:
        value, bad = pair
        return InvalidValue({**value, name: bad.value}, f".{name}{bad.path}", bad.defect)

    return st.tuples(base, inner).map(plant)


def _array_defects(schema: Schema) -> Defects:
    items = schema.get("items")
    if not isinstance(items, Mapping):
        return []
    element = valid_values(items)
    found: Defects = []
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    if low > 0:
        found.append(_tag(st.lists(element, max_size=low - 1), "fewer than minItems"))
    if high is not None:
        found.append(_tag(st.lists(element, min_size=high + 1, max_size=high + 3),
                          "more than maxItems"))  # fmt: skip
    base = valid_values(schema)
    if schema.get("uniqueItems") is True or schema.get("uniqueSignedPublicKeys") is True:
        twice = st.tuples(base, element).map(lambda t: [*t[0], t[1], copy.deepcopy(t[1])])
        found.append(_tag(twice, "duplicate items"))
    for inner in _defects(items):
        found.append(st.tuples(base, inner, st.integers(0, 2**16)).map(lambda t: _insert(*t)))
    return found


def _insert(value: list[Any], inner: InvalidValue, where: int) -> InvalidValue:
    index = where % (len(value) + 1)
    planted = [*value[:index], inner.value, *value[index:]]
    return InvalidValue(planted, f".{index}{inner.path}", inner.defect)
