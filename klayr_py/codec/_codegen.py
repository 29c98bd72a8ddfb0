"""Generate specialised Python encoder and decoder functions for one parsed schema.

Interpreting a schema per message costs a dictionary walk per field; generating straight-line code
once per schema (field keys, range checks and paths baked in as constants) is what lets a pure
Python codec outrun klayr-codec.

Each direction gets two generated paths:

* a *fast* path for the common case: the encoder builds the message with one ``bytes.join`` and
  hands anything unusual (an absent field, a ``bytearray``, a wrong type) to the checked path; the
  decoder leaves bounds to Python's IndexError and to one end-of-object check per object, and
  hands any overrun or invalid UTF-8 to the checked path;
* a *checked* path that tests every bound and type and so can name the field at fault.

Both paths accept exactly the same inputs with the same results (a property test compares them),
so a malformed byte string can only ever raise :class:`CodecError`, never IndexError or a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py.codec._runtime import HELPERS, INT_RANGES, Recheck
from klayr_py.codec._spec import FieldSpec, ObjectSpec
from klayr_py.codec.varint import read_uvarint_unbounded, uvarint

Encoder = Callable[[Any], bytes]
Decoder = Callable[[Any], dict[str, Any]]

_SMALL_VARINTS = tuple(uvarint(n) for n in range(1 << 14))


def _to_bytes(data: Any) -> bytes:
    from klayr_py.errors import CodecError

    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise CodecError(f"expected bytes to decode, got {type(data).__name__}")


_NAMESPACE: dict[str, Any] = {
    **HELPERS,
    "_Recheck": Recheck,
    "_RECHECK_ENCODE": (KeyError, TypeError, IndexError, ValueError, AttributeError, Recheck),
    "_RECHECK_DECODE": (IndexError, UnicodeDecodeError, Recheck),
    "_V": _SMALL_VARINTS,
    "_rvu": read_uvarint_unbounded,
    "_to_bytes": _to_bytes,
}


def _indent(lines: list[str], depth: int = 1) -> list[str]:
    return ["    " * depth + line for line in lines]


class _Generator:
    """Accumulates generated functions and the constants they refer to."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = dict(_NAMESPACE)
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

    def function(self, name: str, args: str, body: list[str]) -> str:
        self.sources.append("\n".join([f"def {name}({args}):", *_indent(body)]))
        return name

    def build(self) -> None:
        source = "\n\n".join(self.sources)
        exec(compile(source, "<klayr_py.codec generated>", "exec"), self.namespace)

    def key(self, field: FieldSpec) -> str:
        return self.const(uvarint(field.key), "key")

    # --- fast encoder: returns bytes, raises anything (caught) on unusual input -------------------

    def fast_encoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(value) -> bytes`` for well-formed values with every field present."""
        body = ["if type(v) is not dict:", "    raise _Recheck"]
        parts: list[str] = []
        for position, field in enumerate(spec.fields):
            local = f"x{position}"
            body.append(f"{local} = v[{field.name!r}]")
            lines, field_parts = self._fast_field(field, local)
            body += lines
            parts += field_parts
        if not parts:
            body.append("return b''")
        else:
            body.append("return b''.join((" + ", ".join(parts) + ",))")
        return self.function(self.fresh("_fast_encode"), "v", body)

    def _fast_field(self, field: FieldSpec, x: str) -> tuple[list[str], list[str]]:
        """Lines checking ``x`` for ``field``, and the expressions of its encoded parts."""
        key = self.key(field)
        if field.kind == "scalar":
            assert field.data_type is not None
            lines, value = self._fast_scalar(field.data_type, x)
            return lines, [key, value]
        if field.kind == "object":
            assert field.object is not None
            nested = self.fast_encoder(field.object)
            return [f"{x} = {nested}({x})"], [key, f"_V[len({x})]", x]
        element = self.fresh("_fast_elements")
        self._fast_elements(element, field, key)
        return [
            f"if type({x}) is not list:",
            "    raise _Recheck",
            f"{x} = {element}({x}) if {x} else b''",
        ], [x]

    def _fast_scalar(self, data_type: str, x: str) -> tuple[list[str], str]:
        """Lines checking/converting scalar ``x``, and the expression of its encoded value."""
        if data_type in INT_RANGES:
            low, high, bits = INT_RANGES[data_type]
            lines = [
                f"if type({x}) is not int or {x} < {low} or {x} > {high}:",
                "    raise _Recheck",
            ]
            if data_type.startswith("s"):
                lines.append(f"{x} = ({x} << 1) ^ ({x} >> {bits - 1})")
            lines.append(f"{x} = _V[{x}] if {x} < 16384 else _uvarint({x})")
            return lines, x
        if data_type == "boolean":
            return [
                f"if {x} is True:",
                f"    {x} = b'\\x01'",
                f"elif {x} is False:",
                f"    {x} = b'\\x00'",
                "else:",
                "    raise _Recheck",
            ], x
        if data_type == "bytes":
            return [f"if type({x}) is not bytes:", "    raise _Recheck"], f"_V[len({x})], {x}"
        return [
            f"if type({x}) is not str:",
            "    raise _Recheck",
            f"e{x} = {x}.encode()",
            f"if len(e{x}) != len({x}):",  # non-ASCII: normalise to NFC as klayr-codec does
            f"    e{x} = _encode_str({x}, '')",
        ], f"_V[len(e{x})], e{x}"

    def _fast_elements(self, name: str, field: FieldSpec, key: str) -> None:
        """Generate ``def NAME(items) -> bytes``: the encoded non-empty array ``field``."""
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.fast_encoder(field.object)
            body = [
                "out = []",
                "for y in items:",
                f"    y = {nested}(y)",
                f"    out.append({key} + _V[len(y)] + y)",
                "return b''.join(out)",
            ]
        else:
            assert field.data_type is not None
            lines, value = self._fast_scalar(field.data_type, "y")
            if field.data_type in ("string", "bytes"):
                body = [
                    "out = []",
                    "for y in items:",
                    *_indent(lines),
                    f"    out += ({key}, {value})",
                    "return b''.join(out)",
                ]
            else:
                body = [
                    "out = []",
                    "for y in items:",
                    *_indent(lines),
                    f"    out.append({value})",
                    "packed = b''.join(out)",
                    f"return {key} + _V[len(packed)] + packed",
                ]
        self.function(name, "items", body)

    # --- checked encoder: appends to a bytearray, names the field at fault ------------------------

    def checked_encoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(value, out)`` appending the encoding of ``spec`` to ``out``."""
        body: list[str] = ["if type(v) is not dict:", f"    v = _as_mapping(v, {spec.path!r})"]
        for field in spec.fields:
            body += ["try:", f"    x = v[{field.name!r}]", "except KeyError:"]
            if field.kind == "scalar":
                # klayr-codec leaves an absent scalar out of the message (its conformance vectors
                # rely on it); the strict decoder will then refuse the result.
                body += ["    pass", "else:", *_indent(self._checked_field(field))]
            else:
                body += [
                    f"    raise _missing({field.path!r}) from None",
                    *self._checked_field(field),
                ]
        return self.function(self.fresh("_checked_encode"), "v, out", body)

    def _checked_field(self, field: FieldSpec) -> list[str]:
        key = self.key(field)
        if field.kind == "scalar":
            assert field.data_type is not None
            return self._checked_scalar(field.data_type, field.path, key)
        if field.kind == "object":
            assert field.object is not None
            nested = self.checked_encoder(field.object)
            return [
                "sub = bytearray()",
                f"{nested}(x, sub)",
                f"out += {key}",
                "out += _uvarint(len(sub))",
                "out += sub",
            ]
        item_path = field.path + "[]"
        lines = ["if type(x) is not list:", f"    x = _as_list(x, {field.path!r})", "if x:"]
        packed = field.kind == "array" and field.data_type not in ("string", "bytes")
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.checked_encoder(field.object)
            loop = [
                "sub = bytearray()",
                f"{nested}(y, sub)",
                f"out += {key}",
                "out += _uvarint(len(sub))",
                "out += sub",
            ]
        else:
            assert field.data_type is not None
            loop = self._checked_scalar(
                field.data_type,
                item_path,
                None if packed else key,
                "y",
                "packed" if packed else "out",
            )
        inner = ["packed = bytearray()"] if packed else []
        inner += [
            "try:",
            "    for k, y in enumerate(x):",
            *_indent(loop, 2),
            "except CodecError as e:",
            f"    raise _at_index(e, {field.path!r}, k) from None",
        ]
        if packed:
            inner += [f"out += {key}", "out += _uvarint(len(packed))", "out += packed"]
        return lines + _indent(inner)

    def _checked_scalar(
        self, data_type: str, path: str, key: str | None, value: str = "x", out: str = "out"
    ) -> list[str]:
        emit_key = [f"{out} += {key}"] if key is not None else []
        if data_type in INT_RANGES:
            low, high, bits = INT_RANGES[data_type]
            lines = [
                f"if type({value}) is not int or not {low} <= {value} <= {high}:",
                f"    {value} = _as_int({value}, {path!r}, {data_type!r})",
                *emit_key,
            ]
            if data_type.startswith("s"):
                lines.append(f"{value} = ({value} << 1) ^ ({value} >> {bits - 1})")
            return [*lines, f"{out} += _uvarint({value})"]
        if data_type == "boolean":
            return [
                f"if {value} is True:",
                *_indent(emit_key),
                f"    {out}.append(1)",
                f"elif {value} is False:",
                *_indent(emit_key),
                f"    {out}.append(0)",
                "else:",
                f"    raise _not_bool({value}, {path!r})",
            ]
        if data_type == "bytes":
            lines = [
                f"if type({value}) is not bytes:",
                f"    {value} = _as_bytes({value}, {path!r})",
            ]
        else:
            lines = [f"{value} = _encode_str({value}, {path!r})"]
        return [*lines, *emit_key, f"{out} += _uvarint(len({value}))", f"{out} += {value}"]

    # --- fast decoder: bounds left to IndexError and one end check per object ---------------------

    def fast_decoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(b, i, end) -> (dict, i)`` for the common, well-formed case.

        Reads are not bounded by ``end``: past the data Python raises IndexError, and an overrun of
        a nested object shows as ``i > end`` at its end. Either raises to the caller, which runs
        the checked decoder to name the field at fault. Any other flaw raises CodecError here.
        """
        spec_name = self.const(spec, "spec")
        body: list[str] = []
        for position, field in enumerate(spec.fields):
            body += self._fast_field_decode(field, position, spec_name, f"f{position}")
        body += [
            "if i != end:",
            "    if i > end:",
            "        raise _Recheck",
            f"    raise _trailing({spec_name}, b, i, end)",
        ]
        pairs = ", ".join(f"{f.name!r}: f{n}" for n, f in enumerate(spec.fields))
        body.append(f"return {{{pairs}}}, i")
        return self.function(self.fresh("_fast_decode"), "b, i, end", body)

    def _fast_value(self, data_type: str, path: str, x: str, at: str) -> list[str]:
        """Lines reading the value of ``data_type`` that starts at index expression ``at``."""
        if data_type == "boolean":
            return [
                f"{x} = b[{at}]",
                f"if {x} > 1:",
                f"    raise _invalid_bool({path!r})",
                f"{x} = {x} == 1",
                f"i = {at} + 1",
            ]
        bits = INT_RANGES[data_type][2] if data_type in INT_RANGES else 32
        target = x if data_type in INT_RANGES else "n"
        # One- to three-byte varints inline (lengths, counts, heights); longer ones call _rvu.
        lines = [
            f"{target} = b[{at}]",
            f"if {target} < 128:",
            f"    i = {at} + 1",
            "else:",
            f"    i = {at} + 1",
            "    t = b[i]",
            "    if 0 < t < 128:",
            f"        {target} = {target} & 127 | t << 7",
            "        i += 1",
            "    elif t > 127 and 0 < b[i + 1] < 128:",
            f"        {target} = {target} & 127 | (t & 127) << 7 | b[i + 1] << 14",
            "        i += 2",
            "    else:",
            f"        {target}, i = _rvu(b, i - 1, {(1 << bits) - 1}, {path!r})",
        ]
        if data_type.startswith("s") and data_type in INT_RANGES:
            lines.append(f"{x} = ({x} >> 1) ^ -({x} & 1)")
        elif data_type == "bytes":
            lines += ["j = i + n", f"{x} = b[i:j]", "i = j"]
        elif data_type == "string":
            lines += [
                "j = i + n",
                f"{x} = b[i:j].decode()",  # UnicodeDecodeError goes to the checked decoder
                f"if len({x}) != n:",
                f"    _check_nfc({x}, {path!r})",
                "i = j",
            ]
        return lines

    def _fast_key(self, field: FieldSpec, position: int, spec_name: str) -> tuple[list[str], str]:
        """Lines checking the key of ``field`` at ``i``, and the index expression after it."""
        key_bytes = uvarint(field.key)
        fail = f"    raise _unexpected_key({spec_name}, {position}, b, i, end)"
        if len(key_bytes) == 1:
            return [f"if b[i] != {key_bytes[0]}:", fail], "i + 1"
        key = self.const(key_bytes, "key")
        width = len(key_bytes)
        return [f"if b[i:i + {width}] != {key}:", fail], f"i + {width}"

    def _fast_field_decode(
        self, field: FieldSpec, position: int, spec_name: str, local: str
    ) -> list[str]:
        if field.kind == "scalar":
            assert field.data_type is not None
            check, at = self._fast_key(field, position, spec_name)
            return check + self._fast_value(field.data_type, field.path, local, at)
        if field.kind == "object":
            assert field.object is not None
            nested = self.fast_decoder(field.object)
            check, at = self._fast_key(field, position, spec_name)
            return [
                *check,
                *self._fast_value("uint32", field.path, "n", at),
                f"{local}, i = {nested}(b, i, i + n)",
            ]
        item_path = field.path + "[]"
        width = len(uvarint(field.key))
        present = self._starts_with_key(field)
        catch = [
            "except CodecError as e:",
            f"    raise _at_index(e, {field.path!r}, len({local})) from None",
        ]
        if field.kind == "array" and field.data_type not in ("string", "bytes"):
            assert field.data_type is not None
            return [
                f"{local} = []",
                f"if {present}:",
                *_indent(self._fast_value("uint32", field.path, "n", f"i + {width}")),
                "    if n == 0:",
                f"        raise _empty_packed({field.path!r})",
                "    stop = i + n",
                "    try:",
                "        while i < stop:",
                *_indent(self._fast_value(field.data_type, item_path, "y", "i"), 3),
                f"            {local}.append(y)",
                *_indent(catch),
                "    if i != stop:",
                "        raise _Recheck",
            ]
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.fast_decoder(field.object)
            element = [
                *self._fast_value("uint32", item_path, "n", f"i + {width}"),
                f"y, i = {nested}(b, i, i + n)",
            ]
        else:
            assert field.data_type is not None
            element = self._fast_value(field.data_type, item_path, "y", f"i + {width}")
        return [
            f"{local} = []",
            "try:",
            f"    while {present}:",
            *_indent(element, 2),
            f"        {local}.append(y)",
            *catch,
        ]

    # --- checked decoder: tests every bound, names the field at fault -----------------------------

    def checked_decoder(self, spec: ObjectSpec) -> str:
        """Generate ``def NAME(b, i, end) -> (dict, i)`` decoding ``spec`` from ``b[i:end]``."""
        spec_name = self.const(spec, "spec")
        body: list[str] = []
        for position, field in enumerate(spec.fields):
            body += self._checked_field_decode(field, position, spec_name, f"f{position}")
        body += ["if i != end:", f"    raise _trailing({spec_name}, b, i, end)"]
        pairs = ", ".join(f"{f.name!r}: f{n}" for n, f in enumerate(spec.fields))
        body.append(f"return {{{pairs}}}, i")
        return self.function(self.fresh("_checked_decode"), "b, i, end", body)

    def _checked_key(self, field: FieldSpec, position: int, spec_name: str) -> list[str]:
        key_bytes = uvarint(field.key)
        fail = f"    raise _unexpected_key({spec_name}, {position}, b, i, end)"
        width = len(key_bytes)
        if width == 1:
            return [f"if i >= end or b[i] != {key_bytes[0]}:", fail, "i += 1"]
        key = self.const(key_bytes, "key")
        return [f"if i + {width} > end or b[i:i + {width}] != {key}:", fail, f"i += {width}"]

    def _starts_with_key(self, field: FieldSpec) -> str:
        """An expression: does the key of ``field`` start at ``i`` (before ``end``)?"""
        key_bytes = uvarint(field.key)
        if len(key_bytes) == 1:
            return f"i < end and b[i] == {key_bytes[0]}"
        key = self.const(key_bytes, "key")
        return f"i + {len(key_bytes)} <= end and b[i:i + {len(key_bytes)}] == {key}"

    def _checked_varint(self, x: str, bits: int, path: str, end: str = "end") -> list[str]:
        return [
            f"if i >= {end}:",
            f"    raise _truncated({path!r})",
            f"{x} = b[i]",
            "i += 1",
            f"if {x} > 127:",
            f"    {x}, i = _read_uvarint(b, i - 1, {end}, {bits}, {path!r})",
        ]

    def _checked_value(self, data_type: str, path: str, x: str, end: str = "end") -> list[str]:
        if data_type in INT_RANGES:
            lines = self._checked_varint(x, INT_RANGES[data_type][2], path, end)
            if data_type.startswith("s"):
                lines.append(f"{x} = ({x} >> 1) ^ -({x} & 1)")
            return lines
        if data_type == "boolean":
            return [
                f"if i >= {end}:",
                f"    raise _truncated({path!r})",
                f"{x} = b[i]",
                "i += 1",
                f"if {x} > 1:",
                f"    raise _invalid_bool({path!r})",
                f"{x} = {x} == 1",
            ]
        lines = self._checked_varint("n", 32, path, end)
        lines += ["j = i + n", f"if j > {end}:", f"    raise _truncated({path!r})"]
        if data_type == "bytes":
            lines.append(f"{x} = b[i:j]")
        else:
            lines.append(f"{x} = _decode_str(b[i:j], {path!r})")
        return [*lines, "i = j"]

    def _checked_field_decode(
        self, field: FieldSpec, position: int, spec_name: str, local: str
    ) -> list[str]:
        if field.kind == "scalar":
            assert field.data_type is not None
            return self._checked_key(field, position, spec_name) + self._checked_value(
                field.data_type, field.path, local
            )
        if field.kind == "object":
            assert field.object is not None
            nested = self.checked_decoder(field.object)
            return [
                *self._checked_key(field, position, spec_name),
                *self._checked_varint("n", 32, field.path),
                "j = i + n",
                "if j > end:",
                f"    raise _truncated({field.path!r})",
                f"{local}, i = {nested}(b, i, j)",
            ]
        item_path = field.path + "[]"
        key_width = len(uvarint(field.key))
        catch = [
            "except CodecError as e:",
            f"    raise _at_index(e, {field.path!r}, len({local})) from None",
        ]
        if field.kind == "array" and field.data_type not in ("string", "bytes"):
            assert field.data_type is not None
            # The loop condition already guarantees a first byte: drop that bounds check.
            element = self._checked_value(field.data_type, item_path, "y", end="stop")[2:]
            return [
                f"{local} = []",
                f"if {self._starts_with_key(field)}:",
                f"    i += {key_width}",
                *_indent(self._checked_varint("n", 32, field.path)),
                "    if n == 0:",
                f"        raise _empty_packed({field.path!r})",
                "    stop = i + n",
                "    if stop > end:",
                f"        raise _truncated({field.path!r})",
                "    try:",
                "        while i < stop:",
                *_indent(element, 3),
                f"            {local}.append(y)",
                *_indent(catch),
            ]
        if field.kind == "object_array":
            assert field.object is not None
            nested = self.checked_decoder(field.object)
            element = [
                *self._checked_varint("n", 32, item_path),
                "j = i + n",
                "if j > end:",
                f"    raise _truncated({item_path!r})",
                f"y, i = {nested}(b, i, j)",
            ]
        else:
            assert field.data_type is not None
            element = self._checked_value(field.data_type, item_path, "y")
        return [
            f"{local} = []",
            "try:",
            f"    while {self._starts_with_key(field)}:",
            f"        i += {key_width}",
            *_indent(element, 2),
            f"        {local}.append(y)",
            *catch,
        ]


def generate(spec: ObjectSpec) -> tuple[Encoder, Decoder]:
    """Generate and compile ``encode(value) -> bytes`` and ``decode(data) -> dict`` for ``spec``."""
    gen = _Generator()
    fast_encode = gen.fast_encoder(spec)
    checked_encode = gen.checked_encoder(spec)
    fast_decode = gen.fast_decoder(spec)
    checked_decode = gen.checked_decoder(spec)
    gen.function(
        "encode",
        "v",
        [
            "try:",
            f"    return {fast_encode}(v)",
            "except _RECHECK_ENCODE:",
            "    out = bytearray()",
            f"    {checked_encode}(v, out)",
            "    return bytes(out)",
        ],
    )
    gen.function(
        "decode",
        "b",
        [
            "if type(b) is not bytes:",
            "    b = _to_bytes(b)",
            "try:",
            f"    return {fast_decode}(b, 0, len(b))[0]",
            "except _RECHECK_DECODE:",
            f"    return {checked_decode}(b, 0, len(b))[0]",
        ],
    )
    gen.build()
    return gen.namespace["encode"], gen.namespace["decode"]


def generate_paths(spec: ObjectSpec) -> dict[str, Callable[..., Any]]:
    """The four generated paths separately, so tests can check fast and checked agree."""
    gen = _Generator()
    names = {
        "fast_encode": gen.fast_encoder(spec),
        "checked_encode": gen.checked_encoder(spec),
        "fast_decode": gen.fast_decoder(spec),
        "checked_decode": gen.checked_decoder(spec),
    }
    gen.build()
    return {role: gen.namespace[name] for role, name in names.items()}


def generated_source(spec: ObjectSpec) -> str:
    """The Python source generated for ``spec`` (for debugging and the docs)."""
    gen = _Generator()
    gen.fast_encoder(spec)
    gen.checked_encoder(spec)
    gen.fast_decoder(spec)
    gen.checked_decoder(spec)
    return "\n\n".join(gen.sources)
