"""Differential tests against Klayr's own @klayr/validator (and @klayr/codec for schemas).

Every case in :mod:`tests.validator.cases` must get the same outcome from klayr_py as from Klayr,
and, where Klayr prints the path, the same messages in the same order. Random strings are then fed
to every string format on both sides. Skipped when Node.js or the packages are absent.
"""

from __future__ import annotations

import importlib.util
import random
import re
from typing import Any

import pytest

from klayr_py.errors import ValidationError
from klayr_py.validator import KLAYR_META_SCHEMA, Validator
from klayr_py.validator.formats import FORMATS
from tests.oracle.node import require_oracle, run_node

from .cases import INVALID, SCHEMA_CASES, SCHEMA_ERROR, VALID, VALUE_CASES, native
from .random_cases import random_cases

_RANDOM_CASES = random_cases(1000, seed=7)

_REVIVE = """
const revive = (v) => {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bigint') return BigInt(v.$bigint);
    if (keys.length === 1 && keys[0] === '$bytes') return Buffer.from(v.$bytes, 'hex');
    return Object.fromEntries(keys.map((k) => [k, revive(v[k])]));
  }
  return v;
};
const lines = (e) => e.message.startsWith('Klayr validator found')
  ? e.message.split('\\n').slice(1) : [e.message];
"""

# One Node.js run answers every question (starting Node and loading Klayr dominates the cost).
_SCRIPT = (
    "const { validator } = require('@klayr/validator');\n"
    "const { codec } = require('@klayr/codec');\n"
    + _REVIVE
    + """
const values = input.values.map(({ schema, value }) => {
  try { validator.compile(schema); }
  catch (e) { return { outcome: 'schema_error', messages: lines(e) }; }
  try { validator.validate(schema, revive(value)); return { outcome: 'valid', messages: [] }; }
  catch (e) { return { outcome: 'invalid', messages: lines(e) }; }
});
const schemas = input.schemas.map((schema) => {
  try { codec.addSchema(schema); return true; } catch (e) { return false; }
  finally { codec.clearCache(); }
});
const formats = input.formats.map((format) => {
  const schema = { type: 'string', format };  // one object, so Ajv compiles it once
  return input.strings.map((s) => {
    try { validator.validate(schema, s); return true; } catch (e) { return false; }
  });
});
const metaSchema = require('@klayr/validator/dist-node/klayr_meta_schema').klayrmetaSchema;
output({ values, schemas, formats, metaSchema });
"""
)

# Ajv messages that Klayr prints with the path; every other one it prints bare.
_PATH_KEPT = re.compile(
    r"should be of type|has extraneous property|must NOT have (fewer|more) than \d+ characters"
    r'|must match format|should pass "dataType"|minLength not satisfied|maxLength exceeded'
    r"|address length invalid"
)


def _as_klayr_prints(message: str) -> str:
    """Undo klayr_py's deliberate additions, leaving the line Klayr itself prints."""
    missing = re.fullmatch(r"(Missing property, .*?)(?: at '[^']*')?", message)
    if missing:
        return missing.group(1)
    body = re.sub(r"^Property '[^']*' ", "", message)
    if not _PATH_KEPT.match(body):
        message = body
    message = re.sub(r"property name '.*' must be valid", "property name must be valid", message)
    return re.sub(r"(than \d+) properties$", r"\1 items", message)


def _ours(validator: Validator, schema: dict[str, Any], value: Any) -> tuple[str, list[str]]:
    try:
        compiled = validator.compile(schema)
    except ValidationError as exc:
        return SCHEMA_ERROR, exc.errors
    errors = compiled.errors(native(value))
    return (INVALID if errors else VALID), errors


_FUZZ_SEEDS = [
    "0a0b", "18446744073709551615", "-9223372036854775808", "+007", "abcDef1", "v1.2.3-rc.1+b",
    "1.0.0", "10.22", "/a/b/", "~/.klayr", "salt=ab&iv=cd", "127.0.0.1", "fe80::1%eth0",
    "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "a.b-c.d", "13",
    "klyoaknq582o6fw7sp82bm2hnj7pzp47mpmbmux2g",
]  # fmt: skip
_FUZZ_ALPHABET = "0123456789abcdefABCDEF.:/%=&+-_v ~\nzZé"
_FUZZ_FORMATS = ["hex", "bytes", "int64", "uint64", "camelCase", "version", "networkVersion",
                 "path", "encryptedPassphrase", "ip", "ipOrFQDN", "oddInteger"]  # fmt: skip
