"""Shared (schema, value) cases: run by the Python tests and, in test_oracle, by Klayr itself.

Values are JSON-compatible. In dataType cases a 64-bit integer is written ``{"$bigint": "..."}``
and a byte string ``{"$bytes": "<hex>"}``; :func:`native` turns them into ``int`` and ``bytes``
(the oracle turns them into BigInt and Buffer).
"""

from __future__ import annotations

from typing import Any

VALID = "valid"
INVALID = "invalid"
SCHEMA_ERROR = "schema_error"


def big(value: int) -> dict[str, str]:
    """A 64-bit integer as Klayr holds it (BigInt)."""
    return {"$bigint": str(value)}


def raw(hex_string: str) -> dict[str, str]:
    """A byte string as Klayr holds it (Buffer)."""
    return {"$bytes": hex_string}


def native(value: Any) -> Any:
    """The Python-native form of a tagged JSON value."""
    if isinstance(value, list):
        return [native(item) for item in value]
    if isinstance(value, dict):
        if value.keys() == {"$bigint"}:
            return int(value["$bigint"])
        if value.keys() == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        return {key: native(item) for key, item in value.items()}
    return value


def _obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **extra}


def _fmt(name: str, accept: list[Any], reject: list[Any], json_type: str = "string") -> list[Any]:
    schema = {"type": json_type, "format": name}
    return [(schema, v, VALID) for v in accept] + [(schema, v, INVALID) for v in reject]


U32, S32, U64, S64 = 2**32 - 1, 2**31 - 1, 2**64 - 1, 2**63 - 1

