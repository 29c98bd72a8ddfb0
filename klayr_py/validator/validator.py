"""Compile schemas once, validate values many times: the Klayr validator on top of jsonschema.

A schema is checked when first seen (against the draft-07 or Klayr meta-schema, whichever its
``$schema`` names, then against Ajv's strict compile rules) and turned into a jsonschema validator
with Klayr's keywords. The result is cached under the schema's ``$id`` plus a hash of its content,
so validating against the same schema again costs one ``json.dumps`` and a dict lookup. Hold on to
a :class:`CompiledSchema` (``Validator.compile``) to skip even that on hot paths.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, Final

import jsonschema.validators
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.exceptions import PointerToNowhere, Unresolvable
from referencing.jsonschema import DRAFT7

from ..errors import ValidationError
from .evaluation_order import ajv_ordered
from .json_types import TYPE_CHECKER
from .messages import format_error
from .meta_schema import (
    DRAFT7_SCHEMA_ID,
    INTERNAL_DRAFT7_URI,
    INTERNAL_KLAYR_URI,
    KLAYR_SCHEMA_ID,
    internal_meta_schemas,
)
from .schema_rules import codec_shape_errors, schema_rule_errors
from .vocabulary import KEYWORDS

Schema = Mapping[str, Any]

_KlayrJsonSchema = jsonschema.validators.create(
    meta_schema=Draft7Validator.META_SCHEMA,
    validators=KEYWORDS,
    type_checker=TYPE_CHECKER,
)

_DRAFT7_META, _KLAYR_META = (ajv_ordered(meta) for meta in internal_meta_schemas())
_REGISTRY: Final = Registry().with_resources(
    [
        (INTERNAL_DRAFT7_URI, DRAFT7.create_resource(_DRAFT7_META)),
        (INTERNAL_KLAYR_URI, DRAFT7.create_resource(_KLAYR_META)),
    ]
)
_DRAFT7_CHECKER = _KlayrJsonSchema(_DRAFT7_META, registry=_REGISTRY)
_KLAYR_CHECKER = _KlayrJsonSchema(_KLAYR_META, registry=_REGISTRY)
_DRAFT7_IDS = frozenset({DRAFT7_SCHEMA_ID, DRAFT7_SCHEMA_ID.rstrip("#")})


def _messages(checker: Any, value: Any) -> list[str]:
    return [format_error(error) for error in checker.iter_errors(value)]


def _json_fallback(value: Any) -> str:
    return f"<{type(value).__name__}:{value!r}>"


def _cache_key(schema: Schema) -> tuple[str | None, bytes]:
    """``$id`` plus a digest of the content in key order (key order decides error order)."""
    try:
        text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False, default=_json_fallback)
    except (TypeError, ValueError):  # non-string keys or cycles: fall back to the repr
        text = repr(schema)
    schema_id = schema.get("$id")
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return (schema_id if isinstance(schema_id, str) else None), digest


def _require_mapping(schema: Any) -> None:
    if not isinstance(schema, Mapping):
        raise ValidationError([f"schema must be an object, not {type(schema).__name__}"])


def _schema_errors(schema: Schema, declared: Any) -> list[str]:
    """Everything wrong with ``schema``: its declared meta-schema, draft-07, Ajv's strict rules."""
    errors: list[str] = []
    if declared == KLAYR_SCHEMA_ID:
        errors.extend(_messages(_KLAYR_CHECKER, {**schema, "$schema": declared}))
    elif declared is not None and declared not in _DRAFT7_IDS:
        return [f'no schema with key or ref "{declared}"']
    for message in (*_messages(_DRAFT7_CHECKER, schema), *schema_rule_errors(schema)):
        if message not in errors:
            errors.append(message)
    return errors


