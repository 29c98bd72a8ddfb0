"""A plugin's ``plugin.toml``: parsed with :mod:`tomllib`, validated into :class:`PluginManifest`.

Every problem of a manifest comes back as one :class:`ManifestError` naming the file and each bad
field with why, one line per problem, never a traceback. See docs/plugin_manifest.md.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator

from klayr_py.errors import KlayrError
from klayr_py.plugins._version import Comparator, Version, VersionConstraint, VersionError

__all__ = [
    "MANIFEST_FILE",
    "Capability",
    "Comparator",
    "EntryKind",
    "ManifestError",
    "PluginConfigError",
    "PluginLimits",
    "PluginManifest",
    "Version",
    "VersionConstraint",
    "VersionError",
    "is_plugin_name",
    "load_manifest",
    "rpc_namespace",
]

MANIFEST_FILE = "plugin.toml"

EntryKind = Literal["module", "executable"]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_NAME_RULE = (
    "use lowercase letters and digits, separated by single '-' or '_', starting with a letter"
)
_NAME_MAX = 64
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_MODULE_PATH = re.compile(
    rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*(?::{_IDENTIFIER}(?:\.{_IDENTIFIER})*)?"
)
_TOML_POSITION = re.compile(
    r"^(?P<message>.*) \(at (?P<where>line \d+, column \d+|end of document)\)$"
)


class ManifestError(KlayrError, ValueError):
    """A plugin manifest cannot be read or is invalid; ``problems`` has one line per problem."""

    def __init__(self, source: str, problems: list[str], summary: str | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        self.summary = summary
        if summary is None:
            count = len(self.problems)
            summary = f"{count} problem{'s' if count != 1 else ''} in the plugin manifest"
            super().__init__("\n  ".join([f"{source}: {summary}", *self.problems]))
        else:
            super().__init__(f"{source}: {summary}")

    def __reduce__(self) -> tuple[type[ManifestError], tuple[str, list[str], str | None]]:
        return (type(self), (self.source, self.problems, self.summary))


class PluginConfigError(KlayrError, ValueError):
    """A plugin's configuration does not satisfy its ``config_schema``; lists every bad key."""

    def __init__(self, plugin: str, problems: list[str]) -> None:
        self.plugin = plugin
        self.problems = list(problems)
        count = len(self.problems)
        header = f"config of plugin {plugin!r}: {count} invalid setting{'s' if count != 1 else ''}"
        super().__init__("\n  ".join([header, *self.problems]))

    def __reduce__(self) -> tuple[type[PluginConfigError], tuple[str, list[str]]]:
        return (type(self), (self.plugin, self.problems))


class Capability(StrEnum):
    """What a plugin may ask of the node; the node checks one on every request."""

    READ_CHAIN = "read_chain"
    READ_STATE = "read_state"
    READ_TXPOOL = "read_txpool"
    SUBSCRIBE_EVENTS = "subscribe_events"
    SEND_TRANSACTIONS = "send_transactions"
    REGISTER_RPC_ENDPOINT = "register_rpc_endpoint"
    PLUGIN_STORAGE = "plugin_storage"
    CALL_PLUGIN = "call_plugin"
    NETWORK = "network"
    """Not a request: the plugin's sandbox shares the host's network (otherwise it has none)."""


_CAPABILITY_NAMES = frozenset(capability.value for capability in Capability)


class _Problems(ValueError):
    """Several problems inside one field: ``(sub-location, message)`` pairs, reported one a line."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{where}: {why}" if where else why for where, why in problems))


def rpc_namespace(name: str) -> str:
    """The camelCase RPC namespace of a plugin name: ``hello-stats`` -> ``helloStats``."""
    first, *rest = re.split(r"[-_]", name)
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def is_plugin_name(name: str) -> bool:
    """Whether ``name`` is a valid plugin name (lowercase, ``-``/``_`` separated, <= 64 chars)."""
    return bool(_NAME.fullmatch(name)) and len(name) <= _NAME_MAX


def _check_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")
    if not is_plugin_name(value):
        raise ValueError(
            f"{value!r} is not a valid plugin name: {_NAME_RULE}, at most {_NAME_MAX} characters "
            "(it becomes the RPC namespace)"
        )
    return value


PositiveInt = Annotated[int, Strict(), Field(gt=0)]


class PluginLimits(BaseModel):
    """``[limits]``: optional resource limits, applied with ``resource`` rlimits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    memory_mb: PositiveInt | None = None
    cpu_seconds: PositiveInt | None = None
    open_files: PositiveInt | None = None


