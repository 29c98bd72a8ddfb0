"""Hook contexts built without the frozen dataclass constructor's cost.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a global lookup
and a generic call per field): about 3 us for a 9-field context, and a block builds two to four
contexts per transaction (docs/performance.md). :func:`frozen_constructor` makes, once per class,
a function that sets the slots through their own descriptors instead, giving an equal instance
of the same class (still frozen) in about a third of the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def frozen_constructor(cls: type[T]) -> Callable[..., T]:
    """A function taking every field of ``cls`` by keyword (all required) and returning what
    ``cls(**fields)`` would. ``cls`` must be a frozen, slotted dataclass without
    ``__post_init__`` (TypeError otherwise): there is nothing else its constructor would do."""
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{cls.__name__} is not a frozen dataclass")
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} must be slotted and have no __post_init__")
    names = [field.name for field in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for name in names:
        namespace[f"_set_{name}"] = getattr(cls, name).__set__  # the slot's member descriptor
    body = "".join(f"    _set_{name}(instance, {name})\n" for name in names)
    head = f"def make(*, {', '.join(names)}):\n    instance = _new(_cls)\n"
    source = f"{head}{body}    return instance\n"
    exec(source, namespace)  # names are the dataclass's own field names (identifiers)
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = f"frozen_constructor({cls.__name__})"
    return make
