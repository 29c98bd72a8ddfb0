"""Differential tests against Klayr's own codec (npm @klayr/codec), skipped without Node.js."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.codec._spec import VARINT_TYPES
from klayr_py.codec.varint import uvarint
from klayr_py.errors import CodecError
from tests.oracle.batch import draw_many
from tests.oracle.node import require_oracle, run_node

from .strategies import schemas_and_values

_KLAYR_CODEC = """
const { codec } = require('@klayr/codec');
const results = input.map(({ schema, json, hex }) => {
  const out = {};
  try { out.encoded = codec.encodeJSON(schema, json).toString('hex'); }
  catch (e) { out.encodeError = e.message; }
  try { out.decoded = codec.decodeJSON(schema, Buffer.from(hex, 'hex')); }
  catch (e) { out.decodeError = e.message; }
  return out;
});
output(results);
"""


def _unique_id(schema: dict[str, Any], index: int) -> dict[str, Any]:
    """klayr-codec caches compiled schemas by $id alone, so every case needs its own $id."""
    return {**schema, "$id": f"/oracle/case{index}"}


def _klayr_misreads(schema: dict[str, Any]) -> bool:
    """Does klayr-codec fail to decode some messages of this schema that it encodes itself?

    klayr-codec's array reader compares only the FIRST byte of a repeated field's key, so when a
    later sibling's multi-byte key starts with the same byte it reads that sibling as one more
    element: it then fails, or silently returns a wrong value. klayr_py compares whole keys.
    """
    properties = schema["properties"]
    first_bytes = {
        name: uvarint(p["fieldNumber"] << 3 | (0 if p.get("dataType") in VARINT_TYPES else 2))[0]
        for name, p in properties.items()
    }
    for name, prop in properties.items():
        repeated = prop.get("type") == "array" and prop["items"].get("dataType") not in VARINT_TYPES
        if repeated and any(
            first_bytes[other] == first_bytes[name]
            and other_prop["fieldNumber"] > prop["fieldNumber"]
            for other, other_prop in properties.items()
        ):
            return True
        nested = prop["items"] if prop.get("type") == "array" else prop
        if nested.get("type") == "object" and _klayr_misreads(nested):
            return True
    return False


def _klayr_view(schema: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """``value`` as klayr-codec decodes it: it drops array objects that encode to zero bytes.

    (A documented deviation: klayr_py keeps them, so decoding stays the inverse of encoding.)
    """
    result = dict(value)
    for name, prop in schema["properties"].items():
        if prop.get("type") == "object":
            result[name] = _klayr_view(prop, value[name])
        elif prop.get("type") == "array" and prop["items"].get("type") == "object":
            items = prop["items"]
            result[name] = [
                _klayr_view(items, element)
                for element in value[name]
                if codec.encode({"$id": "/view", **items}, element)
            ]
    return result


def test_klayr_codec_agrees_on_valid_values() -> None:
    require_oracle("@klayr/codec")
    cases = draw_many(schemas_and_values(), 150)
    payload = [
        {"schema": _unique_id(s, k), "json": codec.to_json(s, v), "hex": codec.encode(s, v).hex()}
        for k, (s, v) in enumerate(cases)
    ]
    results = run_node(_KLAYR_CODEC, payload)
    failures = [
        (schema, value, got)
        for (schema, value), sent, got in zip(cases, payload, results, strict=True)
        if got.get("encoded") != sent["hex"]
        or (
            got.get("decoded") != codec.to_json(schema, _klayr_view(schema, value))
            and not _klayr_misreads(schema)
        )
    ]
    assert not failures, min(failures, key=lambda f: len(repr(f)))


@st.composite
def _byte_strings(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    schema, value = draw(schemas_and_values())
    data = bytearray(codec.encode(schema, value))
    if data and draw(st.booleans()):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    else:
        data = bytearray(draw(st.binary(max_size=24)))
    return schema, bytes(data)


def test_klayr_py_is_never_laxer_than_klayr_codec() -> None:
    """Whatever klayr_py accepts, klayr-codec accepts too and decodes to the same value."""
    require_oracle("@klayr/codec")
    cases = draw_many(_byte_strings(), 200)
    payload = [
        {"schema": _unique_id(s, k), "json": {}, "hex": data.hex()}
        for k, (s, data) in enumerate(cases)
    ]
    results = run_node(_KLAYR_CODEC, payload)
    failures = []
    for (schema, data), got in zip(cases, results, strict=True):
        try:
            value = codec.decode(schema, data)
        except CodecError:
            continue
        if _klayr_misreads(schema):
            continue
        if got.get("decoded") != codec.to_json(schema, _klayr_view(schema, value)):
            failures.append((schema, data.hex(), got))
    assert not failures, min(failures, key=lambda f: len(repr(f)))


def test_klayr_rejects_what_we_reject_on_known_cases() -> None:
    """Spot checks of strictness both codecs share."""
    require_oracle("@klayr/codec")
    schema = {
        "$id": "/strict",
        "type": "object",
        "properties": {
            "a": {"dataType": "uint32", "fieldNumber": 1},
            "b": {"dataType": "boolean", "fieldNumber": 2},
        },
    }
    bad = ["0880001001", "08011002", "1001", "080110010a", "08ffffffff1f1001", "080110"]
    results = run_node(_KLAYR_CODEC, [{"schema": schema, "json": {}, "hex": h} for h in bad])
    for hex_data, got in zip(bad, results, strict=True):
        assert "decodeError" in got, hex_data
        try:
            codec.decode(schema, bytes.fromhex(hex_data))
        except CodecError:
            continue
        raise AssertionError(f"klayr_py accepted {hex_data}")
