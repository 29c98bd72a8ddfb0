"""The shared cases' expected outcomes without Node.js (test_oracle checks them against Klayr)."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.errors import ValidationError
from klayr_py.validator import Validator

from .cases import INVALID, SCHEMA_CASES, SCHEMA_ERROR, VALID, VALUE_CASES, native

_VALIDATOR = Validator()


def _outcome(schema: dict[str, Any], value: Any) -> str:
    try:
        compiled = _VALIDATOR.compile(schema)
    except ValidationError:
        return SCHEMA_ERROR
    return VALID if compiled.is_valid(native(value)) else INVALID


@pytest.mark.parametrize(("schema", "value", "expected"), VALUE_CASES)
def test_value_case(schema: dict[str, Any], value: Any, expected: str) -> None:
    assert _outcome(schema, value) == expected


@pytest.mark.parametrize(("schema", "accepted"), SCHEMA_CASES)
def test_schema_case(schema: dict[str, Any], accepted: bool) -> None:
    try:
        _VALIDATOR.validate_schema(schema)
    except ValidationError:
        assert not accepted
    else:
        assert accepted
