"""Where a default module declares a value both as a pydantic model and as a Klayr schema (the
schema is Klayr's, verbatim, for its ``$id`` and exact keywords), the two must describe the same
encoding: same property names, field numbers, data types and nesting."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.modules import BaseModule, schema_from_model
from klayr_py.modules._declared import Declared
from klayr_py.modules.auth import AuthModule
from klayr_py.modules.fee import FeeModule
from klayr_py.modules.token import TokenModule
from klayr_py.modules.validators import ValidatorsModule


def _declared(module: BaseModule) -> list[Declared[Any]]:
    items: list[Declared[Any]] = [*module.commands]
    for registry in (module.stores, module.events, module.offchain_stores):
        items.extend(registry.instances())
    return items


def _shape(schema: dict[str, Any]) -> Any:
    """What decides the bytes: names, field numbers, data types, arrays and nested objects."""
    if schema.get("type") == "array":
        return ("array", _shape(schema["items"]))
    if schema.get("type") == "object":
        return {
            name: (prop["fieldNumber"], _shape(prop))
            for name, prop in schema.get("properties", {}).items()
        }
    return schema["dataType"]


MODULES = [AuthModule(), FeeModule(), TokenModule(), ValidatorsModule()]
PAIRS = [
    pytest.param(item, id=f"{module.name}:{type(item).__name__}")
    for module in MODULES
    for item in _declared(module)
    if item.model is not None and type(item).schema is not None
]


def test_some_items_declare_both() -> None:
    assert len(PAIRS) >= 10


@pytest.mark.parametrize("item", PAIRS)
def test_model_and_schema_describe_the_same_encoding(item: Declared[Any]) -> None:
    assert item.model is not None
    assert _shape(schema_from_model(item.model)) == _shape(item.schema or {})
