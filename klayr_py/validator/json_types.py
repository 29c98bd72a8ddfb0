"""JSON Schema ``type`` names over Python-native values.

Klayr validates JavaScript values, where a boolean is never a number and NaN/Infinity are
rejected (Ajv's ``strictNumbers``). Decoded Klayr values are Python ``int``/``bytes``/``str``/
``bool``/``dict``/``list``; ``bytes`` has no JSON type and is checked only by ``dataType: bytes``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft7Validator

from .constants import MAX_SINT32, MAX_SINT64, MAX_UINT32, MAX_UINT64, MIN_SINT32, MIN_SINT64


def is_number(value: Any) -> bool:
    """True for a finite int or float that is not a bool (JavaScript's ``typeof 'number'``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def is_integer(value: Any) -> bool:
    """True for a number without a fractional part (``1.0`` is an integer, as in JavaScript)."""
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    """True for a Python ``int`` that is not a bool: the only form of Klayr's integer data types."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_array(value: Any) -> bool:
    """True for a list or tuple (decoded Klayr arrays are lists; callers may build tuples)."""
    return isinstance(value, list | tuple)


def is_object(value: Any) -> bool:
    """True for a mapping with string keys, the Python form of a JSON object."""
    return isinstance(value, Mapping)


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": is_integer,
    "number": is_number,
    "string": lambda value: isinstance(value, str),
    "array": is_array,
    "object": is_object,
}


def _type_check(check: Callable[[Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda _checker, value: check(value)


TYPE_CHECKER = Draft7Validator.TYPE_CHECKER.redefine_many(
    {name: _type_check(check) for name, check in _CHECKS.items()}
)

# dataType -> predicate over a Python value; bytes has extra length rules in keywords.data_type.
DATA_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "boolean": lambda value: isinstance(value, bool),
    "string": lambda value: isinstance(value, str),
    "bytes": lambda value: isinstance(value, bytes),
    "uint32": lambda value: is_int(value) and 0 <= value <= MAX_UINT32,
    "sint32": lambda value: is_int(value) and MIN_SINT32 <= value <= MAX_SINT32,
    "uint64": lambda value: is_int(value) and 0 <= value <= MAX_UINT64,
    "sint64": lambda value: is_int(value) and MIN_SINT64 <= value <= MAX_SINT64,
}

# Klayr holds these as BigInt, which Ajv's number keywords (minimum, multipleOf, numeric
# formats ...) silently skip; we skip them too so the same schemas accept the same values.
BIGINT_DATA_TYPES = frozenset({"uint64", "sint64"})
