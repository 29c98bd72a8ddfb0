"""Helpers shared by the chain objects: schema checks and JSON field checks with specific errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, overload

from klayr_py import validator
from klayr_py.chain.schemas import Schema
from klayr_py.errors import ChainError, ValidationError

# Compiled validators of the chain schemas, by identity: validating then costs no schema hashing.
_compiled: dict[int, tuple[Schema, validator.CompiledSchema]] = {}


def check_schema(
    schema: Schema, value: Mapping[str, Any], error: type[ChainError], what: str
) -> None:
    """Validate ``value`` against ``schema`` as Klayr's validator does, raising ``error``.

    The message lists every failing property (``Property '.module' must NOT have ...``).
    """
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, validator.compile_schema(schema))
        _compiled[id(schema)] = entry
    try:
        entry[1].validate(value)
    except ValidationError as exc:
        raise error(f"invalid {what}: {exc}") from exc


def require_fields(
    value: Any, fields: tuple[str, ...], error: type[ChainError], what: str
) -> Mapping[str, Any]:
    """``value`` as a mapping that has every one of ``fields`` (Klayr's JSON names)."""
    if not isinstance(value, Mapping):
        raise error(f"{what} JSON must be an object, not {type(value).__name__}")
    missing = [name for name in fields if name not in value]
    if missing:
        raise error(f"{what} JSON is missing {', '.join(repr(name) for name in missing)}")
    return value


def check_id(value: Mapping[str, Any], actual: bytes, error: type[ChainError], what: str) -> None:
    """Reject JSON whose ``id`` (when given) is not the ID of the object it describes."""
    given = value.get("id")
    if given is None:
        return
    if not isinstance(given, str) or given.lower() != actual.hex():
        raise error(f"{what} JSON has id {given!r}, but its content has id {actual.hex()}")


_T = TypeVar("_T")


class cached(Generic[_T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes one on every first
    access): computed once, then kept in the instance ``__dict__``, which shadows it. The chain
    objects' IDs and bytes use it: they are read for every transaction and event of a block."""

    __slots__ = ("_func", "_name")

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self._func = func
        self._name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _T | cached[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._func(instance)
        return value
