"""What stores, events and commands share: a derived name and a declared value type."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from klayr_py.modules._naming import DerivedName
from klayr_py.modules._value_codec import ValueCodec, model_of

T = TypeVar("T")


class Declared(DerivedName, Generic[T]):
    """A class whose ``name`` derives from its class name and whose values have one type.

    Subclasses declare the value type as a class attribute, either ``schema`` (a Klayr schema;
    values are dicts) or ``model`` (a pydantic model; values are instances, the schema is
    derived), or as the generic argument: ``class MessageStore(BaseStore[Message])``. With
    neither, the schema is Klayr's empty schema. Assigning ``self.schema`` later (as Klayr's
    hello command does to apply its configured lengths) keeps the model for values.
    """

    schema: dict[str, Any] | None = None
    model: type[BaseModel] | None = None
    _generic_base: ClassVar[type | None] = None  # the class whose generic argument is the model

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.model is None and cls._generic_base is not None:
            cls.model = model_of(cls, cls._generic_base)

    def __init__(self) -> None:
        # A private copy: Klayr-style in-place edits in init must not leak to other instances.
        schema = copy.deepcopy(self.schema) if self.schema is not None else None
        self._codec: ValueCodec[T] = ValueCodec(schema, self.model)
        self.schema = self._codec.schema

    def refresh_schema(self) -> None:
        """Recompile the value codec from ``schema`` as it is now.

        Klayr modules adjust a schema in place during ``init`` (the hello command sets its
        message lengths from config); the state machine calls this after every module's init.
        """
        self._codec = ValueCodec(self.schema, self._codec.model)
        self.schema = self._codec.schema

    @property
    def codec(self) -> ValueCodec[T]:
        """The codec of this item's values (rebuilt if ``schema`` was reassigned)."""
        if self._codec.schema is not self.schema:
            self._codec = ValueCodec(self.schema, self._codec.model)
        return self._codec
