"""Turn jsonschema errors into Klayr's error lines, each naming the path that failed.

Klayr (``@klayr/validator`` errors.js) writes a data path as dot-joined keys, ``.a.0.b``, the root
being the empty string, and formats errors as ``Property '<path>' <message>``, except a missing
property: ``Missing property, must have required property 'x'``. Where Klayr prints a bare Ajv
message without the path (minimum, enum, anyOf ...) we still prefix the path, so every line says
where; a missing property below the root gets `` at '<path>'`` appended for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError as JsonSchemaError


def data_path(path: Iterable[Any]) -> str:
    """Klayr's dotted form of an instance path (JSON-pointer escapes kept, as Ajv emits them)."""
    return "".join("." + str(part).replace("~", "~0").replace("/", "~1") for part in path)


# What a value of each dataType must be, for people: Klayr's own line only says the dataType
# check failed, not what would have passed.
DATA_TYPE_EXPECTED = {
    "boolean": "true or false",
    "string": "a string",
    "bytes": "bytes (hex in JSON)",
    "uint32": "an integer from 0 to 4294967295",
    "sint32": "an integer from -2147483648 to 2147483647",
    "uint64": "an integer from 0 to 18446744073709551615 (a decimal string in JSON)",
    "sint64": (
        "an integer from -9223372036854775808 to 9223372036854775807 (a decimal string in JSON)"
    ),
}


def format_error(error: JsonSchemaError, *, explain: bool = False) -> str:
    """One Klayr-style line for a jsonschema error raised by :mod:`.keywords`.

    With ``explain``, a failed ``dataType`` check also says what was expected
    (``...keyword validation: must be a string``); without it the line is Klayr's own.
    """
    if explain and error.validator == "dataType" and "keyword validation" in error.message:
        expected = DATA_TYPE_EXPECTED.get(str(error.validator_value))
        if expected is not None:
            return f"{format_error(error)}: must be {expected}"
    path = data_path(error.path)
    if error.validator is None:  # a ``false`` sub-schema
        return f"Property '{path}' boolean schema is false"
    if error.validator == "required":
        suffix = f" at '{path}'" if path else ""
        return f"Missing property, {error.message}{suffix}"
    return f"Property '{path}' {error.message}"


_EXTRANEOUS = re.compile(r"^Property '(?P<path>[^']*)' has extraneous property '(?P<key>[^']*)'$")
_MISSING = re.compile(
    r"^Missing property, must have required property '(?P<key>[^']*)'(?: at '(?P<path>[^']*)')?$"
)
_AT_PATH = re.compile(r"^Property '(?P<path>[^']*)' (?P<message>.*)$")


def as_setting_errors(prefix: str, errors: Iterable[str]) -> list[str]:
    """Validator lines about a configuration object, as lines about its settings:
    ``Property '' has extraneous property 'x'`` under ``modules.hello`` becomes
    ``modules.hello.x: unknown setting``; other lines keep their message after the key."""
    lines = []
    for line in errors:
        if found := _EXTRANEOUS.match(line):
            lines.append(f"{prefix}{found['path']}.{found['key']}: unknown setting")
        elif found := _MISSING.match(line):
            lines.append(f"{prefix}{found['path'] or ''}.{found['key']}: missing (required)")
        elif found := _AT_PATH.match(line):
            lines.append(f"{prefix}{found['path']}: {found['message']}")
        else:
            lines.append(f"{prefix}: {line}")
    return lines
