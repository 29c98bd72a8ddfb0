"""The Klayr schema of a pydantic model: field numbers, data types, formats and lengths."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, get_args, get_origin

import annotated_types
from pydantic import BaseModel

from klayr_py.modules._markers import DataType, FieldNumber, Format

_SCALARS: dict[type, str] = {bool: "boolean", str: "string", bytes: "bytes", int: "uint64"}


def schema_from_model(model: type[BaseModel], schema_id: str | None = None) -> dict[str, Any]:
    """The Klayr schema of ``model`` (a root object schema with ``$id``)."""
    body = _object_schema(model, model.__qualname__)
    return {"$id": schema_id or f"/{model.__module__}/{model.__qualname__}", **body}


def _object_schema(model: type[BaseModel], where: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    explicit: dict[str, int] = {}
    for name, info in model.model_fields.items():
        number = next((m.number for m in info.metadata if isinstance(m, FieldNumber)), None)
        if number is not None:
            if number in explicit.values():
                raise TypeError(f"{where}.{name}: field number {number} is used twice")
            explicit[name] = number
    next_number = 1
    for name, info in model.model_fields.items():
        number = explicit.get(name)
        if number is None:  # declaration order, skipping numbers given explicitly
            while next_number in explicit.values():
                next_number += 1
            number = next_number
            next_number += 1
        prop = _property_schema(info.annotation, list(info.metadata), f"{where}.{name}")
        key = info.serialization_alias or info.alias or name  # the name values dump under
        properties[key] = {**prop, "fieldNumber": number}
    return {"type": "object", "required": list(properties), "properties": properties}


def _property_schema(annotation: Any, metadata: list[Any], where: str) -> dict[str, Any]:
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return _property_schema(base, [*extra, *metadata], where)
    origin = get_origin(annotation)
    if origin in (list, typing.List):  # noqa: UP006
        (item,) = get_args(annotation)[:1]
        schema: dict[str, Any] = {"type": "array", "items": _property_schema(item, [], where)}
        return _with_constraints(schema, metadata, "Items")
    if origin in (typing.Union, types.UnionType):
        raise TypeError(f"{where}: optional or union types have no Klayr encoding")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _object_schema(annotation, where)
    if annotation in _SCALARS:
        data_type = next((m.name for m in metadata if isinstance(m, DataType)), None)
        if data_type is not None and annotation is not int:
            raise TypeError(f"{where}: dataType {data_type} needs an int field")
        schema = {"dataType": data_type or _SCALARS[annotation]}
        fmt = next((m.name for m in metadata if isinstance(m, Format)), None)
        if fmt is not None:
            schema["format"] = fmt
        return _with_constraints(schema, metadata, "Length")
    raise TypeError(f"{where}: type {annotation!r} has no Klayr encoding")


def _with_constraints(schema: dict[str, Any], metadata: list[Any], noun: str) -> dict[str, Any]:
    """Copy length constraints (``Field(min_length=...)``) into the schema's keywords."""
    for item in _flatten(metadata):
        if isinstance(item, annotated_types.MinLen):
            schema[f"min{noun}"] = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            schema[f"max{noun}"] = item.max_length
    return schema


def _flatten(metadata: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in metadata:
        flat.extend(getattr(item, "metadata", None) or [item])  # a FieldInfo carries a list
    return flat
