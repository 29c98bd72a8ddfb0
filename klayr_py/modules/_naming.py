"""Klayr's naming rule: a class name minus its role suffix, first letter lowered."""

from __future__ import annotations


def derive_name(class_name: str, suffix: str) -> str:
    """``HelloModule`` -> ``hello``, ``CreateHelloCommand`` -> ``createHello`` (as Klayr does).

    Like Klayr's ``name.replace(suffix, '')``, only the first occurrence of the suffix is dropped.
    """
    name = class_name.replace(suffix, "", 1)
    return name[:1].lower() + name[1:]
