"""Klayr's binary codec (LIP 0027): schemas compiled once into generated encoders and decoders.

>>> from klayr_py import codec
>>> schema = {"$id": "/demo", "type": "object",
...           "properties": {"n": {"dataType": "uint64", "fieldNumber": 1}}}
>>> codec.encode(schema, {"n": 300}).hex()
'08ac02'
>>> codec.decode(schema, bytes.fromhex("08ac02"))
{'n': 300}
"""

from klayr_py.codec.codec import (
    Schema,
    decode,
    decode_json,
    encode,
    encode_json,
    from_json,
    to_json,
    validate_schema,
)
from klayr_py.codec.compiled import CompiledSchema, clear_cache, compile_schema
from klayr_py.errors import CodecError

__all__ = [
    "CodecError",
    "CompiledSchema",
    "Schema",
    "clear_cache",
    "compile_schema",
    "decode",
    "decode_json",
    "encode",
    "encode_json",
    "from_json",
    "to_json",
    "validate_schema",
]
