"""Klayr's naming rule: a class name minus its role suffix, first letter lowered."""

from __future__ import annotations

from typing import Any, ClassVar


def derive_name(class_name: str, suffix: str) -> str:
    """``HelloModule`` -> ``hello``, ``CreateHelloCommand`` -> ``createHello`` (as Klayr does).

    Like Klayr's ``name.replace(suffix, '')``, only the first occurrence of the suffix is dropped.
    """
    name = class_name.replace(suffix, "", 1)
    return name[:1].lower() + name[1:]


class DerivedName:
    """A class whose ``name`` derives from its class name minus ``_suffix`` (modules, commands,
    stores, events). ``name = "..."`` on a class chooses another, and subclasses inherit it, as a
    Klayr getter override is inherited."""

    name: ClassVar[str]
    _suffix: ClassVar[str] = ""
    _name_given: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            cls._name_given = True
        elif not cls._name_given:
            cls.name = derive_name(cls.__name__, cls._suffix)
