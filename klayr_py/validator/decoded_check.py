"""A fast acceptance test for values the codec just decoded, before the full validator.

The codec already guarantees every ``dataType``, every property and no extra ones, so what is
left of a codec schema is a few bounds: lengths, item counts, minimum/maximum, and the 20-byte
length ``format: klayr32`` gives a bytes value in Klayr's ``dataType`` keyword. A schema that uses
only those compiles to a small checker; ``True`` means valid, ``False`` means "ask the full
validator", which then names every error. Schemas with any other keyword get no checker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_IGNORED = frozenset(
    {"$id", "$schema", "title", "description", "type", "fieldNumber", "dataType", "required"}
)
_BOUNDS = frozenset({"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum"})
_ADDRESS_LENGTH = 20


def compile_decoded_check(schema: Mapping[str, Any]) -> Check | None:
    """A checker for decoded values of ``schema``, or None if the schema needs the validator."""
    try:
        return _object(schema)
    except _Unsupported:
        return None


class _Unsupported(Exception):
    pass


def _object(schema: Mapping[str, Any]) -> Check:
    _only(schema, {"properties", "additionalProperties"})
    if schema.get("additionalProperties", False) not in (False, True):
        raise _Unsupported
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if any(name not in properties for name in required):
        raise _Unsupported  # the validator reports the impossible requirement
    checks = [(name, _property(prop)) for name, prop in properties.items()]
    if all(check is None for _, check in checks):
        return lambda value: True
    present: list[tuple[str, Check]] = [(name, check) for name, check in checks if check]
    return lambda value: all(check(value[name]) for name, check in present)


def _property(prop: Mapping[str, Any]) -> Check | None:
    kind = prop.get("type")
    if kind == "object":
        return _object(prop)
    if kind == "array":
        _only(prop, {"items"})
        items = prop.get("items", {})
        element = _object(items) if items.get("type") == "object" else _property(items)
        low, high = prop.get("minItems", 0), prop.get("maxItems")
        return lambda value: (
            low <= len(value)
            and (high is None or len(value) <= high)
            and (element is None or all(element(item) for item in value))
        )
    data_type = prop.get("dataType")
    # Klayr's dataType keyword gives one format a meaning on bytes: klayr32 means 20 bytes.
    # Any other format (on bytes or strings) is left to the full validator.
    if "format" in prop and (data_type != "bytes" or prop["format"] != "klayr32"):
        raise _Unsupported
    _only(prop, {"format"} if data_type == "bytes" else set())
    if data_type in ("string", "bytes"):
        low, high = prop.get("minLength", 0), prop.get("maxLength")
        if "format" in prop:
            return lambda value: len(value) == _ADDRESS_LENGTH and low <= len(value) and (
                high is None or len(value) <= high
            )
        if low == 0 and high is None:
            return None
        return lambda value: low <= len(value) and (high is None or len(value) <= high)
    if "minLength" in prop or "maxLength" in prop:
        raise _Unsupported
    if data_type in ("uint32", "sint32"):
        lowest, highest = prop.get("minimum"), prop.get("maximum")
        if lowest is None and highest is None:
            return None
        return lambda value: (
            (lowest is None or value >= lowest) and (highest is None or value <= highest)
        )
    if "minimum" in prop or "maximum" in prop:
        raise _Unsupported  # Klayr skips number keywords on 64-bit values; let the validator say
    return None


def _only(schema: Mapping[str, Any], extra: set[str]) -> None:
    for keyword in schema:
        if keyword not in _IGNORED and keyword not in _BOUNDS and keyword not in extra:
            raise _Unsupported
