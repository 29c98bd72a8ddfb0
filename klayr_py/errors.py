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
    """A value does not satisfy a schema; ``errors`` lists every failing path and why.

    The message is ``@klayr/validator``'s: ``Klayr validator found N error[s]:`` and one line per
    error, so clients see the same text from a klayr_py node as from a Klayr node.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        lines = "".join(f"\n{error}" for error in self.errors)
        super().__init__(f"Klayr validator found {len(self.errors)} error[s]:{lines}")


class ModuleConfigError(ValidationError):
    """A module refused its configuration (``modules.<name>`` of the config file); each line
    names the setting, as ``modules.hello.maxMessageLen: unknown setting``."""


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


class ChainError(KlayrError, ValueError):
    """A transaction, block header, block asset list, block or event breaks one of Klayr's rules.

    The message names the object and the field at fault, in the words Klayr uses where it has some.
    """


class TransactionError(ChainError):
    """A transaction is malformed or invalid (``Transaction.validate``, ``from_json``)."""


class BlockError(ChainError):
    """A block, block header or block asset list is malformed or invalid."""


class EventError(ChainError):
    """An event is malformed, or a set of events cannot form an event root."""


class StateError(KlayrError):
    """The state store was used out of order: an unknown snapshot, a commit at the wrong height, a
    stale pending commit, a revert without its stored diff ... The message says which."""


class StateWriteError(StateError):
    """A write (``set``/``delete``) through a read-only view of the state, naming key and store."""
