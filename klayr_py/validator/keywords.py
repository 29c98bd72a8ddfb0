"""Value keywords with Ajv's semantics and Ajv's messages, plus Klayr's ``dataType``.

Each function is a jsonschema keyword validator: ``(validator, keyword_value, instance, schema)``
yielding :class:`jsonschema.ValidationError` whose message is the text Ajv (as configured by Klayr)
would report, without the instance path; :mod:`.messages` adds the path. Keywords that descend into
sub-schemas live in :mod:`.applicators`; ``fieldNumber`` only matters when a schema is checked
(:mod:`.schema_rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError as JsonSchemaError

from .formats import FORMATS
from .js_regex import compile_js_pattern
from .json_types import BIGINT_DATA_TYPES, DATA_TYPE_CHECKS, is_array, is_number, is_object

Errors = Iterator[JsonSchemaError]
Keyword = Callable[[Any, Any, Any, Mapping[str, Any]], Errors]


def js_number(value: Any) -> str:
    """Render a schema number as JavaScript prints it (``2.0`` is ``2``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def js_equal(left: Any, right: Any) -> bool:
    """Deep equality as fast-deep-equal sees JavaScript values: ``true`` never equals ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if is_object(left) and is_object(right):
        return left.keys() == right.keys() and all(js_equal(left[k], right[k]) for k in left)
    if is_array(left) and is_array(right):
        return len(left) == len(right) and all(map(js_equal, left, right))
    return type(left) is type(right) and bool(left == right)


def keyword_error(message: str) -> JsonSchemaError:
    """An error carrying Ajv's message; jsonschema fills in keyword, path and instance."""
    return JsonSchemaError(message)


def _is_bigint_schema(schema: Mapping[str, Any]) -> bool:
    return schema.get("dataType") in BIGINT_DATA_TYPES


# --- type, dataType ----------------------------------------------------------------------------


def type_(validator: Any, types: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """``type`` (with Ajv's ``nullable``); Klayr words the error ``should be of type 'x'``."""
    if instance is None and schema.get("nullable") is True:
        return
    names = [types] if isinstance(types, str) else list(types)
    if not any(validator.is_type(instance, name) for name in names):
        yield keyword_error(f"should be of type '{','.join(names)}'")


def data_type(_validator: Any, name: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """Klayr's ``dataType``; for bytes, minLength/maxLength count bytes and klayr32 needs 20."""
    check = DATA_TYPE_CHECKS.get(name)
    if check is None:
        return
    if not check(instance):
        yield keyword_error('should pass "dataType" keyword validation')
        return
    if name != "bytes":
        return
    min_length: Any = schema.get("minLength")
    max_length: Any = schema.get("maxLength")
    if is_number(min_length) and len(instance) < min_length:
        yield keyword_error("minLength not satisfied")
    elif is_number(max_length) and len(instance) > max_length:
        yield keyword_error("maxLength exceeded")
    elif schema.get("format") == "klayr32" and len(instance) != 20:
        yield keyword_error("address length invalid")


def unique_signed_public_keys(
    _validator: Any, _enabled: Any, instance: Any, _schema: Mapping[str, Any]
) -> Errors:
    """Klayr's keyword: string keys stay distinct once their sign character is dropped."""
    if not is_array(instance):
        return
    unsigned = {item[1:] for item in instance if isinstance(item, str)}
    if len(unsigned) != len(instance):
        yield keyword_error('should pass "uniqueSignedPublicKeys" keyword validation')


# --- scalars ----------------------------------------------------------------------------------

NUMBER_LIMITS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "maximum": ("<=", lambda value, limit: value <= limit),
    "minimum": (">=", lambda value, limit: value >= limit),
    "exclusiveMaximum": ("<", lambda value, limit: value < limit),
    "exclusiveMinimum": (">", lambda value, limit: value > limit),
}


def number_limit(keyword: str) -> Keyword:
    symbol, holds = NUMBER_LIMITS[keyword]

    def check(_validator: Any, limit: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
        if is_number(instance) and not _is_bigint_schema(schema) and not holds(instance, limit):
            yield keyword_error(f"must be {symbol} {js_number(limit)}")

    check.__doc__ = f"``{keyword}`` on numbers (not on 64-bit dataType values, which Ajv skips)."
    return check


def multiple_of(_validator: Any, divisor: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """``multipleOf``: the quotient must be a whole number."""
    if not is_number(instance) or _is_bigint_schema(schema):
        return
    if isinstance(instance, int) and isinstance(divisor, int):
        failed = instance % divisor != 0
    else:
        quotient = instance / divisor
        failed = quotient != quotient // 1 if abs(quotient) != float("inf") else True
    if failed:
        yield keyword_error(f"must be multiple of {js_number(divisor)}")


def length_limit(keyword: str, unit: str, applies: Callable[[Any], bool]) -> Keyword:
    comparison = "more" if keyword.startswith("max") else "fewer"

    def check(_validator: Any, limit: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
        if not applies(instance):
            return
        too_long = len(instance) > limit if comparison == "more" else len(instance) < limit
        if too_long:
            yield keyword_error(f"must NOT have {comparison} than {js_number(limit)} {unit}")

    check.__doc__ = f"``{keyword}``, counted in {unit}."
    return check


def pattern(_validator: Any, regex: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``pattern``, read as a JavaScript regular expression."""
    if isinstance(instance, str) and compile_js_pattern(regex).search(instance) is None:
        yield keyword_error(f'must match pattern "{regex}"')


def format_(_validator: Any, name: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """``format``: Klayr's formats and Ajv's, each only on values of its JSON type."""
    fmt = FORMATS.get(name)
    if fmt is None or not fmt.applies_to(instance):
        return
    if fmt.numeric and _is_bigint_schema(schema):
        return
    if not fmt.check(instance):
        yield keyword_error(f'must match format "{name}"')


def enum(_validator: Any, allowed: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``enum`` with JavaScript deep equality."""
    if not any(js_equal(instance, candidate) for candidate in allowed):
        yield keyword_error("must be equal to one of the allowed values")


def const(_validator: Any, expected: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``const`` with JavaScript deep equality."""
    if not js_equal(instance, expected):
        yield keyword_error("must be equal to constant")


# --- arrays -----------------------------------------------------------------------------------


def _scalar_item_types(schema: Mapping[str, Any]) -> list[str] | None:
    """The item types Ajv's fast uniqueItems loop keys on, or None when it must deep-compare."""
    items = schema.get("items")
    if not isinstance(items, Mapping) or "type" not in items:
        return None
    types = items["type"]
    names = [types] if isinstance(types, str) else list(types)
    if not names or any(name in ("object", "array") for name in names):
        return None
    return names


def _scalar_key(item: Any) -> tuple[str, Any]:
    if isinstance(item, bool):
        return ("boolean", item)
    if item is None:
        return ("null", None)
    return ("string", item) if isinstance(item, str) else ("number", item)


def _duplicate(first: int, second: int) -> JsonSchemaError:
    return keyword_error(
        f"must NOT have duplicate items (items ## {first} and {second} are identical)"
    )


def unique_items(validator: Any, enabled: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """``uniqueItems``, naming the duplicate pair in the order Ajv's two loops report it."""
    if enabled is not True or not is_array(instance) or len(instance) < 2:
        return
    item_types = _scalar_item_types(schema)
    if item_types is not None:
        seen: dict[tuple[str, Any], int] = {}
        for index in range(len(instance) - 1, -1, -1):
            item = instance[index]
            if not any(validator.is_type(item, name) for name in item_types):
                continue
            key = _scalar_key(item)
            if key in seen:
                yield _duplicate(seen[key], index)
                return
            seen[key] = index
        return
    for later in range(len(instance) - 1, 0, -1):
        for earlier in range(later - 1, -1, -1):
            if js_equal(instance[later], instance[earlier]):
                yield _duplicate(earlier, later)
                return


# --- objects ----------------------------------------------------------------------------------


def required(_validator: Any, names: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``required``: one error per missing property."""
    if not is_object(instance):
        return
    for name in names:
        if name not in instance:
            yield keyword_error(f"must have required property '{name}'")
