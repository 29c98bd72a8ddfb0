"""Error messages: Klayr's wording, every failing path listed, in Ajv's order."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.errors import KlayrError, ValidationError
from klayr_py.validator import compile_schema, validate
from klayr_py.validator.messages import as_setting_errors


def _errors(schema: dict[str, Any], value: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate(schema, value)
    assert isinstance(caught.value, KlayrError) and isinstance(caught.value, ValueError)
    errors = caught.value.errors
    # @klayr/validator's KlayrValidationError message: a count line, then one line per error.
    heading = f"Klayr validator found {len(errors)} error[s]:"
    assert str(caught.value) == "\n".join([heading, *errors])
    return caught.value.errors


def test_lists_every_failing_path_in_order() -> None:
    schema = {
        "type": "object",
        "required": ["name", "fee", "nonce"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 3, "pattern": "^[a-z]+$"},
            "fee": {"type": "string", "format": "uint64"},
            "nonce": {"type": "integer", "minimum": 0},
            "keys": {
                "type": "array",
                "maxItems": 2,
                "items": {"dataType": "bytes", "minLength": 32, "maxLength": 32},
            },
            "meta": {
                "type": "object",
                "required": ["note"],
                "properties": {"note": {"type": "string"}, "tag": {"enum": ["a", "b"]}},
            },
        },
    }
    value = {
        "name": "A",
        "nonce": -1,
        "keys": [bytes(32), bytes(31), b"x" * 33],
        "meta": {"tag": "c"},
        "extra": True,
    }
    assert _errors(schema, value) == [
        "Missing property, must have required property 'fee'",
        "Property '' has extraneous property 'extra'",
        "Property '.name' must NOT have fewer than 3 characters",
        "Property '.name' must match pattern \"^[a-z]+$\"",
        "Property '.nonce' must be >= 0",
        "Property '.keys' must NOT have more than 2 items",
        "Property '.keys.1' minLength not satisfied",
        "Property '.keys.2' maxLength exceeded",
        "Missing property, must have required property 'note' at '.meta'",
        "Property '.meta.tag' must be equal to one of the allowed values",
    ]


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        ({"type": "string"}, 5, "Property '' should be of type 'string'"),
        ({"type": ["string", "null"]}, 5, "Property '' should be of type 'string,null'"),
        ({"type": "integer"}, True, "Property '' should be of type 'integer'"),
        ({"type": "number", "maximum": 2.0}, 3, "Property '' must be <= 2"),
        ({"type": "number", "exclusiveMinimum": 2}, 2, "Property '' must be > 2"),
        ({"multipleOf": 3}, 4, "Property '' must be multiple of 3"),
        ({"maxLength": 1}, "ab", "Property '' must NOT have more than 1 characters"),
        ({"minItems": 2}, [1], "Property '' must NOT have fewer than 2 items"),
        ({"maxProperties": 0}, {"a": 1}, "Property '' must NOT have more than 0 properties"),
        ({"const": "a"}, "b", "Property '' must be equal to constant"),
        ({"not": {}}, 1, "Property '' must NOT be valid"),
        ({"type": "array", "items": False}, [1], "Property '.0' boolean schema is false"),
        ({"format": "hex"}, "0", "Property '' must match format \"hex\""),
        (
            {"dataType": "uint32"},
            -1,
            "Property '' should pass \"dataType\" keyword validation: "
            "must be an integer from 0 to 4294967295",
        ),
        (
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            ["a", "b", "a"],
            "Property '' must NOT have duplicate items (items ## 2 and 0 are identical)",
        ),
        (
            {"type": "object", "dependencies": {"a": ["b"]}},
            {"a": 1},
            "Property '' must have property b when property a is present",
        ),
        (
            {"type": "object", "properties": {"a/b~c": {"type": "string"}}},
            {"a/b~c": 1},
            "Property '.a~1b~0c' should be of type 'string'",
        ),
    ],
)
def test_message_wording(schema: dict[str, Any], value: Any, message: str) -> None:
    assert _errors(schema, value) == [message]


def test_composite_keywords_report_their_branches_first() -> None:
    schema = {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 3}]}
    assert _errors(schema, 1) == [
        "Property '' should be of type 'string'",
        "Property '' must be >= 3",
        "Property '' must match a schema in anyOf",
    ]
    assert _errors({"if": {"type": "integer"}, "then": {"minimum": 5}}, 3) == [
        "Property '' must be >= 5",
        "Property '' must match \"then\" schema",
    ]
    assert _errors({"type": "object", "propertyNames": {"maxLength": 2}}, {"abc": 1}) == [
        "Property '' must NOT have more than 2 characters",
        "Property '' property name 'abc' must be valid",
    ]


def test_unresolvable_reference_is_reported() -> None:
    assert _errors({"properties": {"a": {"$ref": "#/definitions/none"}}}, {"a": 1}) == [
        'can\'t resolve reference "#/definitions/none"'
    ]


def test_setting_errors_name_each_key_under_the_prefix() -> None:
    schema = {
        "type": "object",
        "required": ["limits"],
        "properties": {
            "limits": {
                "type": "object",
                "required": ["max"],
                "properties": {"max": {"type": "integer"}},
                "additionalProperties": False,
            }
        },
        "additionalProperties": False,
    }
    value = {"limit": 1, "limits": {"maxx": 2}}
    errors = compile_schema(schema).errors(value)
    assert sorted(as_setting_errors("modules.bank", errors)) == [
        "modules.bank.limit: unknown setting",
        "modules.bank.limits.max: missing (required)",
        "modules.bank.limits.maxx: unknown setting",
    ]
