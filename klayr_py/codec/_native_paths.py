"""The Rust fast paths (``klayr_py._native.Encoder``/``Decoder``), wrapped around the generated
Python encoder and decoder of a compiled schema.

The Rust decoder takes only plainly canonical input and hands everything else (malformed bytes,
non-ASCII strings, bytes-like objects other than ``bytes``) to the Python decoder; the Rust
encoder takes only plainly valid values (a ``dict`` with every property, each of exactly the
type the generated fast encoder expects, ASCII strings) and hands everything else to the Python
encoder. So values, bytes and ``CodecError`` messages are the Python code's. Without the
extension, or with ``KLAYR_PY_NO_NATIVE=1``, the Python paths are used alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py._native_loader import pick
from klayr_py.codec._spec import ObjectSpec

__all__ = ["program", "with_native_decoder", "with_native_encoder"]

_Decoder = Callable[[Any], dict[str, Any]]
_Encoder = Callable[[Any], bytes]

_DATA_TYPES = {
    "uint32": 0,
    "sint32": 1,
    "uint64": 2,
    "sint64": 3,
    "boolean": 4,
    "bytes": 5,
    "string": 6,
}
_KINDS = {"scalar": 0, "object": 1, "array": 2, "object_array": 3}

Program = tuple[tuple[str, int, int, int, Any], ...]


def program(spec: ObjectSpec) -> Program:
    """``spec`` as the Rust decoder reads it: per field, in field number order, ``(name,
    field_number, kind, data_type, nested program)``."""
    return tuple(
        (
            field.name,
            field.field_number,
            _KINDS[field.kind],
            _DATA_TYPES.get(field.data_type or "", 0),
            program(field.object) if field.object is not None else (),
        )
        for field in spec.fields
    )


def _python_decoder(_program: Program, python_decode: _Decoder) -> _Decoder:
    return python_decode


def _python_encoder(_program: Program, python_encode: _Encoder) -> _Encoder:
    return python_encode


_make_decoder = pick("Decoder", _python_decoder)
_make_encoder = pick("Encoder", _python_encoder)


def with_native_decoder(spec: ObjectSpec, python_decode: _Decoder) -> _Decoder:
    """A decoder for ``spec``: the Rust fast path in front of ``python_decode`` when the
    extension is in use, else ``python_decode`` itself."""
    return _make_decoder(program(spec), python_decode)


def with_native_encoder(spec: ObjectSpec, python_encode: _Encoder) -> _Encoder:
    """An encoder for ``spec``: the Rust fast path in front of ``python_encode`` when the
    extension is in use, else ``python_encode`` itself."""
    return _make_encoder(program(spec), python_encode)
