"""The error hierarchy: one base class, one specific class per kind of failure."""

from __future__ import annotations


class KlayrError(Exception):
    """Base class of every error klayr_py raises on purpose."""


class CodecError(KlayrError, ValueError):
    """A value cannot be encoded, a byte string cannot be decoded, or a schema cannot be compiled.

    ``path`` names the field at fault in Klayr's style (``.asset.fooBar``, ``.items[2].name``;
    empty for the whole message) and ``reason`` says what is wrong with it.
    """

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)

    def __reduce__(self) -> tuple[type[CodecError], tuple[str, str]]:
        return (type(self), (self.reason, self.path))


class ValidationError(KlayrError, ValueError):
    """A value does not satisfy a schema; ``errors`` lists every failing path and why."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors) if self.errors else "validation failed")


class NotFoundError(KlayrError, KeyError):
    """A key or item that was asked for does not exist."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the message as written.
        return str(self.args[0]) if self.args else "not found"


class CryptoError(KlayrError, ValueError):
    """A key, signature, message tag, key derivation path or Klayr32 address is malformed.

    The message says what is wrong: a length, a prefix, a character, a checksum ...
    """


class TreeError(KlayrError, ValueError):
    """A Merkle tree input is invalid: a key of the wrong length, or a malformed proof."""
