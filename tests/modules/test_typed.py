"""Typed values: Klayr schemas derived from pydantic models, and the value codec."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Optional, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from klayr_py import codec, validator
from klayr_py.errors import CodecError, ValidationError
from klayr_py.modules import (
    Address,
    BaseCommand,
    BaseEvent,
    BaseStore,
    DataType,
    Field,
    FieldNumber,
    Format,
    KlayrModel,
    SInt32,
    SInt64,
    UInt32,
    UInt64,
    schema_from_model,
)
from klayr_py.modules._value_codec import EMPTY_SCHEMA, ValueCodec, model_of
from tests.oracle.node import require_oracle, run_node


class Scalars(KlayrModel):
    flag: bool
    label: str
    blob: bytes
    plain: int
    small: UInt32
    signed_small: SInt32
    big: UInt64
    signed_big: SInt64


def test_scalars_and_integer_widths() -> None:
    schema = schema_from_model(Scalars)
    assert schema == {
        "$id": f"/{__name__}/Scalars",
        "type": "object",
        "required": ["flag", "label", "blob", "plain", "small", "signedSmall", "big", "signedBig"],
        "properties": {
            "flag": {"dataType": "boolean", "fieldNumber": 1},
            "label": {"dataType": "string", "fieldNumber": 2},
            "blob": {"dataType": "bytes", "fieldNumber": 3},
            "plain": {"dataType": "uint64", "fieldNumber": 4},
            "small": {"dataType": "uint32", "fieldNumber": 5},
            "signedSmall": {"dataType": "sint32", "fieldNumber": 6},
            "big": {"dataType": "uint64", "fieldNumber": 7},
            "signedBig": {"dataType": "sint64", "fieldNumber": 8},
        },
    }


def test_schema_id_can_be_given() -> None:
    assert schema_from_model(Scalars, "/my/id")["$id"] == "/my/id"


def test_integer_annotations_carry_their_ranges() -> None:
    Scalars(flag=True, label="", blob=b"", plain=0, small=2**32 - 1, signed_small=-(2**31),
            big=2**64 - 1, signed_big=-(2**63))  # fmt: skip
    for field, bad in [
        ("small", 2**32),
        ("small", -1),
        ("signed_small", 2**31),
        ("big", 2**64),
        ("signed_big", -(2**63) - 1),
    ]:
        values: dict[str, Any] = {
            "flag": True, "label": "", "blob": b"", "plain": 0, "small": 0,
            "signed_small": 0, "big": 0, "signed_big": 0,
        }  # fmt: skip
        values[field] = bad
        with pytest.raises(ValueError, match=field):
            Scalars(**values)


def test_field_numbers_follow_declaration_order_unless_given() -> None:
    class Numbered(KlayrModel):
        third: Annotated[int, FieldNumber(3)]
        second: UInt32
        first: Annotated[bytes, FieldNumber(1)]

    props = schema_from_model(Numbered)["properties"]
    assert [props[n]["fieldNumber"] for n in ("third", "second", "first")] == [3, 2, 1]
    encoded = ValueCodec(None, Numbered).encode(Numbered(third=3, second=2, first=b"\x01"))
    assert encoded == bytes.fromhex("0a010110021803")  # encoded in field-number order


def test_unnumbered_fields_take_the_lowest_numbers_not_given_explicitly() -> None:
    class Mixed(KlayrModel):
        a: int
        b: Annotated[int, FieldNumber(1)]
        c: int
        d: Annotated[int, FieldNumber(3)]
        e: int

    props = schema_from_model(Mixed)["properties"]
    assert {name: props[name]["fieldNumber"] for name in "abcde"} == {
        "a": 2,
        "b": 1,
        "c": 4,
        "d": 3,
        "e": 5,
    }


def test_a_field_number_given_twice_is_an_error_naming_the_field() -> None:
    class Clash(KlayrModel):
        a: Annotated[int, FieldNumber(2)]
        b: int
        c: Annotated[int, FieldNumber(2)]

    with pytest.raises(TypeError, match=r"Clash\.c: field number 2 is used twice"):
        schema_from_model(Clash)


def test_lengths_formats_and_addresses() -> None:
    class Limits(KlayrModel):
        name: str = Field(min_length=3, max_length=20)
        payload: bytes = Field(max_length=64)
        owner: Address
        tag: Annotated[str, Format("hex")]

    props = schema_from_model(Limits)["properties"]
    assert props["name"] == {
        "dataType": "string",
        "minLength": 3,
        "maxLength": 20,
        "fieldNumber": 1,
    }
    assert props["payload"] == {"dataType": "bytes", "maxLength": 64, "fieldNumber": 2}
    assert props["owner"] == {
        "dataType": "bytes",
        "format": "klayr32",
        "minLength": 20,
        "maxLength": 20,
        "fieldNumber": 3,
    }
    assert props["tag"] == {"dataType": "string", "format": "hex", "fieldNumber": 4}
    with pytest.raises(ValueError, match="owner"):
        Limits(name="abc", payload=b"", owner=bytes(19), tag="00")


class Inner(KlayrModel):
    some_value: UInt32
    note: str


class Outer(KlayrModel):
    inner: Inner
    inners: list[Inner] = Field(max_length=4)
    numbers: list[SInt64] = Field(min_length=1)
    blobs: list[bytes]


def test_nested_models_and_lists() -> None:
    schema = schema_from_model(Outer)
    inner = {
        "type": "object",
        "required": ["someValue", "note"],
        "properties": {
            "someValue": {"dataType": "uint32", "fieldNumber": 1},
            "note": {"dataType": "string", "fieldNumber": 2},
        },
    }
    assert schema["properties"] == {
        "inner": {**inner, "fieldNumber": 1},
        "inners": {"type": "array", "items": inner, "maxItems": 4, "fieldNumber": 2},
        "numbers": {
            "type": "array",
            "items": {"dataType": "sint64"},
            "minItems": 1,
            "fieldNumber": 3,
        },
        "blobs": {"type": "array", "items": {"dataType": "bytes"}, "fieldNumber": 4},
    }


def test_list_items_keep_their_annotations() -> None:
    class Items(KlayrModel):
        small: list[UInt32]
        owners: list[Address]

    props = schema_from_model(Items)["properties"]
    assert props["small"]["items"] == {"dataType": "uint32"}
    assert props["owners"]["items"] == {
        "dataType": "bytes",
        "format": "klayr32",
        "minLength": 20,
        "maxLength": 20,
    }


def test_klayr_model_uses_camel_case_aliases_and_accepts_both_names() -> None:
    assert Inner(some_value=1, note="").model_dump(by_alias=True) == {"someValue": 1, "note": ""}
    assert Inner.model_validate({"someValue": 1, "note": ""}) == Inner(some_value=1, note="")


def test_a_plain_pydantic_model_keeps_its_field_names() -> None:
    class Plain(BaseModel):
        snake_case: int
        other_name: str

    schema = schema_from_model(Plain)
    assert list(schema["properties"]) == ["snake_case", "other_name"]
    values = ValueCodec(None, Plain)
    assert values.decode(values.encode(Plain(snake_case=5, other_name="x"))) == Plain(
        snake_case=5, other_name="x"
    )


def test_derived_schemas_are_valid_klayr_schemas_that_the_codec_compiles() -> None:
    class Addresses(KlayrModel):
        owner: Address
        owners: list[Address]

    for model in (Scalars, Inner, Outer, Addresses):
        schema = schema_from_model(model)
        validator.validate_schema(schema)
        codec.compile_schema(schema)


def test_values_of_a_derived_schema_pass_the_validator() -> None:
    class Addressed(KlayrModel):
        owner: Address
        name: str = Field(min_length=1, max_length=3)

    schema = schema_from_model(Addressed)
    validator.validate(schema, {"owner": bytes(20), "name": "abc"})
    with pytest.raises(ValidationError, match="name"):
        validator.validate(schema, {"owner": bytes(20), "name": "abcd"})
    with pytest.raises(ValidationError, match="owner"):
        validator.validate(schema, {"owner": bytes(19), "name": "abc"})


@pytest.mark.parametrize(
    "annotation",
    [
        Optional[int],  # noqa: UP045
        int | None,
        Union[int, str],  # noqa: UP007
        float,
        dict,
        dict[str, int],
        set[int],
        Any,
        list,
        list[int | None],
    ],
    ids=repr,
)
def test_unsupported_annotations_raise_type_error_naming_the_field(annotation: Any) -> None:
    model = type("Bad", (KlayrModel,), {"__annotations__": {"the_field": annotation}})
    with pytest.raises(TypeError, match=r"Bad\.the_field"):
        schema_from_model(model)


def test_data_type_on_a_non_int_field_is_an_error() -> None:
    class WrongWidth(KlayrModel):
        text: Annotated[str, DataType("uint32")]

    with pytest.raises(TypeError, match=r"WrongWidth\.text: dataType uint32 needs an int field"):
        schema_from_model(WrongWidth)


def test_unsupported_nested_field_names_its_path() -> None:
    class Deep(KlayrModel):
        ratio: float

    class Top(KlayrModel):
        deep: Deep

    with pytest.raises(TypeError, match=r"Top\.deep\.ratio"):
        schema_from_model(Top)


@pytest.mark.parametrize("annotation", [tuple[int, str], tuple[UInt32, ...]], ids=repr)
def test_tuples_are_rejected(annotation: Any) -> None:
    # A heterogeneous tuple has no Klayr encoding, and strict models refuse the lists the codec
    # decodes into a homogeneous one: lists are the way to declare arrays.
    model = type("Pair", (KlayrModel,), {"__annotations__": {"pair": annotation}})
    with pytest.raises(TypeError, match=r"Pair\.pair"):
        schema_from_model(model)


# --- the value codec ---------------------------------------------------------------------------


def test_value_codec_with_a_model_gives_model_instances() -> None:
    values: ValueCodec[Outer] = ValueCodec(None, Outer)
    value = Outer(
        inner=Inner(some_value=7, note="n"),
        inners=[Inner(some_value=1, note="a"), Inner(some_value=2, note="b")],
        numbers=[-(2**63), 0, 2**63 - 1],
        blobs=[b"", b"\x00\xff"],
    )
    encoded = values.encode(value)
    assert encoded == codec.encode(values.schema, value.model_dump(by_alias=True))
    assert values.decode(encoded) == value
    plain = values.decode_dict(encoded)
    assert plain["inner"] == {"someValue": 7, "note": "n"}
    assert values.from_dict(plain) == value
    assert values.to_dict(value) == plain


def test_value_codec_with_a_schema_gives_dicts() -> None:
    schema = schema_from_model(Inner, "/inner")
    values: ValueCodec[dict[str, Any]] = ValueCodec(schema, None)
    encoded = values.encode({"someValue": 3, "note": "x"})
    assert values.decode(encoded) == {"someValue": 3, "note": "x"}
    assert values.to_dict({"someValue": 3, "note": "x"}) == {"someValue": 3, "note": "x"}


def test_value_codec_without_schema_or_model_is_klayrs_empty_schema() -> None:
    values: ValueCodec[Any] = ValueCodec(None, None)
    assert values.schema is EMPTY_SCHEMA
    assert values.encode({}) == b""
    assert values.decode(b"") == {}


def test_decoding_garbage_raises_codec_error() -> None:
    values = ValueCodec(None, Inner)
    with pytest.raises(CodecError):
        values.decode(b"\xff\xff\xff")


@given(
    some_value=st.integers(0, 2**32 - 1),
    # The codec writes strings in Unicode normal form C, as Klayr does, so generate NFC text.
    note=st.text(max_size=20).map(lambda text: unicodedata.normalize("NFC", text)),
    numbers=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=4),
    blobs=st.lists(st.binary(max_size=8), max_size=3),
)
def test_model_round_trip_property(
    some_value: int, note: str, numbers: list[int], blobs: list[bytes]
) -> None:
    values = ValueCodec(None, Outer)
    value = Outer(
        inner=Inner(some_value=some_value, note=note),
        inners=[Inner(some_value=some_value, note=note)],
        numbers=numbers,
        blobs=blobs,
    )
    encoded = values.encode(value)
    assert values.decode(encoded) == value
    assert encoded == codec.encode(schema_from_model(Outer), value.model_dump(by_alias=True))


# --- declaring the value type ------------------------------------------------------------------


def test_the_generic_argument_declares_the_model() -> None:
    class InnerStore(BaseStore[Inner]):
        pass

    class InnerEvent(BaseEvent[Inner]):
        pass

    class InnerCommand(BaseCommand[Inner]):
        pass

    assert InnerStore.model is Inner
    assert InnerEvent.model is Inner
    assert InnerCommand.model is Inner
    assert InnerStore("m", 0).schema == schema_from_model(Inner)
    assert model_of(InnerStore, BaseStore) is Inner


def test_the_model_attribute_declares_the_model() -> None:
    class AttrStore(BaseStore):  # type: ignore[type-arg]
        model = Inner

    assert AttrStore("m", 0).codec.decode(
        AttrStore("m", 0).codec.encode(Inner(some_value=1, note=""))
    ) == Inner(some_value=1, note="")


def test_a_schema_attribute_with_a_model_keeps_the_schema_and_decodes_to_the_model() -> None:
    custom = schema_from_model(Inner, "/custom/inner")

    class CustomStore(BaseStore[Inner]):
        schema = custom

    store = CustomStore("m", 0)
    assert store.schema == custom  # a private copy of the declared schema
    assert store.codec.decode(store.codec.encode(Inner(some_value=4, note="z"))) == Inner(
        some_value=4, note="z"
    )


def test_the_model_is_inherited_through_an_intermediate_generic_class() -> None:
    from klayr_py.modules import BaseSingletonStore

    class InnerSingletonStore(BaseSingletonStore[Inner]):
        pass

    class SubclassStore(InnerSingletonStore):
        pass

    assert InnerSingletonStore.model is Inner
    assert SubclassStore.model is Inner


# --- against Klayr's own codec and validator ----------------------------------------------------

_KLAYR_CODEC = """
const { codec } = require('@klayr/codec');
const { validator } = require('@klayr/validator');
output(input.map(({ schema, json }) => {
  codec.addSchema(schema);
  validator.validateSchema(schema);
  const encoded = codec.encodeJSON(schema, json).toString('hex');
  validator.validate(schema, codec.decode(schema, Buffer.from(encoded, 'hex')));
  return encoded;
}));
"""


def test_derived_schemas_encode_in_klayrs_codec_to_the_same_bytes() -> None:
    require_oracle("@klayr/validator")

    class Addressed(KlayrModel):
        owner: Address
        owners: list[Address] = Field(max_length=2)
        label: str = Field(min_length=1, max_length=8)

    cases: list[BaseModel] = [
        Scalars(
            flag=True,
            label="é",
            blob=b"\x00\x01",
            plain=2**64 - 1,
            small=2**32 - 1,
            signed_small=-(2**31),
            big=0,
            signed_big=-(2**63),
        ),
        Outer(
            inner=Inner(some_value=7, note="n"),
            inners=[Inner(some_value=1, note=""), Inner(some_value=2**32 - 1, note="b")],
            numbers=[-1, 0, 2**63 - 1],
            blobs=[b"", b"\xff"],
        ),
        Addressed(owner=bytes(range(20)), owners=[bytes(20)], label="abc"),
    ]
    payload = []
    for index, value in enumerate(cases):
        schema = schema_from_model(type(value), f"/typed/oracle/{index}")
        plain = value.model_dump(by_alias=True)
        payload.append({"schema": schema, "json": codec.to_json(schema, plain)})
    klayr = run_node(_KLAYR_CODEC, payload)
    assert klayr == [ValueCodec(None, type(value)).encode(value).hex() for value in cases]


def test_a_typed_store_refuses_a_dict_it_could_not_read_back() -> None:
    """Review finding: a 19-byte address used to be written, then every read failed."""
    from klayr_py.db import InMemoryDatabase
    from klayr_py.state import StateStore

    class Holder(KlayrModel):
        owner: Address

    class HolderStore(BaseStore[Holder]):
        pass

    store, state = HolderStore("holders", 0), StateStore(InMemoryDatabase())
    with pytest.raises(ValidationError, match="20"):
        store.set(state, b"k", {"owner": bytes(19)})
    assert not store.has(state, b"k")
    holder = Holder(owner=bytes(20))
    with pytest.raises(Exception, match="20"):  # validate_assignment guards instances too
        holder.owner = bytes(19)
    store.set(state, b"k", holder)
    assert store.get(state, b"k") == holder


def test_schema_from_model_names_a_property_as_values_dump() -> None:
    class Data(KlayrModel):
        token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")

    schema = schema_from_model(Data)
    assert list(schema["properties"]) == ["tokenID"]
    values = ValueCodec[Data](None, Data)
    value = Data.model_validate({"tokenID": b"\x01"})
    assert values.decode(values.encode(value)).token_id == b"\x01"


def test_a_model_refusing_a_decoded_value_speaks_the_validators_language() -> None:
    """A model stricter than its schema refuses in Klayr's validator form, not pydantic's."""
    from pydantic import ValidationError as PydanticValidationError

    class Holder(KlayrModel):
        owner: Address

    loose = {
        "$id": "/test/looseHolder",
        "type": "object",
        "required": ["owner"],
        "properties": {"owner": {"dataType": "bytes", "fieldNumber": 1}},
    }
    values: ValueCodec[Holder] = ValueCodec(loose, Holder)
    for attempt in (
        lambda: values.from_dict({"owner": bytes(19)}),
        lambda: values.decode(codec.encode(loose, {"owner": bytes(19)})),
        lambda: values.encode({"owner": bytes(19)}),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert not isinstance(caught.value, PydanticValidationError)
        assert str(caught.value).startswith("Klayr validator found 1 error[s]:\nProperty '.owner' ")
