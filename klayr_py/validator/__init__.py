"""Klayr's schema validator (``@klayr/validator``) for Python-native values.

``validate(schema, value)`` checks decoded values (``int``, ``bytes``, ``str``, ``bool``,
``dict``, ``list``) against schemas using Klayr's ``dataType``/``fieldNumber`` keywords, and
JSON-form values (config files, RPC parameters) against ``type``/``format`` schemas.
``validate_schema`` checks a codec schema against the Klayr meta-schema. Both raise
:class:`klayr_py.errors.ValidationError` listing every failure in Klayr's wording.
"""

from __future__ import annotations

from ..errors import ValidationError
from .constants import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
)
from .formats import FORMATS, KNOWN_FORMATS
from .meta_schema import KLAYR_META_SCHEMA, KLAYR_SCHEMA_ID
from .validator import (
    CompiledSchema,
    Schema,
    Validator,
    compile_schema,
    default_validator,
    validate,
    validate_schema,
)

__all__ = [
    "FORMATS",
    "KLAYR_META_SCHEMA",
    "KLAYR_SCHEMA_ID",
    "KNOWN_FORMATS",
    "MAX_SINT32",
    "MAX_SINT64",
    "MAX_UINT32",
    "MAX_UINT64",
    "MIN_SINT32",
    "MIN_SINT64",
    "CompiledSchema",
    "Schema",
    "ValidationError",
    "Validator",
    "compile_schema",
    "default_validator",
    "validate",
    "validate_schema",
]
