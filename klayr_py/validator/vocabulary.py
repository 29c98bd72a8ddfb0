"""The keyword vocabulary our jsonschema validator class runs: Ajv's draft-07 set plus Klayr's."""

from __future__ import annotations

from jsonschema import Draft7Validator

from . import applicators as apply
from . import keywords as kw
from .json_types import is_array, is_object

_STOCK = Draft7Validator.VALIDATORS


def _is_string(value: object) -> bool:
    return isinstance(value, str)


KEYWORDS: dict[str, kw.Keyword] = {
    # jsonschema's own $ref and allOf already behave like Ajv's and report no errors of their own.
    "$ref": _STOCK["$ref"],
    "allOf": _STOCK["allOf"],
    "type": kw.type_,
    "dataType": kw.data_type,
    "uniqueSignedPublicKeys": kw.unique_signed_public_keys,
    **{keyword: kw.number_limit(keyword) for keyword in kw.NUMBER_LIMITS},
    "multipleOf": kw.multiple_of,
    "maxLength": kw.length_limit("maxLength", "characters", _is_string),
    "minLength": kw.length_limit("minLength", "characters", _is_string),
    "maxItems": kw.length_limit("maxItems", "items", is_array),
    "minItems": kw.length_limit("minItems", "items", is_array),
    "maxProperties": kw.length_limit("maxProperties", "properties", is_object),
    "minProperties": kw.length_limit("minProperties", "properties", is_object),
    "pattern": kw.pattern,
    "format": kw.format_,
    "enum": kw.enum,
    "const": kw.const,
    "uniqueItems": kw.unique_items,
    "required": kw.required,
    "items": apply.items,
    "additionalItems": apply.additional_items,
    "contains": apply.contains,
    "properties": apply.properties,
    "additionalProperties": apply.additional_properties,
    "patternProperties": apply.pattern_properties,
    "propertyNames": apply.property_names,
    "dependencies": apply.dependencies,
    "anyOf": apply.any_of,
    "oneOf": apply.one_of,
    "not": apply.not_,
    "if": apply.if_,
}
