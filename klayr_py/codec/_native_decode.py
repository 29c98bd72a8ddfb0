"""The Rust fast path for decoding (``klayr_py._native.Decoder``), wrapped around the generated
Python decoder of a compiled schema.

The Rust decoder takes only plainly canonical input and hands everything else (malformed bytes,
non-ASCII strings, bytes-like objects other than ``bytes``) to the Python decoder, so values and
``CodecError`` messages are the Python decoder's. Without the extension, or with
``KLAYR_PY_NO_NATIVE=1``, the Python decoder is used alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py._native_loader import pick
from klayr_py.codec._spec import ObjectSpec

__all__ = ["with_native_decoder"]

_Decoder = Callable[[bytes], dict[str, Any]]

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


def _python_only(_program: Program, python_decode: _Decoder) -> _Decoder:
    return python_decode


_make_decoder = pick("Decoder", _python_only)


def with_native_decoder(spec: ObjectSpec, python_decode: _Decoder) -> _Decoder:
    """A decoder for ``spec``: the Rust fast path in front of ``python_decode`` when the
    extension is in use, else ``python_decode`` itself."""
    return _make_decoder(program(spec), python_decode)
