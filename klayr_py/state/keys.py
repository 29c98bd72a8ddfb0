"""Where the state lives inside the node's LevelDB, and how a state entry becomes a tree leaf.

One LevelDB holds the state, the state tree, the diffs that revert blocks and the (height, state
root) marker, each under its own 1-byte prefix; chain storage uses other prefixes of the same
database. The byte values follow Klayr's ``@klayr/chain`` ``db_keys.ts`` where Klayr has a key
(blocks 3-9, state store 10, finalized height 27, diffs 51, state tree 76), so the key spaces of
both never collide; klayr_py's own keys (the marker, the pruning records) use bytes 77-80.
"""

from __future__ import annotations

import hashlib
from typing import Final

PREFIX_STATE: Final = b"\x0a"
"""State entries: ``PREFIX_STATE + store_prefix (4) + sub_store_prefix (2) + key`` -> value
(Klayr's ``DB_KEY_STATE_STORE``). The off-chain store uses the same prefix in its own database."""
PREFIX_DIFF: Final = b"\x33"
"""Block diffs: ``PREFIX_DIFF + height (4, big-endian)`` -> encoded :class:`StateDiff`
(Klayr's ``DB_KEY_DIFF_STATE``)."""
PREFIX_SMT: Final = b"\x4c"
"""State tree pages: ``PREFIX_SMT + page root hash (32)`` -> page (Klayr's ``DB_KEY_STATE_SMT``)."""
PREFIX_STATE_MARKER: Final = b"\x4d"
"""The single key holding ``height (4, big-endian) + state root (32)`` of the last committed block;
absent before the first commit. Klayr keeps this in lisk-db's separate state database."""
PREFIX_STALE_PAGES: Final = b"\x4e"
"""Pages a commit or revert made stale: ``PREFIX_STALE_PAGES + height (4) + sequence (8)`` ->
their 32-byte hashes, concatenated (klayr_py only; see ``_pruning``)."""
PREFIX_PAGE_WRITTEN: Final = b"\x4f"
"""``PREFIX_PAGE_WRITTEN + page hash (32)`` -> sequence (8) of the last commit or revert that
wrote the page (klayr_py only; see ``_pruning``)."""
KEY_STATE_SEQUENCE: Final = b"\x50"
"""The single key holding the sequence (8, big-endian) of the last commit or revert: it only
grows, reverts included (klayr_py only; see ``_pruning``)."""

STORE_PREFIX_LENGTH: Final = 4
SUB_STORE_PREFIX_LENGTH: Final = 2
SMT_PREFIX_LENGTH: Final = STORE_PREFIX_LENGTH + SUB_STORE_PREFIX_LENGTH
SMT_KEY_LENGTH: Final = SMT_PREFIX_LENGTH + 32
"""Key length of Klayr's state tree: the 6-byte store prefixes and a SHA-256."""

_sha256 = hashlib.sha256


def smt_key(state_key: bytes) -> bytes:
    """The tree key of a state key: its 6 prefix bytes, then SHA-256 of the rest (as lisk-db)."""
    return state_key[:SMT_PREFIX_LENGTH] + _sha256(state_key[SMT_PREFIX_LENGTH:]).digest()


def smt_value(value: bytes | None) -> bytes:
    """The tree value of a state value: its SHA-256, or b"" (no leaf) for a deleted key.

    lisk-db also gives an empty value no leaf: a key stored with b"" is in the state but not in
    the tree, and we do the same so that roots agree.
    """
    return _sha256(value).digest() if value else b""


def smt_leaves(state: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """The tree leaves of a whole state: the definition the state root is checked against."""
    return {smt_key(key): smt_value(value) for key, value in state.items()}


def encode_height(height: int) -> bytes:
    """A block height as the 4 big-endian bytes used in diff keys and the marker."""
    return height.to_bytes(4, "big")


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with ``prefix`` (None if there is none)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))