if importlib.util.find_spec("klayr_py.crypto.address") is not None:  # klayr32 needs klayr_py.crypto
    _FUZZ_FORMATS.append("klayr32")


def _mutations(seeds: list[str], alphabet: str, count: int, rng: random.Random) -> list[str]:
    """``seeds`` plus random edits of them: near-misses are where format rules differ."""
    out = list(seeds)
    while len(out) < count:
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            action = rng.random()
            position = rng.randint(0, len(chars))
            if action < 0.4:
                chars.insert(position, rng.choice(alphabet))
            elif chars and action < 0.7:
                del chars[min(position, len(chars) - 1)]
            elif chars:
                chars[min(position, len(chars) - 1)] = rng.choice(alphabet)
        out.append("".join(chars))
    return out


_FUZZ_STRINGS = _mutations(_FUZZ_SEEDS, _FUZZ_ALPHABET, 3000, random.Random(20240601))


@pytest.fixture(scope="module")
def klayr() -> dict[str, Any]:
    require_oracle("@klayr/validator")
    require_oracle("@klayr/codec")
    payload = {
        "values": [
            {"schema": schema, "value": value}
            for schema, value in [*((s, v) for s, v, _ in VALUE_CASES), *_RANDOM_CASES]
        ],
        "schemas": [schema for schema, _ in SCHEMA_CASES],
        "formats": _FUZZ_FORMATS,
        "strings": _FUZZ_STRINGS,
    }
    results: dict[str, Any] = run_node(_SCRIPT, payload)
    return results


@pytest.fixture(scope="module")
def klayr_value_results(klayr: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = klayr["values"]
    return values[: len(VALUE_CASES)]


def test_klayr_agrees_with_the_expected_outcomes(klayr_value_results: list[dict[str, Any]]) -> None:
    wrong = [
        (schema, value, expected, got["outcome"], got["messages"])
        for (schema, value, expected), got in zip(VALUE_CASES, klayr_value_results, strict=True)
        if got["outcome"] != expected
    ]
    assert wrong == []


def test_same_outcomes_and_messages_as_klayr(klayr_value_results: list[dict[str, Any]]) -> None:
    validator = Validator()
    mismatches = []
    for (schema, value, _), klayr in zip(VALUE_CASES, klayr_value_results, strict=True):
        outcome, messages = _ours(validator, schema, value)
        if outcome != klayr["outcome"]:
            mismatches.append((schema, value, outcome, klayr["outcome"], messages))
        elif outcome == INVALID and [_as_klayr_prints(m) for m in messages] != klayr["messages"]:
            mismatches.append((schema, value, messages, klayr["messages"]))
    assert mismatches == []


def test_random_schemas_and_values_agree_with_klayr(klayr: dict[str, Any]) -> None:
    validator = Validator()
    mismatches = []
    results = klayr["values"][len(VALUE_CASES) :]
    for (schema, value), got in zip(_RANDOM_CASES, results, strict=True):
        outcome, messages = _ours(validator, schema, value)
        if outcome != got["outcome"]:
            mismatches.append((schema, value, outcome, got["outcome"], messages, got["messages"]))
        elif outcome == INVALID and [_as_klayr_prints(m) for m in messages] != got["messages"]:
            mismatches.append((schema, value, messages, got["messages"]))
    assert mismatches == []


def test_validate_schema_matches_klayr_codec_add_schema(klayr: dict[str, Any]) -> None:
    assert klayr["schemas"] == [accepted for _, accepted in SCHEMA_CASES]
    validator = Validator()
    ours = []
    for schema, _ in SCHEMA_CASES:
        try:
            validator.validate_schema(schema)
            ours.append(True)
        except ValidationError:
            ours.append(False)
    assert ours == klayr["schemas"]


def test_string_formats_agree_with_klayr_on_random_strings(klayr: dict[str, Any]) -> None:
    for name, verdicts in zip(_FUZZ_FORMATS, klayr["formats"], strict=True):
        check = FORMATS[name].check
        disagreements = [s for s, ok in zip(_FUZZ_STRINGS, verdicts, strict=True) if check(s) != ok]
        assert disagreements == [], name


def test_meta_schema_is_klayrs(klayr: dict[str, Any]) -> None:
    assert klayr["metaSchema"] == KLAYR_META_SCHEMA
