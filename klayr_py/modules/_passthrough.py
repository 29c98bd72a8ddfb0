"""A generated check that a dict passes a model's validation and dumping unchanged.

Hot paths (event data, token accounts) write dicts; when this check holds, the dict can be encoded
as it is, without building and dumping a model instance.
"""

from __future__ import annotations

import typing
import weakref
from typing import Any

import annotated_types
from pydantic import BaseModel

from klayr_py.modules._markers import DataType, FieldNumber, Format

# Config keys that leave a dict of exact scalars as it is through validation and dumping.
_PASSTHROUGH_CONFIG_KEYS = frozenset(
    {
        "alias_generator",
        "populate_by_name",
        "validate_by_name",
        "validate_by_alias",
        "serialize_by_alias",
        "strict",
        "validate_assignment",
        "extra",
        "frozen",
        "title",
        "revalidate_instances",
        "protected_namespaces",
        "arbitrary_types_allowed",
        "defer_build",
    }
)
_PASSTHROUGH_TYPES: dict[type, str] = {int: "int", bytes: "bytes", str: "str", bool: "bool"}
_BOUNDS: dict[type, tuple[str, str]] = {
    annotated_types.Ge: ("ge", "<"),
    annotated_types.Gt: ("gt", "<="),
    annotated_types.Le: ("le", ">"),
    annotated_types.Lt: ("lt", ">="),
}
_NO_CHECK = (DataType, FieldNumber, Format)

PassthroughCheck = typing.Callable[[Any], bool]
_passthrough_checks: weakref.WeakKeyDictionary[type[BaseModel], PassthroughCheck | None] = (
    weakref.WeakKeyDictionary()
)


def unbuilt(value: Any) -> bool:
    """Placeholder of a check not built yet (the model may still be incomplete)."""
    return False


def passthrough_check(model: type[BaseModel]) -> PassthroughCheck | None:
    """``check(value)``: whether ``model`` validates the dict ``value`` and dumps it unchanged.

    True means ``model.model_validate(value).model_dump(by_alias=True) == value`` (same keys,
    the very same values), so the dict can be encoded as it is. The check is generated for flat
    models of ``int``/``bytes``/``str``/``bool`` fields with only bounds and length constraints
    (typical event data); any other model (validators, serializers, nested or unknown
    constraints, other config) gets None and always goes through pydantic.
    """
    if model in _passthrough_checks:
        return _passthrough_checks[model]
    check = _build_passthrough_check(model)
    if model.__pydantic_complete__:  # an incomplete model may be rebuilt: ask again later
        _passthrough_checks[model] = check
    return check


def _build_passthrough_check(model: type[BaseModel]) -> PassthroughCheck | None:
    if not model.__pydantic_complete__ or not model.model_fields:
        return None
    decorators = model.__pydantic_decorators__
    if (
        model.__pydantic_post_init__ is not None
        or model.__pydantic_root_model__
        or decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.model_validators
        or decorators.computed_fields
        or any(key not in _PASSTHROUGH_CONFIG_KEYS for key in model.model_config)
        or model.model_config.get("extra") == "allow"
    ):
        return None
    for klass in model.__mro__:
        if klass is BaseModel:
            break
        if "__get_pydantic_core_schema__" in vars(klass):
            return None
    lines = [
        "def check(v):",
        f"    if type(v) is not dict or len(v) != {len(model.model_fields)}:",
        "        return False",
        "    try:",
    ]
    for name, info in model.model_fields.items():
        key = info.validation_alias if info.validation_alias is not None else info.alias or name
        if not isinstance(key, str) or (info.serialization_alias or info.alias or name) != key:
            return None
        type_name = _PASSTHROUGH_TYPES.get(info.annotation)  # type: ignore[arg-type]
        if type_name is None or info.exclude:
            return None
        failing = [f"type(x) is not {type_name}"]
        for item in info.metadata:
            bound = _BOUNDS.get(type(item))
            if bound is not None and type_name == "int" and type(getattr(item, bound[0])) is int:
                failing.append(f"x {bound[1]} {getattr(item, bound[0])!r}")
            elif isinstance(item, annotated_types.MinLen) and type_name in ("bytes", "str"):
                failing.append(f"len(x) < {int(item.min_length)}")
            elif isinstance(item, annotated_types.MaxLen) and type_name in ("bytes", "str"):
                failing.append(f"len(x) > {int(item.max_length)}")
            elif not isinstance(item, _NO_CHECK):
                return None
        lines += [
            f"        x = v[{key!r}]",
            f"        if {' or '.join(failing)}:",
            "            return False",
        ]
    lines += ["    except KeyError:", "        return False", "    return True"]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # generated from the model's own fields only
    check: PassthroughCheck = namespace["check"]
    return check
