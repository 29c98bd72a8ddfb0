"""The error hierarchy: one base class, one specific class per kind of failure."""

from __future__ import annotations


class KlayrError(Exception):
    """Base class of every error klayr_py raises on purpose."""


class CodecError(KlayrError, ValueError):
    """A value cannot be encoded, a byte string cannot be decoded, or a schema cannot be compiled."""


class ValidationError(KlayrError, ValueError):
    """A value does not satisfy a schema; ``errors`` lists every failing path and why."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors) if self.errors else "validation failed")


class NotFoundError(KlayrError, KeyError):
    """A key or item that was asked for does not exist."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the message as written.
        return str(self.args[0]) if self.args else "not found"
