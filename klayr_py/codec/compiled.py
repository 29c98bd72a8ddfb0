"""Compiled schemas and the cache that makes every schema compile once."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from klayr_py.codec._codegen import Decoder, Encoder, generate
from klayr_py.codec._native_paths import with_native_decoder, with_native_encoder
from klayr_py.codec._spec import ObjectSpec, parse_schema
from klayr_py.errors import CodecError


class CompiledSchema:
    """A Klayr schema turned into generated encode/decode functions.

    Get one with :func:`compile_schema`; hold on to it in hot code (stores, commands) to skip even
    the cache lookup that :func:`klayr_py.codec.encode` does.
    """

    __slots__ = ("decode", "encode", "schema", "schema_id", "spec")

    encode: Encoder
    """``encode(value) -> bytes``; raises :class:`CodecError` naming the field at fault."""
    decode: Decoder
    """``decode(data) -> dict``, strictly; raises :class:`CodecError` naming the field at fault."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.schema_id: str | None = schema.get("$id") if isinstance(schema, Mapping) else None
        self.spec: ObjectSpec = parse_schema(schema)
        # Plain functions in slots: calling them costs no bound-method creation.
        python_encode, python_decode = generate(self.spec)
        self.encode = with_native_encoder(self.spec, python_encode)
        self.decode = with_native_decoder(self.spec, python_decode)

    def __repr__(self) -> str:
        return f"CompiledSchema({self.schema_id!r})"


_IDENTITY_CACHE_LIMIT = 4096

_lock = threading.Lock()
# Fast path: the very dict object seen before (kept alive here, so its id cannot be reused).
_by_identity: dict[int, tuple[Mapping[str, Any], CompiledSchema]] = {}
# Slow path: an equal schema in another dict object, keyed by $id and canonical content.
_by_content: dict[tuple[str | None, str], CompiledSchema] = {}


def _content_key(schema: Mapping[str, Any]) -> tuple[str | None, str]:
    try:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise CodecError(f"schema is not JSON-serialisable: {exc}") from None
    return (schema.get("$id"), text)


def compile_schema(schema: Mapping[str, Any] | CompiledSchema) -> CompiledSchema:
    """Compile ``schema`` once and cache it by identity and by ($id, content).

    Schemas are treated as immutable once used: mutate a copy, not a schema already compiled.
    """
    if type(schema) is CompiledSchema:
        return schema
    entry = _by_identity.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    if not isinstance(schema, Mapping):
        raise CodecError(f"schema must be an object, not {type(schema).__name__}")
    key = _content_key(schema)
    with _lock:
        compiled = _by_content.get(key)
        if compiled is None:
            compiled = CompiledSchema(schema)
            _by_content[key] = compiled
        if len(_by_identity) >= _IDENTITY_CACHE_LIMIT:
            _by_identity.clear()
        _by_identity[id(schema)] = (schema, compiled)
    return compiled


def clear_cache() -> None:
    """Forget every compiled schema (tests and long-lived tools that generate schemas)."""
    with _lock:
        _by_identity.clear()
        _by_content.clear()
