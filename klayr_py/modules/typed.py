"""Typed values: declare a store, event or command value as a pydantic model, get Klayr's schema.

Beyond Klayr: instead of a hand-written schema, a value type may be a pydantic model. The Klayr
schema is derived from it (field numbers in declaration order, skipping any given with
``FieldNumber``; integer width and sign from ``UInt32``/``SInt32``/``UInt64``/``SInt64``, plain
``int`` being ``uint64``; byte and string lengths from ``Field(min_length=..., max_length=...)``),
and
values come back as model instances. Property names are the fields' aliases: with
:class:`KlayrModel` that is camelCase, as Klayr's schemas use.

>>> class Message(KlayrModel):
...     message: str = Field(min_length=3, max_length=256)
...     sender_address: Address
>>> schema_from_model(Message)["properties"]["senderAddress"]["dataType"]
'bytes'
"""

from __future__ import annotations

import types
import typing
import weakref
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel

from klayr_py import codec, validator
from klayr_py.codec import CompiledSchema
from klayr_py.errors import ValidationError
from klayr_py.validator.decoded_check import compile_decoded_check

__all__ = [
    "Address",
    "DataType",
    "Field",
    "FieldNumber",
    "Format",
    "KlayrModel",
    "SInt32",
    "SInt64",
    "UInt32",
    "UInt64",
    "ValueCodec",
    "schema_from_model",
]


@dataclass(frozen=True, slots=True)
class DataType:
    """Annotation marker: the Klayr ``dataType`` of an ``int`` field."""

    name: str


@dataclass(frozen=True, slots=True)
class FieldNumber:
    """Annotation marker: an explicit Klayr ``fieldNumber`` for a field."""

    number: int


@dataclass(frozen=True, slots=True)
class Format:
    """Annotation marker: a Klayr ``format`` (e.g. ``klayr32`` for addresses in JSON)."""

    name: str


UInt32 = Annotated[int, DataType("uint32"), Field(ge=0, le=2**32 - 1)]
SInt32 = Annotated[int, DataType("sint32"), Field(ge=-(2**31), le=2**31 - 1)]
UInt64 = Annotated[int, DataType("uint64"), Field(ge=0, le=2**64 - 1)]
SInt64 = Annotated[int, DataType("sint64"), Field(ge=-(2**63), le=2**63 - 1)]
Address = Annotated[bytes, Format("klayr32"), Field(min_length=20, max_length=20)]


