"""Generate specialised Python encoder and decoder functions for one parsed schema.

Interpreting a schema per message costs a dictionary walk per field; generating straight-line code
once per schema (field keys, range checks and paths baked in as constants) is what lets a pure
Python codec outrun klayr-codec. The generated code checks every bound explicitly, so a malformed
byte string can only ever raise :class:`CodecError`, never IndexError or a hang.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from klayr_py.codec._spec import FieldSpec, ObjectSpec
from klayr_py.codec.varint import (
    MAX_SINT32,
    MAX_SINT64,
    MAX_UINT32,
    MAX_UINT64,
    MIN_SINT32,
    MIN_SINT64,
    read_uvarint,
    uvarint,
)
from klayr_py.errors import CodecError

Encoder = Callable[[Any, bytearray], None]
Decoder = Callable[[bytes, int, int], tuple[dict[str, Any], int]]

_INT_RANGES = {
    "uint32": (0, MAX_UINT32, 32),
    "sint32": (MIN_SINT32, MAX_SINT32, 32),
    "uint64": (0, MAX_UINT64, 64),
    "sint64": (MIN_SINT64, MAX_SINT64, 64),
}


# --- helpers the generated code calls on its slow or failing paths -------------------------------


def _as_mapping(value: Any, path: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise CodecError(f"expected an object, got {type(value).__name__}", path)


def _as_list(value: Any, path: str) -> list[Any] | tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        return value
    raise CodecError(f"expected an array, got {type(value).__name__}", path)


def _as_int(value: Any, path: str, data_type: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"expected an integer for {data_type}, got {type(value).__name__}", path)
    low, high, _ = _INT_RANGES[data_type]
    if not low <= value <= high:
        raise CodecError(f"value {value} is out of range of {data_type}", path)
    return int(value)


def _as_bytes(value: Any, path: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise CodecError(f"expected bytes, got {type(value).__name__}", path)


def _encode_str(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise CodecError(f"expected a string, got {type(value).__name__}", path)
    try:
        # klayr-codec writes strings in Unicode normal form C.
        return unicodedata.normalize("NFC", value).encode()
    except UnicodeEncodeError as exc:
        raise CodecError(f"string is not valid Unicode: {exc.reason}", path) from None


def _decode_str(raw: bytes, path: str) -> str:
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise CodecError(f"invalid UTF-8 at byte {exc.start}", path) from None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        raise CodecError("string is not in Unicode normal form C", path)
    return text


def _missing(path: str) -> CodecError:
    return CodecError("missing property", path)


def _invalid_bool(path: str) -> CodecError:
    return CodecError("boolean must be encoded as 0x00 or 0x01", path)


def _not_bool(value: Any, path: str) -> CodecError:
    return CodecError(f"expected a boolean, got {type(value).__name__}", path)


def _truncated(path: str) -> CodecError:
    return CodecError("message ends before the value does", path)


def _describe(spec: ObjectSpec, data: bytes, index: int, end: int) -> tuple[int, int] | str:
    """The (field number, wire type) of the key at ``index``, or why it cannot be read."""
    try:
        key, _ = read_uvarint(data, index, end, 32)
    except CodecError as exc:
        return f"invalid field key ({exc.reason})"
    wire_type = key & 7
    if wire_type not in (0, 2):
        return f"unsupported wire type {wire_type}"
    return key >> 3, wire_type


def _unexpected_key(
    spec: ObjectSpec, position: int, data: bytes, index: int, end: int
) -> CodecError:
    """Explain why the key at ``index`` is not the one field ``position`` of ``spec`` needs."""
    expected = spec.fields[position]
    if index >= end:
        return _missing(expected.path)
    found = _describe(spec, data, index, end)
    if isinstance(found, str):
        return CodecError(found, expected.path)
    number, wire_type = found
    if number == expected.field_number:
        return CodecError(
            f"wrong wire type {wire_type}, expected {expected.wire_type}", expected.path
        )
    other = spec.field_by_number(number)
    if other is None:
        return CodecError(
            f"unknown field number {number} where field number {expected.field_number} belongs",
            expected.path,
        )
    if other.field_number < expected.field_number and other.kind not in ("array", "object_array"):
        return CodecError("field repeated or out of order", other.path)
    if other.field_number < expected.field_number:
        return CodecError("array field split or out of order", other.path)
    return CodecError(
        f"missing property (found field number {number}, {other.path}, in its place)",
        expected.path,
    )


def _trailing(spec: ObjectSpec, data: bytes, index: int, end: int) -> CodecError:
    """Explain bytes left over after the last field of ``spec``."""
    found = _describe(spec, data, index, end)
    where = spec.path
    if isinstance(found, str):
        return CodecError(f"{end - index} trailing bytes: {found}", where)
    number, wire_type = found
    other = spec.field_by_number(number)
    if other is None:
        return CodecError(f"unknown field number {number} (wire type {wire_type})", where)
    if wire_type != other.wire_type:
        return CodecError(f"wrong wire type {wire_type}, expected {other.wire_type}", other.path)
    return CodecError("field repeated or out of order", other.path)


def _empty_packed(path: str) -> CodecError:
    return CodecError("an empty array must be omitted, not encoded with length 0", path)


def _at_index(exc: CodecError, prefix: str, index: int) -> CodecError:
    """Fill in the element index of an error raised inside the array at ``prefix``."""
    marker = prefix + "[]"
    if exc.path.startswith(marker):
        return CodecError(exc.reason, f"{prefix}[{index}]{exc.path[len(marker) :]}")
    return exc


_HELPERS: dict[str, Any] = {
    "CodecError": CodecError,
    "_as_mapping": _as_mapping,
    "_as_list": _as_list,
    "_as_int": _as_int,
    "_as_bytes": _as_bytes,
    "_encode_str": _encode_str,
    "_decode_str": _decode_str,
    "_missing": _missing,
    "_invalid_bool": _invalid_bool,
    "_not_bool": _not_bool,
    "_truncated": _truncated,
    "_unexpected_key": _unexpected_key,
    "_trailing": _trailing,
    "_empty_packed": _empty_packed,
    "_at_index": _at_index,
    "_read_uvarint": read_uvarint,
    "_uvarint": uvarint,
    "_Mapping": Mapping,
}


class _Generator:
    """Accumulates generated functions and the constants they refer to."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = dict(_HELPERS)
        self.sources: list[str] = []
        self._counter = 0

    def const(self, value: Any, hint: str = "c") -> str:
        """Bind ``value`` to a fresh global name in the generated module and return the name."""
        self._counter += 1
        name = f"_{hint}{self._counter}"
        self.namespace[name] = value
        return name

    def fresh(self, hint: str) -> str:
        self._counter += 1
        return f"{hint}{self._counter}"

    def build(self) -> None:
        source = "\n\n".join(self.sources)
        exec(compile(source, "<klayr_py.codec generated>", "exec"), self.namespace)

    # --- encoding ---------------------------------------------------------------------------------

    def encoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(value, out)`` appending the encoding of ``spec`` to ``out``."""
        name = self.fresh("_encode_object")
        body: list[str] = [
            "if type(v) is not dict:",
            f"    v = _as_mapping(v, {spec.path!r})",
        ]
        for field in spec.fields:
            body.append("try:")
            body.append(f"    x = v[{field.name!r}]")
            body.append("except KeyError:")
            if field.kind == "scalar":
                # klayr-codec leaves an absent scalar out of the message (its conformance vectors
                # rely on it); the strict decoder will then refuse the result.
                body.append("    pass")
                body.append("else:")
                body.extend("    " + line for line in self._encode_field(field))
            else:
                body.append(f"    raise _missing({field.path!r}) from None")
                body.extend(self._encode_field(field))
        lines = [f"def {name}(v, out):"] + ["    " + line for line in body]
        self.sources.append("\n".join(lines))
        return name

    def _encode_field(self, field: FieldSpec) -> list[str]:
        key = self.const(bytes(uvarint(field.key)), "key")
        if field.kind == "scalar":
            assert field.data_type is not None
            return self._encode_scalar(field.data_type, field.path, key)
        if field.kind == "object":
            assert field.object is not None
            nested = self.encoder(field.object)
            return [
                "sub = bytearray()",
                f"{nested}(x, sub)",
                f"out += {key}",
                "out += _uvarint(len(sub))",
                "out += sub",
            ]
        item_path = field.path + "[]"
        lines = [
            "if type(x) is not list:",
            f"    x = _as_list(x, {field.path!r})",
            "if x:",
        ]
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.encoder(field.object)
            loop = [
                "sub = bytearray()",
                f"{nested}(y, sub)",
                f"out += {key}",
                "out += _uvarint(len(sub))",
                "out += sub",
            ]
            target = "out"
        else:
            assert field.data_type is not None
            if field.data_type in ("string", "bytes"):
                loop = self._encode_scalar(field.data_type, item_path, key, value="y")
                target = "out"
            else:
                loop = self._encode_scalar(
                    field.data_type, item_path, None, value="y", out="packed"
                )
                target = "packed"
        inner = ["    packed = bytearray()"] if target == "packed" else []
        inner += [
            "    try:",
            "        for k, y in enumerate(x):",
            *["            " + line for line in loop],
            "    except CodecError as e:",
            f"        raise _at_index(e, {field.path!r}, k) from None",
        ]
        if target == "packed":
            inner += [f"    out += {key}", "    out += _uvarint(len(packed))", "    out += packed"]
        return lines + inner

    def _encode_scalar(
        self, data_type: str, path: str, key: str | None, value: str = "x", out: str = "out"
    ) -> list[str]:
        lines: list[str] = []
        emit_key = [f"{out} += {key}"] if key is not None else []
        if data_type in _INT_RANGES:
            low, high, bits = _INT_RANGES[data_type]
            lines += [
                f"if type({value}) is not int or not {low} <= {value} <= {high}:",
                f"    {value} = _as_int({value}, {path!r}, {data_type!r})",
                *emit_key,
            ]
            if data_type.startswith("s"):
                lines.append(f"{value} = ({value} << 1) ^ ({value} >> {bits - 1})")
            lines += [
                f"if {value} < 128:",
                f"    {out}.append({value})",
                "else:",
                f"    {out} += _uvarint({value})",
            ]
        elif data_type == "boolean":
            lines += [
                f"if {value} is True:",
                *["    " + line for line in emit_key],
                f"    {out}.append(1)",
                f"elif {value} is False:",
                *["    " + line for line in emit_key],
                f"    {out}.append(0)",
                "else:",
                f"    raise _not_bool({value}, {path!r})",
            ]
        else:
            if data_type == "bytes":
                lines += [
                    f"if type({value}) is not bytes:",
                    f"    {value} = _as_bytes({value}, {path!r})",
                ]
            else:
                lines += [
                    f"if type({value}) is str and {value}.isascii():",
                    f"    {value} = {value}.encode()",
                    "else:",
                    f"    {value} = _encode_str({value}, {path!r})",
                ]
            lines += [*emit_key, f"{out} += _uvarint(len({value}))", f"{out} += {value}"]
        return lines

    # --- decoding ---------------------------------------------------------------------------------

    def decoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(b, i, end) -> (dict, i)`` decoding ``spec`` from ``b[i:end]``."""
        name = self.fresh("_decode_object")
        spec_name = self.const(spec, "spec")
        body: list[str] = []
        names: list[str] = []
        for position, field in enumerate(spec.fields):
            local = f"f{position}"
            names.append(local)
            body.extend(self._decode_field(field, position, spec_name, local))
        body += [
            "if i != end:",
            f"    raise _trailing({spec_name}, b, i, end)",
            "return {"
            + ", ".join(f"{f.name!r}: {n}" for f, n in zip(spec.fields, names, strict=True))
            + "}, i",
        ]
        lines = [f"def {name}(b, i, end):"] + ["    " + line for line in body]
        self.sources.append("\n".join(lines))
        return name

    def _check_key(self, field: FieldSpec, position: int, spec_name: str) -> list[str]:
        key_bytes = uvarint(field.key)
        fail = f"    raise _unexpected_key({spec_name}, {position}, b, i, end)"
        if len(key_bytes) == 1:
            return [f"if i >= end or b[i] != {key_bytes[0]}:", fail, "i += 1"]
        key = self.const(key_bytes, "key")
        width = len(key_bytes)
        return [f"if i + {width} > end or b[i:i + {width}] != {key}:", fail, f"i += {width}"]

    def _starts_with_key(self, field: FieldSpec) -> str:
        """An expression: does the key of ``field`` start at ``i``?"""
        key_bytes = uvarint(field.key)
        if len(key_bytes) == 1:
            return f"i < end and b[i] == {key_bytes[0]}"
        key = self.const(key_bytes, "key")
        return f"i + {len(key_bytes)} <= end and b[i:i + {len(key_bytes)}] == {key}"

    def _read_varint(self, target: str, bits: int, path: str, end: str = "end") -> list[str]:
        return [
            f"if i >= {end}:",
            f"    raise _truncated({path!r})",
            f"{target} = b[i]",
            "i += 1",
            f"if {target} > 127:",
            f"    {target}, i = _read_uvarint(b, i - 1, {end}, {bits}, {path!r})",
        ]

    def _decode_scalar(self, data_type: str, path: str, target: str, end: str = "end") -> list[str]:
        if data_type in _INT_RANGES:
            bits = _INT_RANGES[data_type][2]
            lines = self._read_varint(target, bits, path, end)
            if data_type.startswith("s"):
                lines.append(f"{target} = ({target} >> 1) ^ -({target} & 1)")
            return lines
        if data_type == "boolean":
            return [
                f"if i >= {end}:",
                f"    raise _truncated({path!r})",
                f"{target} = b[i]",
                "i += 1",
                f"if {target} > 1:",
                f"    raise _invalid_bool({path!r})",
                f"{target} = {target} == 1",
            ]
        lines = self._read_varint("n", 32, path, end)
        lines += ["j = i + n", f"if j > {end}:", f"    raise _truncated({path!r})"]
        if data_type == "bytes":
            lines.append(f"{target} = b[i:j]")
        else:
            lines.append(f"{target} = _decode_str(b[i:j], {path!r})")
        lines.append("i = j")
        return lines

    def _decode_field(
        self, field: FieldSpec, position: int, spec_name: str, local: str
    ) -> list[str]:
        if field.kind == "scalar":
            assert field.data_type is not None
            return self._check_key(field, position, spec_name) + self._decode_scalar(
                field.data_type, field.path, local
            )
        if field.kind == "object":
            assert field.object is not None
            nested = self.decoder(field.object)
            return [
                *self._check_key(field, position, spec_name),
                *self._read_varint("n", 32, field.path),
                "j = i + n",
                "if j > end:",
                f"    raise _truncated({field.path!r})",
                f"{local}, i = {nested}(b, i, j)",
            ]
        item_path = field.path + "[]"
        present = self._starts_with_key(field)
        key_width = len(uvarint(field.key))
        if field.kind == "array" and field.data_type not in ("string", "bytes"):
            assert field.data_type is not None
            # The loop condition already guarantees a first byte, so drop the bounds check.
            element = self._decode_scalar(field.data_type, item_path, "y", end="stop")[2:]
            return [
                f"{local} = []",
                f"if {present}:",
                f"    i += {key_width}",
                *["    " + line for line in self._read_varint("n", 32, field.path)],
                "    if n == 0:",
                f"        raise _empty_packed({field.path!r})",
                "    stop = i + n",
                "    if stop > end:",
                f"        raise _truncated({field.path!r})",
                "    try:",
                "        while i < stop:",
                *["            " + line for line in element],
                f"            {local}.append(y)",
                "    except CodecError as e:",
                f"        raise _at_index(e, {field.path!r}, len({local})) from None",
            ]
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.decoder(field.object)
            element = [
                *self._read_varint("n", 32, item_path),
                "j = i + n",
                "if j > end:",
                f"    raise _truncated({item_path!r})",
                f"y, i = {nested}(b, i, j)",
            ]
        else:
            assert field.data_type is not None
            element = self._decode_scalar(field.data_type, item_path, "y")
        return [
            f"{local} = []",
            "try:",
            f"    while {present}:",
            f"        i += {key_width}",
            *["        " + line for line in element],
            f"        {local}.append(y)",
            "except CodecError as e:",
            f"    raise _at_index(e, {field.path!r}, len({local})) from None",
        ]


def generate(spec: ObjectSpec) -> tuple[Encoder, Decoder]:
    """Generate and compile the encoder and decoder of a root object ``spec``."""
    gen = _Generator()
    encoder_name = gen.encoder(spec)
    decoder_name = gen.decoder(spec)
    gen.build()
    return gen.namespace[encoder_name], gen.namespace[decoder_name]


def generated_source(spec: ObjectSpec) -> str:
    """The Python source generated for ``spec`` (for debugging and the docs)."""
    gen = _Generator()
    gen.encoder(spec)
    gen.decoder(spec)
    return "\n\n".join(gen.sources)