# (schema, value, expected outcome)
VALUE_CASES: list[tuple[dict[str, Any], Any, str]] = [
    # --- JSON form: formats on strings and numbers ---
    *_fmt("hex", ["", "00", "0aFf", "deadbeef"], ["0", "0g", "abc", " 00", "0x00", "00\n"]),
    *_fmt(
        "uint64",
        ["0", "18446744073709551615", "+5", "007", "-0"],
        ["18446744073709551616", "-1", "1.5", "", " 1", "1e3", "0x10", "1_000"],
    ),
    *_fmt(
        "int64",
        ["-9223372036854775808", "9223372036854775807", "0", "+1"],
        ["-9223372036854775809", "9223372036854775808", "a", "--1"],
    ),
    *_fmt("uint32", [0, U32, 7.0], [U32 + 1, -1, 1.5], json_type="number"),
    ({"format": "uint32"}, "-1", VALID),  # a number format ignores strings
    ({"format": "hex"}, 5, VALID),  # a string format ignores numbers
    *_fmt("int32", [S32, -(2**31)], [S32 + 1, -(2**31) - 1, 0.5], json_type="number"),
    *_fmt("camelCase", ["abc", "aBc", "a1", "a1B2", "x"], ["Abc", "a_b", "", "a-b", "1a", "aé"]),
    *_fmt(
        "version",
        ["1.0.0", "v1.0.0", " 1.0.0 ", "1.0.0-rc.1+build.5", "0.0.0-alpha-1"],
        ["1.0", "01.0.0", "1.0.0-01", "=1.0.0", "v", "1.0.0.0", "9007199254740992.0.0"],
    ),
    *_fmt("networkVersion", ["1.0", "10.22", "999.999"], ["1.00", "1000.1", "1", "a.b", "01.1"]),
    *_fmt("path", ["/a/b", "~/.klayr", "./x/", "//a", "a/b"], ["/", "", "/a//b", "ab/c", "\n/a"]),
    *_fmt(
        "encryptedPassphrase",
        ["iterations=1&salt=abc", "ab=cd", "kdf=argon2id&cipher=aes-128-gcm&version=1"],
        ["a=b", "iterations=1&", "ab=CD", "ab=cd&&ef=gh", ""],
    ),
    *_fmt(
        "ip",
        [
            "127.0.0.1",
            "::1",
            "::",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7:8",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
        ],
        [
            "256.0.0.1",
            "01.2.3.4",
            "1.2.3",
            "1::2::3",
            ":::",
            "1:2:3:4:5:6:7:8:9",
            "fe80::1%",
            "1:2:3:4:5:6::1.2.3.4",
            "12345::1",
            "1:2:3:4:5:6:7:1.2.3.4",
        ],
    ),
    *_fmt(
        "ipOrFQDN",
        ["example.com", "a-b.c", "localhost", "127.0.0.1", "a.b.c.d1"],
        ["1host.com", "host-.com", "-a.com", "a..b", "::1", "a_b.com", ""],
    ),
    *_fmt("oddInteger", ["3", "13", "0001"], ["4", "-3", "", "3.0"]),
    *_fmt("bytes", [], ["ab", ""]),
    # --- numbers, strings, arrays, objects ---
    ({"type": "integer", "minimum": 1, "maximum": 3}, 0, INVALID),
    ({"type": "integer", "minimum": 1, "maximum": 3}, 3, VALID),
    ({"type": "integer"}, 1.5, INVALID),
    ({"type": "integer"}, True, INVALID),
    ({"type": "number", "exclusiveMinimum": 2, "multipleOf": 0.5}, 1.3, INVALID),
    ({"type": "number", "exclusiveMaximum": 2}, 2, INVALID),
    ({"type": "string", "minLength": 2, "maxLength": 3}, "a", INVALID),
    ({"type": "string", "minLength": 2, "maxLength": 3}, "abcd", INVALID),
    ({"type": "string", "maxLength": 1}, "😀", VALID),
    ({"type": "string", "pattern": "^[a-z]+$"}, "abc", VALID),
    ({"type": "string", "pattern": "^[a-z]+$"}, "abc\n", INVALID),
    ({"type": "string", "pattern": "^\\d+$"}, "١٢", INVALID),
    ({"type": "string", "pattern": "^(?<year>[0-9]{4})-\\k<year>$"}, "2024-2024", VALID),
    (
        {"type": "string", "minLength": 5, "maxLength": 1, "pattern": "x", "format": "hex"},
        "0",
        INVALID,
    ),
    ({"type": "number", "maximum": 1, "multipleOf": 2, "format": "uint32"}, 3, INVALID),
    ({"type": "array", "minItems": 1, "maxItems": 2}, [], INVALID),
    ({"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, [1, 2, 1, 2], INVALID),
    ({"type": "array", "uniqueItems": True}, [{"a": 1}, {"a": 1}], INVALID),
    ({"type": "array", "uniqueItems": True}, [1, True, "1"], VALID),
    ({"type": "array", "contains": {"type": "string", "minLength": 2}}, [1, "a"], INVALID),
    ({"type": "array", "contains": {"type": "string"}}, [1, "a"], VALID),
    ({"type": "array", "items": [{}], "minItems": 1, "additionalItems": False}, [1, 2], INVALID),
    (_obj({"a": {"type": "string"}}, required=["a"]), {}, INVALID),
    (_obj({"a": {"type": "string"}}, additionalProperties=False), {"a": "x", "b": 1}, INVALID),
    ({"type": "object", "propertyNames": {"format": "camelCase"}}, {"Ab": 1, "cD": 2}, INVALID),
    ({"type": "object", "dependencies": {"a": ["b", "c"]}}, {"a": 1}, INVALID),
    ({"type": "object", "dependencies": {"a": ["b"]}}, {"a": 1, "b": 2}, VALID),
    ({"type": "object", "maxProperties": 1, "minProperties": 3}, {"a": 1, "b": 2}, INVALID),
    ({"type": "object", "patternProperties": {"^x": {"type": "integer"}}}, {"xa": "s"}, INVALID),
    # --- combinators, enum, const, nullable ---
    ({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 3}]}, 1, INVALID),
    ({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 3}]}, 4, VALID),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 3, INVALID),
    ({"oneOf": [{"type": "integer"}, {"minimum": 0}, {"maximum": 10}]}, 3, INVALID),
    ({"oneOf": [{"type": "string"}, {"minimum": 0}, {"maximum": 10}]}, 3, INVALID),
    ({"oneOf": [{"type": "string"}, {"minimum": 5}]}, 3, INVALID),
    ({"oneOf": [{"type": "string"}, {"minimum": 0}]}, 3, VALID),
    ({"allOf": [{"type": "integer"}, {"minimum": 5}]}, 3, INVALID),
    ({"not": {"type": "string"}}, "a", INVALID),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, 3, INVALID),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, 1.5, INVALID),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}, "else": {"type": "string"}}, "s", VALID),
    ({"enum": [1, "a", None]}, True, INVALID),
    ({"enum": [{"a": [1, 2]}]}, {"a": [1, 2]}, VALID),
    ({"const": 1}, 1.0, VALID),
    ({"const": 1}, True, INVALID),
    ({"type": "string", "nullable": True}, None, VALID),
    ({"type": "string"}, None, INVALID),
    ({"type": ["string", "null"]}, 5, INVALID),
    ({"type": "string", "minLength": 2, "enum": ["abc"]}, 5, INVALID),
    (
        {
            "type": "object",
            "definitions": {"x": {"type": "string"}},
            "properties": {"a": {"$ref": "#/definitions/x"}},
        },
        {"a": 1},
        INVALID,
    ),
    ({"type": "array", "uniqueSignedPublicKeys": True}, ["+ab", "-ab"], INVALID),
    ({"type": "array", "uniqueSignedPublicKeys": True}, ["+ab", "-cd"], VALID),
    ({"type": "array", "uniqueSignedPublicKeys": True}, [1], INVALID),
    # --- dataType, on Klayr's native values ---
    *[({"dataType": "uint32"}, v, VALID) for v in (0, U32)],
    *[({"dataType": "uint32"}, v, INVALID) for v in (-1, U32 + 1, "1", True, None)],
    *[({"dataType": "sint32"}, v, VALID) for v in (-(2**31), S32)],
    *[({"dataType": "sint32"}, v, INVALID) for v in (-(2**31) - 1, S32 + 1, False)],
    *[({"dataType": "uint64"}, big(v), VALID) for v in (0, U64)],
    *[({"dataType": "uint64"}, v, INVALID) for v in (big(-1), big(U64 + 1), "1", True)],
    *[({"dataType": "sint64"}, big(v), VALID) for v in (-(2**63), S64)],
    *[({"dataType": "sint64"}, big(v), INVALID) for v in (-(2**63) - 1, S64 + 1)],
    ({"dataType": "uint64", "minimum": 5, "maximum": 6}, big(1), VALID),  # Ajv skips BigInt
    ({"dataType": "uint64", "format": "uint32"}, big(2**40), VALID),
    ({"dataType": "string", "minLength": 2}, "a", INVALID),
    ({"dataType": "string"}, raw("00"), INVALID),
    ({"dataType": "boolean"}, False, VALID),
    ({"dataType": "boolean"}, 0, INVALID),
    ({"dataType": "bytes"}, raw(""), VALID),
    ({"dataType": "bytes"}, "00", INVALID),
    ({"dataType": "bytes", "minLength": 2, "maxLength": 3}, raw("00"), INVALID),
    ({"dataType": "bytes", "minLength": 2, "maxLength": 3}, raw("0000"), VALID),
    ({"dataType": "bytes", "minLength": 2, "maxLength": 3}, raw("00000000"), INVALID),
    ({"dataType": "bytes", "format": "klayr32"}, raw("00" * 20), VALID),
    ({"dataType": "bytes", "format": "klayr32"}, raw("00" * 21), INVALID),
    ({"dataType": "bytes", "format": "hex"}, raw("00"), VALID),
    (
        _obj(
            {
                "a": {"type": "string", "minLength": 3},
                "b": {"type": "integer", "maximum": 3},
                "c": {"type": "array", "maxItems": 1},
                "d": {"enum": [1]},
                "e": _obj({"z": {}}, required=["z"], additionalProperties=False),
                "f": {"type": "array", "items": {"dataType": "bytes", "minLength": 2}},
                "q": {},
            },
            required=["q"],
            additionalProperties=False,
        ),
        {
            "a": "x",
            "b": 5,
            "c": [1, 2],
            "d": 2,
            "e": {"y": 1},
            "f": [raw("0000"), raw("00")],
            "g": 1,
        },
        INVALID,
    ),
    # --- schemas Klayr's Ajv (strict mode) refuses to compile ---
    ({"type": "object", "foo": 1}, {}, SCHEMA_ERROR),
    ({"type": "object", "required": ["x"]}, {"x": 1}, SCHEMA_ERROR),
    ({"type": "array", "items": [{"type": "string"}]}, [], SCHEMA_ERROR),
    ({"if": {"type": "string"}}, 5, SCHEMA_ERROR),
    ({"then": {"type": "string"}}, 5, SCHEMA_ERROR),
    ({"items": {}, "additionalItems": False}, [5], SCHEMA_ERROR),
    ({"nullable": True}, 5, SCHEMA_ERROR),
    ({"type": "string", "format": "zzz"}, "a", SCHEMA_ERROR),
    ({"type": "string", "pattern": "("}, "a", SCHEMA_ERROR),
    ({"dataType": "string", "type": "string"}, "a", SCHEMA_ERROR),
    ({"dataType": "uint16"}, 1, SCHEMA_ERROR),
    (_obj({"a": {"dataType": "uint32", "fieldNumber": 0}}), {}, SCHEMA_ERROR),
    (
        _obj(
            {
                "a": {"dataType": "uint32", "fieldNumber": 1},
                "b": {"dataType": "uint32", "fieldNumber": 1},
            }
        ),
        {},
        SCHEMA_ERROR,
    ),
    ({"type": "object", "properties": 5}, {}, SCHEMA_ERROR),
    ({"type": "strin"}, "a", SCHEMA_ERROR),
    ({"minLength": "3"}, "a", SCHEMA_ERROR),
]


