"""Turn jsonschema errors into Klayr's error lines, each naming the path that failed.

Klayr (``@klayr/validator`` errors.js) writes a data path as dot-joined keys, ``.a.0.b``, the root
being the empty string, and formats errors as ``Property '<path>' <message>``, except a missing
property: ``Missing property, must have required property 'x'``. Where Klayr prints a bare Ajv
message without the path (minimum, enum, anyOf ...) we still prefix the path, so every line says
where; a missing property below the root gets `` at '<path>'`` appended for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError as JsonSchemaError


def data_path(path: Iterable[Any]) -> str:
    """Klayr's dotted form of an instance path (JSON-pointer escapes kept, as Ajv emits them)."""
    return "".join("." + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def format_error(error: JsonSchemaError) -> str:
    """One Klayr-style line for a jsonschema error raised by :mod:`.keywords`."""
    path = data_path(error.path)
    if error.validator is None:  # a ``false`` sub-schema
        return f"Property '{path}' boolean schema is false"
    if error.validator == "required":
        suffix = f" at '{path}'" if path else ""
        return f"Missing property, {error.message}{suffix}"
    return f"Property '{path}' {error.message}"