class KlayrModel(BaseModel):
    """A convenient base for typed values: camelCase property names, strict types."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, strict=True, validate_assignment=True
    )


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

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
        properties[info.alias or name] = {**prop, "fieldNumber": number}
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


EMPTY_SCHEMA: dict[str, Any] = {"$id": "/klayr/empty", "type": "object", "properties": {}}

# --- dicts a model would take as they are ------------------------------------------------------

# Config keys that leave a dict of exact scalars as it is through validation and dumping.
_PLAIN_CONFIG_KEYS = frozenset(
    {
        "alias_generator",
        "populate_by_name",
        "validate_by_name",
        "validate_by_alias",
        "serialize_by_alias",
        "strict",
        "validate_assignment",
        "extra",
        "frozen",
        "title",
        "revalidate_instances",
        "protected_namespaces",
        "arbitrary_types_allowed",
        "defer_build",
    }
)
_PLAIN_TYPES: dict[type, str] = {int: "int", bytes: "bytes", str: "str", bool: "bool"}
_BOUNDS: dict[type, tuple[str, str]] = {
    annotated_types.Ge: ("ge", "<"),
    annotated_types.Gt: ("gt", "<="),
    annotated_types.Le: ("le", ">"),
    annotated_types.Lt: ("lt", ">="),
}
_NO_CHECK = (DataType, FieldNumber, Format)

PlainCheck = typing.Callable[[Any], bool]
_plain_checks: weakref.WeakKeyDictionary[type[BaseModel], PlainCheck | None] = (
    weakref.WeakKeyDictionary()
)


def _unbuilt(value: Any) -> bool:
    """Placeholder of a check not built yet (the model may still be incomplete)."""
    return False


def plain_check(model: type[BaseModel]) -> PlainCheck | None:
    """``check(value)``: whether ``model`` validates the dict ``value`` and dumps it unchanged.

    True means ``model.model_validate(value).model_dump(by_alias=True) == value`` (same keys,
    the very same values), so the dict can be encoded as it is. The check is generated for flat
    models of ``int``/``bytes``/``str``/``bool`` fields with only bounds and length constraints
    (typical event data); any other model (validators, serializers, nested or unknown
    constraints, other config) gets None and always goes through pydantic.
    """
    if model in _plain_checks:
        return _plain_checks[model]
    check = _build_plain_check(model)
    if model.__pydantic_complete__:  # an incomplete model may be rebuilt: ask again later
        _plain_checks[model] = check
    return check


def _build_plain_check(model: type[BaseModel]) -> PlainCheck | None:
    if not model.__pydantic_complete__ or not model.model_fields:
        return None
    decorators = model.__pydantic_decorators__
    if (
        model.__pydantic_post_init__ is not None
        or model.__pydantic_root_model__
        or decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.model_validators
        or decorators.computed_fields
        or any(key not in _PLAIN_CONFIG_KEYS for key in model.model_config)
        or model.model_config.get("extra") == "allow"
    ):
        return None
    for klass in model.__mro__:
        if klass is BaseModel:
            break
        if "__get_pydantic_core_schema__" in vars(klass):
            return None
    lines = [
        "def check(v):",
        f"    if type(v) is not dict or len(v) != {len(model.model_fields)}:",
        "        return False",
        "    try:",
    ]
    for name, info in model.model_fields.items():
        key = info.validation_alias if info.validation_alias is not None else info.alias or name
        if not isinstance(key, str) or (info.serialization_alias or info.alias or name) != key:
            return None
        type_name = _PLAIN_TYPES.get(info.annotation)  # type: ignore[arg-type]
        if type_name is None or info.exclude:
            return None
        failing = [f"type(x) is not {type_name}"]
        for item in info.metadata:
            bound = _BOUNDS.get(type(item))
            if bound is not None and type_name == "int" and type(getattr(item, bound[0])) is int:
                failing.append(f"x {bound[1]} {getattr(item, bound[0])!r}")
            elif isinstance(item, annotated_types.MinLen) and type_name in ("bytes", "str"):
                failing.append(f"len(x) < {int(item.min_length)}")
            elif isinstance(item, annotated_types.MaxLen) and type_name in ("bytes", "str"):
                failing.append(f"len(x) > {int(item.max_length)}")
            elif not isinstance(item, _NO_CHECK):
                return None
        lines += [
            f"        x = v[{key!r}]",
            f"        if {' or '.join(failing)}:",
            "            return False",
        ]
    lines += ["    except KeyError:", "        return False", "    return True"]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # generated from the model's own fields only
    check: PlainCheck = namespace["check"]
    return check


class ValueCodec(Generic[T]):
    """Encode and decode the values of one store, event or command: dicts or model instances."""

    __slots__ = ("_compiled", "_decoded_check", "_plain_check", "model", "schema")

    def __init__(self, schema: dict[str, Any] | None, model: type[BaseModel] | None) -> None:
        if schema is None:
            schema = schema_from_model(model) if model is not None else EMPTY_SCHEMA
        self.schema = schema
        self.model = model
        self._compiled: CompiledSchema = codec.compile_schema(schema)
        self._decoded_check = compile_decoded_check(schema)
        self._plain_check: PlainCheck | None = _unbuilt  # built at the first dict encoded

    def encode(self, value: Any) -> bytes:
        """The bytes of ``value`` (a model instance or a dict in the schema's shape).

        With a model declared, a dict is checked against the model first: a value that could
        be written but never read back (a 19-byte address, say) is refused at write time.
        """
        # The pydantic-core validator and serializer are called directly: ``model_validate`` and
        # ``model_dump`` only forward their defaults to them, at a Python call's cost each.
        if isinstance(value, BaseModel):
            value = type(value).__pydantic_serializer__.to_python(value, by_alias=True)
        elif self.model is not None:
            model = self.model
            check = self._plain_check
            if check is _unbuilt:
                check = self._plain_check = plain_check(model)
            if check is not None and check(value):
                return self._compiled.encode(value)  # what validating and dumping would give
            try:
                instance = model.__pydantic_validator__.validate_python(value)
            except PydanticValidationError as error:
                raise _validation_error(error) from None
            value = model.__pydantic_serializer__.to_python(instance, by_alias=True)
        return self._compiled.encode(value)

    def decode(self, data: bytes) -> T:
        """The value of ``data``: a model instance when a model is declared, else a dict."""
        return self.from_plain(self._compiled.decode(data))

    def encode_plain(self, value: dict[str, Any]) -> bytes:
        """The bytes of a dict already in the schema's shape, without the model's check.

        For hot paths whose caller has checked the value itself; :meth:`encode` is the safe way.
        """
        return self._compiled.encode(value)

    def decode_plain(self, data: bytes) -> dict[str, Any]:
        """The decoded dict, before any model is built (what schema validation checks)."""
        return self._compiled.decode(data)

    def validate_decoded(self, value: dict[str, Any]) -> None:
        """Validate a freshly decoded value against the schema (ValidationError naming each error).

        Codec schemas with only length, count and range bounds are checked by a compiled fast
        path; anything it does not accept, and any other schema, goes to the full validator.
        """
        check = self._decoded_check
        if check is None or not check(value):
            validator.validate(self.schema, value)

    def from_plain(self, value: dict[str, Any]) -> T:
        """A decoded dict as this codec's value type (ValidationError if the model refuses it)."""
        if self.model is not None:
            try:
                return typing.cast(T, self.model.__pydantic_validator__.validate_python(value))
            except PydanticValidationError as error:
                raise _validation_error(error) from None
        return typing.cast(T, value)

    def to_plain(self, value: Any) -> dict[str, Any]:
        """``value`` as a dict in the schema's shape (for validation and JSON)."""
        if isinstance(value, BaseModel):
            return value.model_dump(by_alias=True)
        return dict(value)


def _validation_error(error: PydanticValidationError) -> ValidationError:
    """A model's refusal in the validator's words: one ``Property '<path>' <why>`` line each."""
    lines = []
    for detail in error.errors(include_url=False):
        path = "".join(f".{part}" for part in detail["loc"])
        lines.append(f"Property '{path}' {detail['msg'][:1].lower()}{detail['msg'][1:]}")
    return ValidationError(lines)


def model_of(cls: type, base: type) -> type[BaseModel] | None:
    """The pydantic model given as the generic argument of ``base`` in ``cls``'s bases, if any.

    ``class MessageStore(BaseStore[Message])`` declares ``Message`` as the value type.
    """
    for klass in cls.__mro__:
        for orig in getattr(klass, "__orig_bases__", ()):
            origin = get_origin(orig)
            if isinstance(origin, type) and issubclass(origin, base):
                for arg in get_args(orig):
                    if isinstance(arg, type) and issubclass(arg, BaseModel):
                        return arg
    return None
