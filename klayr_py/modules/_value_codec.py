"""How a store, event or command turns its values into bytes and back: dicts or model instances."""

from __future__ import annotations

import typing
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from klayr_py import codec, validator
from klayr_py.codec import CompiledSchema
from klayr_py.errors import ValidationError
from klayr_py.modules._passthrough import PassthroughCheck, passthrough_check, unbuilt
from klayr_py.modules._schema_from_model import schema_from_model
from klayr_py.validator.decoded_check import compile_decoded_check

T = TypeVar("T")

EMPTY_SCHEMA: dict[str, Any] = {"$id": "/klayr/empty", "type": "object", "properties": {}}


class ValueCodec(Generic[T]):
    """Encode and decode the values of one store, event or command: dicts or model instances."""

    __slots__ = ("_compiled", "_decoded_check", "_passthrough", "model", "schema")

    def __init__(self, schema: dict[str, Any] | None, model: type[BaseModel] | None) -> None:
        if schema is None:
            schema = schema_from_model(model) if model is not None else EMPTY_SCHEMA
        self.schema = schema
        self.model = model
        self._compiled: CompiledSchema = codec.compile_schema(schema)
        self._decoded_check = compile_decoded_check(schema)
        self._passthrough: PassthroughCheck | None = unbuilt  # built at the first dict encoded

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
            check = self._passthrough
            if check is unbuilt:
                check = self._passthrough = passthrough_check(model)
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
        return self.from_dict(self._compiled.decode(data))

    def encode_unchecked(self, value: dict[str, Any]) -> bytes:
        """The bytes of a dict already in the schema's shape, without the model's check.

        For hot paths whose caller has checked the value itself; :meth:`encode` is the safe way.
        """
        return self._compiled.encode(value)

    def decode_dict(self, data: bytes) -> dict[str, Any]:
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

    def from_dict(self, value: dict[str, Any]) -> T:
        """A decoded dict as this codec's value type (ValidationError if the model refuses it)."""
        if self.model is not None:
            try:
                return typing.cast(T, self.model.__pydantic_validator__.validate_python(value))
            except PydanticValidationError as error:
                raise _validation_error(error) from None
        return typing.cast(T, value)

    def to_dict(self, value: Any) -> dict[str, Any]:
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