def _codec(properties: dict[str, Any], schema_id: str, **extra: Any) -> dict[str, Any]:
    return {"$id": schema_id, "type": "object", "properties": properties, **extra}


_U32 = {"dataType": "uint32"}

# (schema, accepted by Klayr's codec.addSchema) - each $id distinct, as the oracle shares one Ajv.
SCHEMA_CASES: list[tuple[dict[str, Any], bool]] = [
    (_codec({"a": {**_U32, "fieldNumber": 1}}, "/s/ok"), True),
    (_codec({}, "/s/empty"), True),
    (_codec({"a": {**_U32, "fieldNumber": 1}}, "/s/req", required=["a"], title="T"), True),
    (_codec({"a": {"type": "array", "fieldNumber": 1, "items": _U32}}, "/s/arr"), True),
    (
        _codec(
            {
                "a": {
                    "type": "object",
                    "fieldNumber": 1,
                    "properties": {"b": {**_U32, "fieldNumber": 1}},
                }
            },
            "/s/nested",
        ),
        True,
    ),
    (_codec({"a": {"fieldNumber": 1}}, "/s/nodatatype"), True),
    (
        _codec(
            {"a": {**_U32, "fieldNumber": 1}},
            "/s/d7",
            **{
                "$schema": "http://json-schema.org/draft-07/schema#",
                "description": "ok under draft-07",
            },
        ),
        True,
    ),
    (_codec({"a": {**_U32, "fieldNumber": 1}, "b": {**_U32, "fieldNumber": 1}}, "/s/dup"), False),
    (_codec({"a": {**_U32, "fieldNumber": 1}, "b": _U32, "c": _U32}, "/s/dup-missing"), False),
    (_codec({"a": {**_U32, "fieldNumber": 0}}, "/s/fn0"), False),
    (_codec({"a": {**_U32, "fieldNumber": -1}}, "/s/fnneg"), False),
    (_codec({"a": {**_U32, "fieldNumber": "1"}}, "/s/fnstr"), False),
    (_codec({"a": {**_U32, "fieldNumber": 19000}}, "/s/fnbig"), False),
    (_codec({"a": {**_U32, "fieldNumber": 18999}}, "/s/fnmax"), True),
    (_codec({"a": {"dataType": "uint16", "fieldNumber": 1}}, "/s/dt"), False),
    (_codec({"a": {"dataType": "string", "type": "string", "fieldNumber": 1}}, "/s/both"), False),
    (_codec({"a": {"type": "array", "fieldNumber": 1}}, "/s/noitems"), False),
    (_codec({"a": {"type": "object", "fieldNumber": 1}}, "/s/noprops"), False),
    (_codec({"a": _U32}, "/s/nofn"), False),
    (
        _codec(
            {
                "a": {
                    "type": "array",
                    "fieldNumber": 1,
                    "items": {"type": "object", "properties": {"b": _U32}},
                }
            },
            "/s/itemsnofn",
        ),
        False,
    ),
    (
        _codec(
            {
                "a": {
                    "type": "object",
                    "fieldNumber": 1,
                    "properties": {
                        "b": {**_U32, "fieldNumber": 1},
                        "c": {**_U32, "fieldNumber": 1},
                    },
                }
            },
            "/s/nesteddup",
        ),
        False,
    ),
    ({"$id": "/s/array", "type": "array", "properties": {}}, False),
    ({"$id": "/s/notype", "properties": {}}, False),
    ({"$id": "/s/noproperties", "type": "object"}, False),
    ({"type": "object", "properties": {}}, False),
    (_codec({}, "/s/extra", description="not allowed at a Klayr root"), False),
    (_codec({"Abc": {**_U32, "fieldNumber": 1}}, "/s/camel"), False),
    (_codec({"a_b": {**_U32, "fieldNumber": 1}}, "/s/camel2"), False),
    (_codec({}, "/s/reqstr", required="a"), False),
    (_codec({}, "/s/requndef", required=["a"]), False),
    (_codec({"a": {**_U32, "fieldNumber": 1, "foo": 1}}, "/s/unknown"), False),
    (_codec({"a": {"dataType": "string", "fieldNumber": 1, "format": "nope"}}, "/s/fmt"), False),
    (_codec({}, "/s/schema", **{"$schema": "http://example.com/other#"}), False),
]
