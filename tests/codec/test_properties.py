"""Property tests: round trips, canonical bytes, and no error but CodecError on any input."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.codec._codegen import generate_paths
from klayr_py.codec._runtime import Recheck
from klayr_py.errors import CodecError

from .strategies import root_schemas, schemas_and_values

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(schemas_and_values())
def test_decode_inverts_encode(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    schema, value = pair
    data = codec.encode(schema, value)
    assert codec.decode(schema, data) == value
    assert codec.encode(schema, codec.decode(schema, data)) == data


@SETTINGS
@given(schemas_and_values())
def test_json_form_round_trips(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    schema, value = pair
    as_json = codec.to_json(schema, value)
    assert codec.from_json(schema, as_json) == value
    assert codec.decode_json(schema, codec.encode(schema, value)) == as_json
    assert codec.encode_json(schema, as_json) == codec.encode(schema, value)


def _accepts_only_canonical(schema: dict[str, Any], data: bytes) -> None:
    """Decoding raises CodecError only; whatever decodes re-encodes to the very same bytes."""
    try:
        value = codec.decode(schema, data)
    except CodecError as exc:
        assert str(exc)
        return
    assert codec.encode(schema, value) == data


@SETTINGS
@given(root_schemas(), st.binary(max_size=64))
def test_random_bytes_raise_only_codec_error(schema: dict[str, Any], data: bytes) -> None:
    _accepts_only_canonical(schema, data)


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    schema, value = draw(schemas_and_values())
    data = bytearray(codec.encode(schema, value))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "append"]))
        position = draw(st.integers(0, len(data)))
        if action == "flip" and data:
            data[min(position, len(data) - 1)] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=3))
        elif action == "delete" and data:
            del data[min(position, len(data) - 1)]
        elif action == "truncate":
            del data[position:]
        else:
            data += draw(st.binary(min_size=1, max_size=3))
    return schema, bytes(data)


@SETTINGS
@given(_mutated())
def test_mutated_bytes_raise_only_codec_error(pair: tuple[dict[str, Any], bytes]) -> None:
    _accepts_only_canonical(*pair)


@settings(max_examples=200, deadline=None)
@given(root_schemas(), st.data())
def test_values_of_the_wrong_type_raise_codec_error(
    schema: dict[str, Any], data: st.DataObject
) -> None:
    value = data.draw(
        st.dictionaries(
            st.sampled_from(sorted(schema["properties"]) or ["x"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=3),
                st.binary(max_size=3),
                st.booleans(),
                st.lists(st.integers(), max_size=2),
                st.floats(),
            ),
        )
    )
    try:
        codec.encode(schema, value)
    except CodecError as exc:
        assert exc.path.startswith(".")


def _paths(schema: dict[str, Any]) -> dict[str, Any]:
    return generate_paths(codec.compile_schema(schema).spec)


def _decode_with(decoder: Any, data: bytes) -> Any:
    """('ok', value), ('error', message) or ('deferred', None) for a fast-path hand-off."""
    try:
        return ("ok", decoder(data, 0, len(data))[0])
    except CodecError as exc:
        return ("error", str(exc))
    except (IndexError, UnicodeDecodeError, Recheck):
        return ("deferred", None)


@SETTINGS
@given(_mutated())
def test_fast_and_checked_decoders_agree(pair: tuple[dict[str, Any], bytes]) -> None:
    schema, data = pair
    paths = _paths(schema)
    fast = _decode_with(paths["fast_decode"], data)
    checked = _decode_with(paths["checked_decode"], data)
    assert checked[0] != "deferred"
    if fast[0] == "deferred":
        assert checked[0] == "error"  # the fast path only hands off what is invalid
    else:
        assert fast[0] == checked[0]
        if fast[0] == "ok":
            assert fast[1] == checked[1]


@SETTINGS
@given(schemas_and_values())
def test_fast_and_checked_encoders_agree(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    schema, value = pair
    paths = _paths(schema)
    out = bytearray()
    paths["checked_encode"](value, out)
    assert paths["fast_encode"](value) == bytes(out)
