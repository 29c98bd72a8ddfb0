"""The fast path for decoded values never accepts what the full validator (Klayr's) rejects."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py import validator
from klayr_py.errors import ValidationError
from klayr_py.modules._value_codec import ValueCodec
from klayr_py.validator.decoded_check import compile_decoded_check


def _schema(**address: Any) -> dict[str, Any]:
    return {
        "$id": "/test/decodedCheck",
        "type": "object",
        "required": ["address"],
        "properties": {"address": {"dataType": "bytes", "fieldNumber": 1, **address}},
    }


KLAYR32 = _schema(format="klayr32")


def test_a_klayr32_bytes_value_must_be_20_bytes() -> None:
    check = compile_decoded_check(KLAYR32)
    assert check is not None
    assert check({"address": bytes(20)})
    assert not check({"address": bytes(19)})
    assert not check({"address": bytes(21)})


def test_a_command_without_a_model_refuses_a_19_byte_address() -> None:
    # Klayr's dataType keyword: "address length invalid" for a klayr32 bytes value of 19 bytes.
    values: ValueCodec[dict[str, Any]] = ValueCodec(KLAYR32, None)
    with pytest.raises(ValidationError, match="address length invalid"):
        values.validate_decoded({"address": bytes(19)})
    values.validate_decoded({"address": bytes(20)})


def test_another_format_on_bytes_is_left_to_the_full_validator() -> None:
    assert compile_decoded_check(_schema(format="hex")) is None


@given(
    length=st.integers(0, 40),
    bounds=st.fixed_dictionaries(
        {}, optional={"minLength": st.integers(0, 30), "maxLength": st.integers(0, 30)}
    ),
    address_format=st.sampled_from([None, "klayr32"]),
)
def test_the_fast_path_agrees_with_the_validator(
    length: int, bounds: dict[str, int], address_format: str | None
) -> None:
    schema = _schema(**bounds, **({"format": address_format} if address_format else {}))
    check = compile_decoded_check(schema)
    assert check is not None
    value = {"address": bytes(length)}
    try:
        validator.validate(schema, value)
        valid = True
    except ValidationError:
        valid = False
    assert check(value) == valid
