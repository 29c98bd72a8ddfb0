"""Compiled schemas are cached by $id + content hash, so repeated validation never recompiles."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest

from klayr_py.validator import Validator

validator_module = importlib.import_module("klayr_py.validator.validator")

SCHEMA: dict[str, Any] = {
    "$id": "/test/cache",
    "type": "object",
    "properties": {"a": {"dataType": "uint32", "fieldNumber": 1}},
}


@pytest.fixture
def compile_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a schema was checked and compiled (one entry per compile)."""
    calls: list[int] = []
    original = validator_module.CompiledSchema.__init__

    def counting(self: Any, schema: Any) -> None:
        calls.append(1)
        original(self, schema)

    monkeypatch.setattr(validator_module.CompiledSchema, "__init__", counting)
    return calls


def test_repeated_validation_compiles_once(compile_count: list[int]) -> None:
    validator = Validator()
    for value in range(200):
        validator.validate(SCHEMA, {"a": value})
    assert len(compile_count) == 1


def test_equal_content_shares_the_compiled_schema(compile_count: list[int]) -> None:
    validator = Validator()
    first = validator.compile(SCHEMA)
    assert validator.compile(copy.deepcopy(SCHEMA)) is first
    assert len(compile_count) == 1


def test_changed_content_or_id_compiles_again(compile_count: list[int]) -> None:
    validator = Validator()
    first = validator.compile(SCHEMA)
    changed = copy.deepcopy(SCHEMA)
    changed["properties"]["a"]["dataType"] = "uint64"
    assert validator.compile(changed) is not first
    assert validator.compile({**SCHEMA, "$id": "/test/other"}) is not first
    assert len(compile_count) == 3


def test_cache_is_bounded_least_recently_used(compile_count: list[int]) -> None:
    validator = Validator(cache_size=2)
    schemas = [{**SCHEMA, "$id": f"/test/lru{i}"} for i in range(3)]
    for schema in schemas:
        validator.compile(schema)
    validator.compile(schemas[2])
    assert len(compile_count) == 3
    validator.compile(schemas[0])  # evicted
    assert len(compile_count) == 4


def test_validate_schema_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    validator = Validator()
    calls: list[int] = []
    original = validator_module._schema_errors

    def counting(*args: Any) -> list[str]:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(validator_module, "_schema_errors", counting)
    for _ in range(5):
        validator.validate_schema(SCHEMA)
    validator.validate(SCHEMA, {"a": 1})
    assert len(calls) == 1


def test_clear_cache(compile_count: list[int]) -> None:
    validator = Validator()
    validator.compile(SCHEMA)
    validator.clear_cache()
    validator.compile(SCHEMA)
    assert len(compile_count) == 2


def test_bytes_in_a_schema_do_not_break_the_key() -> None:
    validator = Validator()
    schema = {"type": "object", "properties": {"a": {"dataType": "bytes", "const": b"\x01"}}}
    assert validator.compile(schema).is_valid({"a": b"\x01"})
    assert not validator.compile(schema).is_valid({"a": b"\x02"})


def test_mutating_a_schema_after_use_does_not_change_cached_results() -> None:
    validator = Validator()
    schema = {"type": "string", "enum": ["a", "b"]}
    assert validator.compile(schema).is_valid("b")
    schema["enum"].remove("b")
    assert not validator.compile(schema).is_valid("b")
    assert validator.compile({"type": "string", "enum": ["a", "b"]}).is_valid("b")
