"""Applicator keywords: those that validate parts of a value against sub-schemas.

As in Ajv (``allErrors``), composite keywords (anyOf, oneOf, contains, if, propertyNames) report
their branches' errors first, then their own summary; a matching branch discards the others' errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError as JsonSchemaError

from .js_regex import compile_js_pattern
from .json_types import is_array, is_object
from .keywords import Errors, keyword_error


def _descend(
    validator: Any,
    instance: Any,
    subschema: Any,
    path: str | int | None = None,
    schema_path: str | int | None = None,
) -> Errors:
    """``validator.descend`` that keeps the instance path for a ``false`` sub-schema too."""
    if subschema is False:
        yield JsonSchemaError("boolean schema is false", path=() if path is None else (path,))
        return
    yield from validator.descend(instance, subschema, path=path, schema_path=schema_path)


def additional_items(
    validator: Any, extra: Any, instance: Any, schema: Mapping[str, Any]
) -> Errors:
    """``additionalItems`` after a tuple-form ``items``."""
    items = schema.get("items")
    if not is_array(instance) or not isinstance(items, list) or len(instance) <= len(items):
        return
    if extra is False:
        yield keyword_error(f"must NOT have more than {len(items)} items")
        return
    for index in range(len(items), len(instance)):
        yield from _descend(validator, instance[index], extra, path=index)


def items(validator: Any, item_schema: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``items``: one schema for every item, or (tuple form) one schema per position."""
    if not is_array(instance):
        return
    if isinstance(item_schema, list):
        for index, (item, subschema) in enumerate(zip(instance, item_schema, strict=False)):
            yield from _descend(validator, item, subschema, path=index, schema_path=index)
    else:
        for index, item in enumerate(instance):
            yield from _descend(validator, item, item_schema, path=index)


def contains(validator: Any, subschema: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``contains``: if no item matches, every item's errors, then Ajv's summary."""
    if not is_array(instance):
        return
    collected: list[JsonSchemaError] = []
    for index, item in enumerate(instance):
        errors = list(_descend(validator, item, subschema, path=index))
        if not errors:
            return
        collected.extend(errors)
    yield from collected
    yield keyword_error("must contain at least 1 valid item(s)")


def properties(validator: Any, declared: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``properties``: each present property against its schema."""
    if not is_object(instance):
        return
    for name, subschema in declared.items():
        if name in instance:
            yield from _descend(validator, instance[name], subschema, path=name, schema_path=name)


def _is_additional(key: str, schema: Mapping[str, Any]) -> bool:
    if key in schema.get("properties", {}):
        return False
    return not any(compile_js_pattern(p).search(key) for p in schema.get("patternProperties", {}))


def additional_properties(
    validator: Any, extra: Any, instance: Any, schema: Mapping[str, Any]
) -> Errors:
    """``additionalProperties``: Klayr names each extraneous property."""
    if not is_object(instance) or extra is True:
        return
    for key in instance:
        if not _is_additional(key, schema):
            continue
        if extra is False:
            yield keyword_error(f"has extraneous property '{key}'")
        else:
            yield from _descend(validator, instance[key], extra, path=key)


def pattern_properties(
    validator: Any, patterns: Any, instance: Any, _schema: Mapping[str, Any]
) -> Errors:
    """``patternProperties`` with JavaScript regular expressions."""
    if not is_object(instance):
        return
    for regex, subschema in patterns.items():
        compiled = compile_js_pattern(regex)
        for key, value in instance.items():
            if compiled.search(key):
                yield from _descend(validator, value, subschema, path=key, schema_path=regex)


def property_names(
    validator: Any, subschema: Any, instance: Any, _schema: Mapping[str, Any]
) -> Errors:
    """``propertyNames``: the name's own errors, then one naming the invalid property."""
    if not is_object(instance):
        return
    for key in instance:
        errors = list(_descend(validator, key, subschema))
        if errors:
            yield from errors
            yield keyword_error(f"property name '{key}' must be valid")


def dependencies(validator: Any, rules: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``dependencies``: property lists first (one error per missing one), then schemas."""
    if not is_object(instance):
        return
    for name, needed in rules.items():
        if name in instance and isinstance(needed, list) and needed:
            noun = "property" if len(needed) == 1 else "properties"
            message = f"must have {noun} {', '.join(needed)} when property {name} is present"
            for dependency in needed:
                if dependency not in instance:
                    yield keyword_error(message)
    for name, needed in rules.items():
        if name in instance and not isinstance(needed, list):
            yield from _descend(validator, instance, needed, schema_path=name)


# --- combinators ------------------------------------------------------------------------------


def any_of(validator: Any, branches: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``anyOf``: stops at the first matching branch, else reports every branch's errors."""
    collected: list[JsonSchemaError] = []
    for index, branch in enumerate(branches):
        errors = list(_descend(validator, instance, branch, schema_path=index))
        if not errors:
            return
        collected.extend(errors)
    yield from collected
    yield keyword_error("must match a schema in anyOf")


def one_of(validator: Any, branches: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``oneOf``: exactly one branch must match; failing branches' errors come first."""
    collected: list[JsonSchemaError] = []
    matches = 0
    for index, branch in enumerate(branches):
        errors = list(_descend(validator, instance, branch, schema_path=index))
        if errors:
            collected.extend(errors)
        else:
            matches += 1
    if matches != 1:
        yield from collected
        yield keyword_error("must match exactly one schema in oneOf")


def not_(validator: Any, subschema: Any, instance: Any, _schema: Mapping[str, Any]) -> Errors:
    """``not``."""
    if validator.evolve(schema=subschema).is_valid(instance):
        yield keyword_error("must NOT be valid")


def if_(validator: Any, condition: Any, instance: Any, schema: Mapping[str, Any]) -> Errors:
    """``if``/``then``/``else``: the chosen branch's errors, then which clause failed."""
    clause = "then" if validator.evolve(schema=condition).is_valid(instance) else "else"
    if clause not in schema:
        return
    errors = list(_descend(validator, instance, schema[clause], schema_path=clause))
    if errors:
        yield from errors
        yield keyword_error(f'must match "{clause}" schema')
