"""The Klayr meta-schema: the rules every codec schema's root must follow.

``KLAYR_META_SCHEMA`` has the same content as @klayr/validator's ``klayrmetaSchema``. Property
sub-schemas are checked against JSON Schema draft-07, so :func:`internal_meta_schemas` rewrites that
reference to a private copy of draft-07 that resolves to our own keyword implementations.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from jsonschema import Draft7Validator

KLAYR_SCHEMA_ID: Final = "http://klayr.xyz/klayr-schema/schema#"
DRAFT7_SCHEMA_ID: Final = "http://json-schema.org/draft-07/schema#"

KLAYR_META_SCHEMA: Final[dict[str, Any]] = {
    "$schema": DRAFT7_SCHEMA_ID,
    "$id": KLAYR_SCHEMA_ID,
    "title": "Klayr Schema",
    "type": "object",
    "properties": {
        "$schema": {"type": "string", "const": KLAYR_SCHEMA_ID, "format": "uri"},
        "$id": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "type": {"type": "string", "const": "object"},
        "properties": {
            "type": "object",
            "propertyNames": {"type": "string", "format": "camelCase"},
            "additionalProperties": {
                "anyOf": [
                    {"$ref": "#/definitions/schema"},
                    {
                        "type": "object",
                        "properties": {"type": {"type": "string", "enum": ["array", "object"]}},
                    },
                ],
            },
        },
        "required": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
    "required": ["$id", "$schema", "type", "properties"],
    "additionalProperties": False,
    "definitions": {"schema": {"allOf": [{"$ref": DRAFT7_SCHEMA_ID}]}},
}

# Where our private draft-07 copy lives. It has no "$schema"/"$id", so jsonschema keeps using our
# validator class (Klayr's keywords and messages) when a $ref leads into it.
INTERNAL_DRAFT7_URI: Final = "urn:klayr-py:json-schema-draft-07"
INTERNAL_KLAYR_URI: Final = "urn:klayr-py:klayr-meta-schema"


def internal_meta_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (draft-07 meta-schema, Klayr meta-schema) rewired to resolve inside klayr_py."""
    draft7 = {
        key: value
        for key, value in Draft7Validator.META_SCHEMA.items()
        if key not in ("$schema", "$id")
    }
    klayr = copy.deepcopy(KLAYR_META_SCHEMA)
    del klayr["$schema"]
    klayr["$id"] = INTERNAL_KLAYR_URI
    klayr["definitions"]["schema"]["allOf"][0]["$ref"] = INTERNAL_DRAFT7_URI
    return draft7, klayr
