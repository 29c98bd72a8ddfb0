"""frozen_constructor: the same instances as the classes' own constructors, still frozen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from klayr_py.contexts import hooks
from klayr_py.contexts._construct import frozen_constructor

HOT_CONTEXTS = [
    hooks.TransactionVerifyContext,
    hooks.CommandVerifyContext,
    hooks.TransactionExecuteContext,
    hooks.CommandExecuteContext,
]


def _values(cls: type) -> dict[str, Any]:
    """A distinct object for every field, so a field set from the wrong argument shows."""
    return {field.name: object() for field in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", HOT_CONTEXTS, ids=lambda cls: cls.__name__)
def test_gives_what_the_constructor_gives(cls: type) -> None:
    values = _values(cls)
    made = frozen_constructor(cls)(**values)
    assert type(made) is cls
    assert made == cls(**values)
    for name, value in values.items():
        assert getattr(made, name) is value
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.logger = None


@pytest.mark.parametrize("cls", HOT_CONTEXTS, ids=lambda cls: cls.__name__)
def test_every_field_is_required_and_no_other(cls: type) -> None:
    make = frozen_constructor(cls)
    values = _values(cls)
    missing = dict(values)
    missing.pop("logger")
    with pytest.raises(TypeError, match="logger"):
        make(**missing)
    with pytest.raises(TypeError, match="colour"):
        make(**values, colour="red")


@dataclasses.dataclass(slots=True)
class _Mutable:
    a: int


@dataclasses.dataclass(frozen=True)
class _Unslotted:
    a: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("a must not be negative")


@pytest.mark.parametrize("cls", [_Mutable, _Unslotted, _Checked, int])
def test_refuses_classes_whose_constructor_does_more(cls: type) -> None:
    with pytest.raises(TypeError):
        frozen_constructor(cls)
