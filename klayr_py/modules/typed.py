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

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from klayr_py.modules._markers import DataType, FieldNumber, Format
from klayr_py.modules._schema_from_model import schema_from_model

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
    "schema_from_model",
]


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
