"""The Rust encoding and decoding fast paths against the generated Python encoder and decoder:
the same values (types and key order included), the same bytes and the same CodecErrors, on
valid, mutated and random bytes and on values of every wrong type."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.codec._codegen import generate
from klayr_py.codec._native_paths import program
from klayr_py.errors import CodecError
from tests._native import native_module
from tests.codec.strategies import root_schemas, schemas_and_values
from tests.codec.test_properties import _mutated

native = native_module()

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _Fallback:
    """A generated Python path (0: encode, 1: decode), counting the calls handed to it."""

    def __init__(self, schema: dict[str, Any], which: int = 1) -> None:
        self.decode = generate(codec.compile_schema(schema).spec)[which]
        self.calls = 0

    def __call__(self, data: Any) -> Any:
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


def test_compiled_schemas_use_the_native_paths() -> None:
    """Unless KLAYR_PY_NO_NATIVE is set (then the Python paths are used alone)."""
    from klayr_py import _native_loader

    schema = {"$id": "/native/paths", "type": "object", "properties": {}}
    compiled = codec.compile_schema(schema)
    in_use = _native_loader.native is not None
    assert isinstance(compiled.decode, native.Decoder) == in_use
    assert isinstance(compiled.encode, native.Encoder) == in_use
    assert compiled.decode(b"") == {}
    assert compiled.encode({}) == b""


def _encoders(schema: dict[str, Any]) -> tuple[Any, _Fallback]:
    fallback = _Fallback(schema, 0)
    return native.Encoder(program(codec.compile_schema(schema).spec), fallback), fallback


def _encoded(encode: Any, value: Any) -> tuple[str, Any]:
    """('ok', the bytes) or ('error', the CodecError's path and reason)."""
    try:
        return "ok", encode(value)
    except CodecError as error:
        return "error", f"{error.path}|{error.reason}"


@SETTINGS
@given(schemas_and_values())
def test_valid_values_encode_natively_to_the_same_bytes(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    schema, value = pair
    encoder, fallback = _encoders(schema)
    assert _encoded(encoder, value) == _encoded(fallback.decode, value)
    # Only non-ASCII strings (NFC checks) are left to Python on values of the expected types.
    assert fallback.calls == (1 if _has_non_ascii(value) else 0)


_ODD_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.text(max_size=3),
    st.binary(max_size=3),
    st.booleans(),
    st.lists(st.integers(-3, 3), max_size=2),
    st.tuples(st.integers(0, 3)),
    st.floats(allow_nan=False),
    st.builds(bytearray, st.binary(max_size=2)),
    st.dictionaries(st.text(max_size=2), st.integers(0, 3), max_size=2),
)


@SETTINGS
@given(schemas_and_values(), st.data())
def test_altered_values_give_the_same_bytes_or_error(
    pair: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """A valid value with one property replaced, removed or wrapped: same bytes or error."""
    schema, value = pair
    altered: Any = dict(value)
    if altered:
        name = data.draw(st.sampled_from(sorted(altered)))
        action = data.draw(st.sampled_from(["replace", "remove", "extra", "tuple"]))
        if action == "replace":
            altered[name] = data.draw(_ODD_VALUES)
        elif action == "remove":
            del altered[name]
        elif action == "extra":
            altered["zzExtra"] = data.draw(_ODD_VALUES)
        elif isinstance(altered[name], list):
            altered[name] = tuple(altered[name])
    else:
        altered = data.draw(st.one_of(_ODD_VALUES, st.just({"x": 1})))
    encoder, fallback = _encoders(schema)
    assert _encoded(encoder, altered) == _encoded(fallback.decode, altered)