class PluginManifest(BaseModel):
    """A validated ``plugin.toml``. Build one with :func:`load_manifest` or :meth:`from_toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """The plugin's name; its RPC namespace is :attr:`rpc_namespace`."""
    version: Version
    entry_kind: EntryKind = "module"
    """``module`` (``pkg.mod`` or ``pkg.mod:Class``) or ``executable`` (a file in the plugin dir).
    Inferred from ``entry_point`` (a path has a ``/``) unless the manifest sets it."""
    entry_point: str
    description: str | None = Field(default=None, strict=True)
    author: str | None = Field(default=None, strict=True)
    capabilities: tuple[Capability, ...] = ()
    dependencies: dict[str, VersionConstraint] = Field(default_factory=dict)
    optional_dependencies: dict[str, VersionConstraint] = Field(default_factory=dict)
    config_schema: dict[str, Any] | None = None
    """A JSON schema (Draft 2020-12) for the plugin's configuration; ``None``: any config."""
    limits: PluginLimits = Field(default_factory=PluginLimits)

    @classmethod
    def from_toml(
        cls, text: str, *, source: str = MANIFEST_FILE, plugin_dir: Path | None = None
    ) -> PluginManifest:
        """Parse and validate manifest text; ``source`` names it in errors.

        With ``plugin_dir``, an executable entry point must exist there and be executable.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            match = _TOML_POSITION.match(str(error))
            message, where = (match["message"], match["where"]) if match else (str(error), "")
            summary = (
                f"not valid TOML at {where}: {message}" if where else f"not valid TOML: {message}"
            )
            raise ManifestError(
                source, [f"{where}: {message}" if where else message], summary
            ) from None
        return cls.from_dict(data, source=source, plugin_dir=plugin_dir)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = MANIFEST_FILE, plugin_dir: Path | None = None
    ) -> PluginManifest:
        """Validate a manifest already read into a mapping; :class:`ManifestError` lists all."""
        context = {"plugin_dir": plugin_dir}
        try:
            return cls.model_validate(dict(data), context=context)
        except pydantic.ValidationError as error:
            raise ManifestError(source, _describe(error)) from None

    @property
    def rpc_namespace(self) -> str:
        """The camelCase namespace of the plugin's RPC endpoints (``helloStats`` ...)."""
        return rpc_namespace(self.name)

    @property
    def entry_module(self) -> str | None:
        """The module a ``module`` entry point imports (``None`` for an executable)."""
        return self.entry_point.partition(":")[0] if self.entry_kind == "module" else None

    @property
    def entry_object(self) -> str | None:
        """The attribute after ``:`` in a ``module`` entry point, if any."""
        attribute = self.entry_point.partition(":")[2]
        return (attribute or None) if self.entry_kind == "module" else None

    def entry_path(self, plugin_dir: Path) -> Path | None:
        """The file an ``executable`` entry point runs (``None`` for a module)."""
        return plugin_dir / self.entry_point if self.entry_kind == "executable" else None

    def validate_config(self, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``config`` with the schema's defaults filled in; :class:`PluginConfigError` lists
        every bad key. Without a ``config_schema`` any mapping is accepted as is."""
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            raise PluginConfigError(self.name, [f"(root): must be a table/object, got {config!r}"])
        result = copy.deepcopy(dict(config))
        if self.config_schema is None:
            return result
        _apply_defaults(self.config_schema, result)
        validator = Draft202012Validator(
            self.config_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        problems: list[str] = []
        for error in validator.iter_errors(result):
            for line in _config_problems(error):
                if line not in problems:
                    problems.append(line)
        if problems:
            raise PluginConfigError(self.name, sorted(problems))
        return result

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return _check_name(value)

    @field_validator("entry_kind", mode="before")
    @classmethod
    def _entry_kind(cls, value: Any) -> Any:
        if value not in ("module", "executable"):
            raise ValueError(f"must be 'module' or 'executable', got {value!r}")
        return value

    @pydantic.model_validator(mode="before")
    @classmethod
    def _infer_entry_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "entry_kind" not in data:
            entry = data.get("entry_point")
            if isinstance(entry, str):
                data = {**data, "entry_kind": "executable" if "/" in entry else "module"}
        return data

    @field_validator("entry_point", mode="before")
    @classmethod
    def _entry_point(cls, value: Any, info: ValidationInfo) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be a string, got {value!r}")
        kind = info.data.get("entry_kind")
        if kind == "module":
            if not _MODULE_PATH.fullmatch(value):
                raise ValueError(
                    f"{value!r} is not a Python module path such as 'hello_stats.plugin' or "
                    "'hello_stats.plugin:HelloStatsPlugin' (a file in the plugin directory is "
                    "written with a '/', e.g. './run')"
                )
        elif kind == "executable":
            plugin_dir = (info.context or {}).get("plugin_dir")
            _check_executable(value, plugin_dir)
        return value

    @field_validator("capabilities", mode="before")
    @classmethod
    def _capabilities(cls, value: Any) -> tuple[Capability, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of capability names, got {value!r}")
        known = ", ".join(capability.value for capability in Capability)
        problems: list[tuple[str, str]] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            if not isinstance(item, str) or item not in _CAPABILITY_NAMES:
                problems.append((f"[{index}]", f"unknown capability {item!r} (known: {known})"))
            elif item in seen:
                problems.append((f"[{index}]", f"duplicate capability {item!r}"))
            seen.add(item)
        if problems:
            raise _Problems(problems)
        return tuple(Capability(item) for item in value)

    @field_validator("dependencies", "optional_dependencies", mode="before")
    @classmethod
    def _dependencies(cls, value: Any, info: ValidationInfo) -> dict[str, VersionConstraint]:
        if not isinstance(value, Mapping):
            raise ValueError(
                f'must be a table of plugin name = "version constraint", got {value!r}'
            )
        own_name = info.data.get("name")
        hard = info.data.get("dependencies", {}) if info.field_name != "dependencies" else {}
        problems: list[tuple[str, str]] = []
        result: dict[str, VersionConstraint] = {}
        for name, constraint in value.items():
            where = f".{name}"
            try:
                _check_name(name)
                if name == own_name:
                    raise ValueError("a plugin cannot depend on itself")
                if name in hard:
                    raise ValueError("already listed in [dependencies]")
                result[name] = VersionConstraint.parse(constraint)
            except ValueError as error:  # VersionError is one.
                problems.append((where, str(error)))
        if problems:
            raise _Problems(problems)
        return result

    @field_validator("config_schema", mode="before")
    @classmethod
    def _config_schema(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValueError(f"must be a table (a JSON schema object), got {value!r}")
        schema = dict(value)
        meta = Draft202012Validator(
            Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        problems = [
            (_sub(_json_path(error.absolute_path)), f"not a valid JSON schema: {error.message}")
            for error in meta.iter_errors(schema)
        ]
        if "type" in schema and schema["type"] != "object":
            problems.append(
                (".type", f"a plugin config is a table: must be 'object', got {schema['type']!r}")
            )
        if problems:
            raise _Problems(sorted(set(problems)))
        return schema


def load_manifest(path: Path | str) -> PluginManifest:
    """Read ``<plugin dir>/plugin.toml`` (``path`` is the directory or the file itself)."""
    path = Path(path)
    file = path if path.suffix == ".toml" and not path.is_dir() else path / MANIFEST_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ManifestError(
            str(file), [reason], f"cannot read the plugin manifest: {reason}"
        ) from None
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (byte {error.start})"
        raise ManifestError(str(file), [reason], reason) from None
    return PluginManifest.from_toml(text, source=str(file), plugin_dir=file.parent)


def _check_executable(value: str, plugin_dir: Path | None) -> None:
    relative = Path(value)
    if relative.is_absolute():
        raise ValueError(f"{value!r} must be a path relative to the plugin directory")
    if ".." in relative.parts:
        raise ValueError(f"{value!r} must stay inside the plugin directory (no '..')")
    if plugin_dir is None:
        return
    file = plugin_dir / relative
    if not file.resolve().is_relative_to(plugin_dir.resolve()):
        raise ValueError(f"{value!r} resolves outside the plugin directory")
    if not file.is_file():
        raise ValueError(f"{value!r} is not a file in the plugin directory {plugin_dir}")
    if not os.access(file, os.X_OK):
        raise ValueError(f"{value!r} is not executable (chmod +x it)")


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: pydantic.ValidationError) -> list[str]:
    lines: list[str] = []
    for problem in error.errors():
        where = _location(problem["loc"]) or "(manifest)"
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, _Problems):
            lines.extend(f"{where}{sub}: {why}" for sub, why in cause.problems)
            continue
        if isinstance(cause, ValueError):
            message = str(cause)
        elif problem["type"] == "missing":
            message = "required field is missing"
        elif problem["type"] == "extra_forbidden":
            message = "unknown field"
        else:
            message = f"{problem['msg']}, got {problem['input']!r}"
        lines.append(f"{where}: {message}")
    return lines


def _json_path(path: Any) -> str:
    """``a.b[0].c`` for a jsonschema error path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.removeprefix(".")


def _sub(path: str) -> str:
    return f".{path}" if path and not path.startswith("[") else path


def _apply_defaults(schema: Any, instance: Any) -> None:
    """Fill in ``default`` values of ``properties`` (nested objects and array items too)."""
    if not isinstance(schema, Mapping):
        return
    if isinstance(instance, dict):
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for key, subschema in properties.items():
                if (
                    key not in instance
                    and isinstance(subschema, Mapping)
                    and "default" in subschema
                ):
                    instance[key] = copy.deepcopy(subschema["default"])
                if key in instance:
                    _apply_defaults(subschema, instance[key])
    elif isinstance(instance, list) and isinstance(schema.get("items"), Mapping):
        for item in instance:
            _apply_defaults(schema["items"], item)


def _config_problems(error: JsonSchemaError) -> list[str]:
    where = _json_path(error.absolute_path)
    prefix = f"{where}." if where else ""
    instance, schema = error.instance, error.schema
    if error.validator == "required" and isinstance(instance, Mapping):
        missing = [name for name in error.validator_value if name not in instance]
        return [f"{prefix}{name}: required setting is missing" for name in missing]
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = schema.get("properties", {})
        patterns = list(schema.get("patternProperties", {}))
        extra = [
            key
            for key in instance
            if key not in known and not any(re.search(pattern, key) for pattern in patterns)
        ]
        return [f"{prefix}{key}: unknown setting" for key in extra]
    return [f"{where or '(root)'}: {error.message}"]
