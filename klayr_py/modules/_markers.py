"""Annotation markers that carry Klayr schema keywords on a pydantic field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DataType:
    """Annotation marker: the Klayr ``dataType`` of an ``int`` field."""

    name: str


@dataclass(frozen=True, slots=True)
class FieldNumber:
    """Annotation marker: an explicit Klayr ``fieldNumber`` for a field."""

    number: int


@dataclass(frozen=True, slots=True)
class Format:
    """Annotation marker: a Klayr ``format`` (e.g. ``klayr32`` for addresses in JSON)."""

    name: str
