"""validate_schema: Klayr's meta-schema, Ajv's strict compile rules and the codec's shape rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from klayr_py.errors import KlayrError, ValidationError
from klayr_py.validator import KLAYR_SCHEMA_ID, Validator, validate, validate_schema

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "klayr_codec"


def _vector_schemas() -> list[Any]:
    schemas = []
    for path in sorted(VECTORS.glob("*.json")):
        for index, case in enumerate(json.loads(path.read_text())["testCases"]):
            schemas.append(pytest.param(case["input"]["schema"], id=f"{path.stem}[{index}]"))
    return schemas


@pytest.mark.parametrize("schema", _vector_schemas())
def test_accepts_every_conformance_schema(schema: dict[str, Any]) -> None:
    validate_schema(schema)


def _codec(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"$id": "/test/schema", "type": "object", "properties": properties, **extra}


U32 = {"dataType": "uint32"}

MALFORMED = [
    (
        _codec({"a": {**U32, "fieldNumber": 1}, "b": {**U32, "fieldNumber": 1}}),
        "Value must be unique across all properties on same level"
        " at \"#/properties\": 'a', 'b' have fieldNumber 1",
    ),
    (
        _codec({"a": {**U32, "fieldNumber": 1}, "b": U32, "c": U32}),
        "'b', 'c' have no fieldNumber",
    ),
    (
        _codec({"a": {**U32, "fieldNumber": 0}}),
        'keyword "fieldNumber" value is invalid at path "#/properties/a": must be >= 1',
    ),
    (
        _codec({"a": {**U32, "fieldNumber": -3}}),
        'keyword "fieldNumber" value is invalid at path "#/properties/a": must be >= 1',
    ),
    (
        _codec({"a": {**U32, "fieldNumber": 19000}}),
        'keyword "fieldNumber" value is invalid at path "#/properties/a": must be <= 18999',
    ),
    (_codec({"a": {**U32, "fieldNumber": "1"}}), "must be integer"),
    (_codec({"a": {**U32, "fieldNumber": 1.5}}), "must be integer"),
    (_codec({"a": {**U32, "fieldNumber": True}}), "must be integer"),
    (
        _codec({"a": {"dataType": "uint16", "fieldNumber": 1}}),
        'keyword "dataType" value is invalid at path "#/properties/a"',
    ),
    (
        _codec({"a": {"dataType": "string", "type": "string", "fieldNumber": 1}}),
        'Either "dataType" or "type" can be presented in schema at "#/properties/a"',
    ),
    (
        _codec({"a": {"type": "array", "fieldNumber": 1}}),
        'Missing "items" property for Array schema at "#/properties/a"',
    ),
    (
        _codec({"a": {"type": "object", "fieldNumber": 1}}),
        'Missing "properties" property at "#/properties/a"',
    ),
    (_codec({"a": U32}), 'Missing "fieldNumber" in properties at "#/properties/a"'),
    (
        _codec({"a": {"type": "array", "fieldNumber": 1, "items": {**U32, "fieldNumber": 2}}}),
        'keyword "fieldNumber" belongs in a property schema, not at "#/properties/a/items"',
    ),
    (
        {"$id": "/x", "type": "array", "properties": {}},
        "Property '.type' must be equal to constant",
    ),
    ({"$id": "/x", "properties": {}}, "Missing property, must have required property 'type'"),
    ({"type": "object", "properties": {}}, "Missing property, must have required property '$id'"),
    ({"$id": "/x", "type": "object"}, "must have required property 'properties'"),
    ({"$id": 5, "type": "object", "properties": {}}, "Property '.$id' should be of type 'string'"),
    (_codec({}, description="d"), "Property '' has extraneous property 'description'"),
    (_codec({"Amount": {**U32, "fieldNumber": 1}}), "property name 'Amount' must be valid"),
    (_codec({}, required="a"), "Property '.required' should be of type 'array'"),
    (_codec({}, required=["a"]), 'required property "a" is not defined at "#" (strictRequired)'),
    (
        _codec({"a": {**U32, "fieldNumber": 1, "maxSize": 3}}),
        'strict mode: unknown keyword: "maxSize" at "#/properties/a"',
    ),
    (
        _codec({"a": {"dataType": "string", "fieldNumber": 1, "format": "iban"}}),
        'unknown format "iban" ignored in schema at path "#/properties/a"',
    ),
    (
        _codec({"a": {"type": "object", "fieldNumber": 1, "properties": 5}}),
        "Property '.properties.a.properties' should be of type 'object'",
    ),
    (_codec({}, **{"$schema": "http://example.com/s#"}), 'no schema with key or ref "http://'),
]


@pytest.mark.parametrize(("schema", "expected"), MALFORMED)
def test_rejects_malformed_schemas_naming_the_fault(schema: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_schema(schema)
    assert any(expected in message for message in caught.value.errors), caught.value.errors


def test_lists_every_fault_of_a_schema_at_once() -> None:
    schema = _codec(
        {
            "Bad": {**U32, "fieldNumber": 1},
            "b": {**U32, "fieldNumber": 1},
            "c": {"dataType": "u8", "type": "string", "fieldNumber": 0},
        }
    )
    with pytest.raises(ValidationError) as caught:
        validate_schema(schema)
    assert caught.value.errors == [
        "Property '.properties' must match format \"camelCase\"",
        "Property '.properties' property name 'Bad' must be valid",
        "Value must be unique across all properties on same level"
        " at \"#/properties\": 'Bad', 'b' have fieldNumber 1",
        'keyword "fieldNumber" value is invalid at path "#/properties/c": must be >= 1',
        'keyword "dataType" value is invalid at path "#/properties/c": must be equal to one of'
        " the allowed values (bytes, uint32, sint32, uint64, sint64, string, boolean)",
        'Either "dataType" or "type" can be presented in schema at "#/properties/c"',
    ]
    assert isinstance(caught.value, KlayrError)
    assert isinstance(caught.value, ValueError)


def test_draft07_schema_escapes_the_klayr_root_rules() -> None:
    schema = _codec({"a": {**U32, "fieldNumber": 1}}, description="allowed under draft-07")
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    validate_schema(schema)


def test_validate_applies_the_klayr_meta_schema_only_when_named() -> None:
    loose = {"type": "object", "description": "no $id, no properties"}
    validate(loose, {})
    with pytest.raises(ValidationError, match="required property '\\$id'"):
        validate({**loose, "$schema": KLAYR_SCHEMA_ID}, {})


def test_validate_checks_the_schema_before_the_value() -> None:
    with pytest.raises(ValidationError, match='unknown keyword: "foo"'):
        validate({"type": "object", "foo": 1}, {})
    with pytest.raises(ValidationError, match=r"Property '\.minLength' should be of type"):
        validate({"type": "string", "minLength": "3"}, "abc")


def test_meta_schema_rejections_are_not_cached() -> None:
    validator = Validator()
    for _ in range(2):
        with pytest.raises(ValidationError):
            validator.validate_schema({"type": "object", "properties": {}})


@pytest.mark.parametrize("schema", [[], "schema", None, True])
def test_a_schema_must_be_an_object(schema: Any) -> None:
    with pytest.raises(ValidationError, match="schema must be an object"):
        validate_schema(schema)
    with pytest.raises(ValidationError, match="schema must be an object"):
        validate(schema, {})
