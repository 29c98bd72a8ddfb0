"""The diff of one block: what it takes to put the state back as it was before the block."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from klayr_py.codec import compile_schema

STATE_DIFF_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/state/diff",
    "type": "object",
    "required": ["updated", "created"],
    "properties": {
        "updated": {
            "type": "array",
            "fieldNumber": 1,
            "items": {
                "type": "object",
                "required": ["key", "value"],
                "properties": {
                    "key": {"dataType": "bytes", "fieldNumber": 1},
                    "value": {"dataType": "bytes", "fieldNumber": 2},
                },
            },
        },
        "created": {"type": "array", "fieldNumber": 2, "items": {"dataType": "bytes"}},
        "deleted": {
            "type": "array",
            "fieldNumber": 3,
            "items": {
                "type": "object",
                "required": ["key", "value"],
                "properties": {
                    "key": {"dataType": "bytes", "fieldNumber": 1},
                    "value": {"dataType": "bytes", "fieldNumber": 2},
                },
            },
        },
    },
}
"""Klayr's ``stateDiffSchema`` (``@klayr/chain``), the layout of a stored diff."""

_COMPILED = compile_schema(STATE_DIFF_SCHEMA)


@dataclass(frozen=True)
class StateDiff:
    """Changes of one block, keyed by state key (store prefix + sub-store prefix + key).

    ``updated`` and ``deleted`` hold the values the keys had *before* the block; ``created`` the
    keys the block added. Lists are in key order, so equal blocks give equal bytes.
    """

    updated: list[tuple[bytes, bytes]] = field(default_factory=list)
    created: list[bytes] = field(default_factory=list)
    deleted: list[tuple[bytes, bytes]] = field(default_factory=list)

    def encode(self) -> bytes:
        """The diff in Klayr's ``stateDiffSchema`` encoding."""
        return _COMPILED.encode(
            {
                "updated": [{"key": k, "value": v} for k, v in self.updated],
                "created": self.created,
                "deleted": [{"key": k, "value": v} for k, v in self.deleted],
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> StateDiff:
        """A diff from :meth:`encode`'s bytes (:class:`CodecError` if malformed)."""
        value = _COMPILED.decode(data)
        return cls(
            updated=[(item["key"], item["value"]) for item in value["updated"]],
            created=list(value["created"]),
            deleted=[(item["key"], item["value"]) for item in value.get("deleted", [])],
        )

    def inverse(self) -> dict[bytes, bytes | None]:
        """The changes that undo the block: old values back, created keys deleted (None)."""
        changes: dict[bytes, bytes | None] = dict(self.updated)
        changes.update(self.deleted)
        for key in self.created:
            changes[key] = None
        return changes

    def __len__(self) -> int:
        return len(self.updated) + len(self.created) + len(self.deleted)
