"""The Rust decoding fast path against the generated Python decoder: the same values (types and
key order included) and the same CodecErrors, on valid, mutated and random bytes."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.codec._codegen import generate
from klayr_py.codec._native_decode import program
from klayr_py.errors import CodecError
from tests._native import native_module
from tests.codec.strategies import root_schemas, schemas_and_values
from tests.codec.test_properties import _mutated

native = native_module()

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _Fallback:
    """The Python decoder, counting the calls the fast path hands it."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.decode = generate(codec.compile_schema(schema).spec)[1]
        self.calls = 0

    def __call__(self, data: Any) -> dict[str, Any]:
        self.calls += 1
        return self.decode(data)


def _outcome(decode: Any, data: Any) -> tuple[str, str]:
    """('ok', repr of the value: types and key order show) or ('error', the message)."""
    try:
        return "ok", repr(decode(data))
    except CodecError as error:
        return "error", f"{error.path}|{error.reason}"


def _decoders(schema: dict[str, Any]) -> tuple[Any, _Fallback]:
    fallback = _Fallback(schema)
    return native.Decoder(program(codec.compile_schema(schema).spec), fallback), fallback


def _has_non_ascii(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii()
    if isinstance(value, dict):
        return any(_has_non_ascii(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_non_ascii(item) for item in value)
    return False


@SETTINGS
@given(schemas_and_values())
def test_valid_bytes_decode_natively_to_the_same_value(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    schema, value = pair
    data = codec.encode(schema, value)
    decoder, fallback = _decoders(schema)
    assert _outcome(decoder, data) == _outcome(fallback.decode, data)
    # Only non-ASCII strings (UTF-8 and NFC checks) are left to Python on valid input.
    assert fallback.calls == (1 if _has_non_ascii(value) else 0)


@SETTINGS
@given(_mutated())
def test_mutated_bytes_give_the_same_value_or_error(pair: tuple[dict[str, Any], bytes]) -> None:
    schema, data = pair
    decoder, fallback = _decoders(schema)
    assert _outcome(decoder, data) == _outcome(fallback.decode, data)


@SETTINGS
@given(root_schemas(), st.binary(max_size=64))
def test_random_bytes_give_the_same_value_or_error(schema: dict[str, Any], data: bytes) -> None:
    decoder, fallback = _decoders(schema)
    assert _outcome(decoder, data) == _outcome(fallback.decode, data)


@settings(max_examples=50, deadline=None)
@given(schemas_and_values())
def test_other_bytes_like_input_goes_to_python(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    schema, value = pair
    data = codec.encode(schema, value)
    decoder, fallback = _decoders(schema)
    for form in (bytearray(data), memoryview(data)):
        assert _outcome(decoder, form) == _outcome(fallback.decode, form)
    assert fallback.calls == 2


def test_compiled_schemas_use_the_native_decoder() -> None:
    """Unless KLAYR_PY_NO_NATIVE is set (then the Python decoder is used alone)."""
    from klayr_py import _native_loader

    schema = {"$id": "/native/decode", "type": "object", "properties": {}}
    decode = codec.compile_schema(schema).decode
    assert isinstance(decode, native.Decoder) == (_native_loader.native is not None)
    assert decode(b"") == {}