class CompiledSchema:
    """A checked schema bound to its jsonschema validator; validating never recompiles."""

    __slots__ = ("_checker", "schema")

    def __init__(self, schema: Schema) -> None:
        # A private copy: the cache shares this object between equal schemas, so a caller
        # mutating their dict later must not change what it validates.
        self.schema: Schema = copy.deepcopy(schema)
        body = {key: value for key, value in self.schema.items() if key != "$schema"}
        self._checker = _KlayrJsonSchema(ajv_ordered(body), registry=_REGISTRY)

    def iter_errors(self, value: Any, *, explain: bool = False) -> Iterator[str]:
        """Klayr-style messages for every way ``value`` fails, in Ajv's order; ``explain``
        adds what a failed ``dataType`` expected."""
        try:
            for error in self._checker.iter_errors(value):
                yield format_error(error, explain=explain)
        except Unresolvable as exc:
            cause = exc.__cause__ or exc  # jsonschema wraps referencing's error
            ref = f"#{exc.ref}" if isinstance(cause, PointerToNowhere) else exc.ref
            yield f'can\'t resolve reference "{ref}"'

    def errors(self, value: Any) -> list[str]:
        """Every failure message for ``value``; empty when it is valid."""
        return list(self.iter_errors(value))

    def is_valid(self, value: Any) -> bool:
        """Whether ``value`` satisfies the schema (stops at the first failure)."""
        return next(self.iter_errors(value), None) is None

    def validate(self, value: Any) -> None:
        """Raise :class:`ValidationError` listing every failure of ``value``, each saying what
        was expected (:meth:`errors` gives Klayr's exact lines)."""
        errors = list(self.iter_errors(value, explain=True))
        if errors:
            raise ValidationError(errors)


class Validator:
    """Klayr's validator: compiled schemas cached by ``$id`` + content hash, LRU-bounded."""

    def __init__(self, cache_size: int = 1024) -> None:
        self._cache_size = cache_size
        self._compiled: OrderedDict[tuple[str | None, bytes], CompiledSchema] = OrderedDict()
        self._klayr_checked: OrderedDict[tuple[str | None, bytes], None] = OrderedDict()
        self._lock = threading.Lock()

    def compile(self, schema: Schema) -> CompiledSchema:
        """Check ``schema`` (meta-schema and strict rules) once and return its compiled form."""
        _require_mapping(schema)
        return self._compile(schema, _cache_key(schema))

    def validate(self, schema: Schema, value: Any) -> None:
        """Raise :class:`ValidationError` unless ``value`` satisfies ``schema``."""
        self.compile(schema).validate(value)

    def validate_schema(self, schema: Schema) -> None:
        """Check a codec schema as Klayr's ``codec.addSchema`` does, listing every problem.

        That is the Klayr meta-schema (root ``type: object``, ``$id``, camelCase ``properties``
        ...; draft-07 instead if ``$schema`` names it), Ajv's strict compile rules (unique
        ``fieldNumber`` per level, ``dataType`` xor ``type`` ...) and the codec's own shape rules
        (every property has a ``fieldNumber``, arrays have ``items``).
        """
        _require_mapping(schema)
        key = _cache_key(schema)
        with self._lock:
            if key in self._klayr_checked:
                self._klayr_checked.move_to_end(key)
                return
        errors = _schema_errors(schema, schema.get("$schema", KLAYR_SCHEMA_ID))
        errors.extend(message for message in codec_shape_errors(schema) if message not in errors)
        if errors:
            raise ValidationError(errors)
        self._compile(schema, key, checked=True)
        with self._lock:
            self._remember(self._klayr_checked, key, None)

    def clear_cache(self) -> None:
        """Forget every compiled schema."""
        with self._lock:
            self._compiled.clear()
            self._klayr_checked.clear()

    def _compile(
        self, schema: Schema, key: tuple[str | None, bytes], checked: bool = False
    ) -> CompiledSchema:
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
                return compiled
        errors = [] if checked else _schema_errors(schema, schema.get("$schema"))
        if errors:
            raise ValidationError(errors)
        compiled = CompiledSchema(schema)
        with self._lock:
            self._remember(self._compiled, key, compiled)
        return compiled

    def _remember(self, cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self._cache_size:
            cache.popitem(last=False)


default_validator: Final = Validator()
"""The shared validator behind the module-level functions."""


def validate(schema: Schema, value: Any) -> None:
    """Raise :class:`ValidationError` unless ``value`` satisfies ``schema`` (Klayr semantics)."""
    default_validator.validate(schema, value)


def validate_schema(schema: Schema) -> None:
    """Raise :class:`ValidationError` unless ``schema`` is a valid Klayr codec schema."""
    default_validator.validate_schema(schema)


def compile_schema(schema: Schema) -> CompiledSchema:
    """Check ``schema`` once and return a :class:`CompiledSchema` for repeated validation."""
    return default_validator.compile(schema)
