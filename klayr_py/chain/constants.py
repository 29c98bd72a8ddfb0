"""Protocol constants of Klayr's chain objects (``@klayr/chain`` 0.6.2 ``constants.js``).

They fix bytes, IDs and roots, so they are Klayr's values, not tunables.
"""

from __future__ import annotations

import re
from typing import Final

from klayr_py.chain.schemas import (
    EVENT_MAX_TOPICS_PER_EVENT,
    MAX_EVENT_NAME_LENGTH,
    MAX_EVENTS_PER_BLOCK,
    MAX_MODULE_NAME_LENGTH,
    MIN_EVENT_NAME_LENGTH,
    MIN_MODULE_NAME_LENGTH,
)
from klayr_py.crypto.utils import TAG_BLOCK_HEADER, TAG_TRANSACTION
from klayr_py.tree import EMPTY_HASH

__all__ = [
    "BLOCK_VERSION",
    "EMPTY_HASH",
    "EVENT_COMMAND_EXECUTION_RESULT",
    "EVENT_ID_LENGTH_BYTES",
    "EVENT_INDEX_LENGTH_BITS",
    "EVENT_KEY_LENGTH",
    "EVENT_MAX_EVENT_SIZE_BYTES",
    "EVENT_MAX_TOPICS_PER_EVENT",
    "EVENT_TOPIC_HASH_LENGTH_BYTES",
    "EVENT_TOPIC_INDEX_LENGTH_BITS",
    "EVENT_TOTAL_INDEX_LENGTH_BYTES",
    "GENESIS_BLOCK_VERSION",
    "LENGTH_ADDRESS",
    "MAX_ASSET_DATA_SIZE_BYTES",
    "MAX_EVENTS_PER_BLOCK",
    "MAX_EVENT_NAME_LENGTH",
    "MAX_MODULE_NAME_LENGTH",
    "MAX_PARAMS_SIZE",
    "MIN_EVENT_NAME_LENGTH",
    "MIN_MODULE_NAME_LENGTH",
    "NAME_PATTERN",
    "SIGNATURE_LENGTH_BYTES",
    "TAG_BLOCK_HEADER",
    "TAG_TRANSACTION",
    "is_valid_name",
]

MAX_PARAMS_SIZE: Final = 14 * 1024
"""Largest ``params`` a transaction may carry, in bytes."""
SIGNATURE_LENGTH_BYTES: Final = 64
"""Length of an Ed25519 signature (block headers; non-empty transaction signatures)."""
MAX_ASSET_DATA_SIZE_BYTES: Final = 18
"""Largest ``data`` of one block asset outside the genesis block, in bytes."""
LENGTH_ADDRESS: Final = 20
"""Length of an address; the genesis generator address is this many zero bytes."""

GENESIS_BLOCK_VERSION: Final = 0
BLOCK_VERSION: Final = 2
"""Version of the blocks Klayr's generator creates (framework ``engine/generator``)."""

EVENT_TOPIC_HASH_LENGTH_BYTES: Final = 8
"""An event tree key starts with this many bytes of sha256(topic)."""
EVENT_INDEX_LENGTH_BITS: Final = 30
"""Bits of the event's index (its position in the block) in an event tree key."""
EVENT_TOPIC_INDEX_LENGTH_BITS: Final = 2
"""Bits of the topic's position in the event in an event tree key."""
EVENT_TOTAL_INDEX_LENGTH_BYTES: Final = (
    EVENT_INDEX_LENGTH_BITS + EVENT_TOPIC_INDEX_LENGTH_BITS
) // 8
EVENT_KEY_LENGTH: Final = EVENT_TOPIC_HASH_LENGTH_BYTES + EVENT_TOTAL_INDEX_LENGTH_BYTES
"""Key length of the event sparse Merkle tree (12 bytes)."""
EVENT_ID_LENGTH_BYTES: Final = 4 + EVENT_TOTAL_INDEX_LENGTH_BYTES
EVENT_MAX_EVENT_SIZE_BYTES: Final = 10 * 1024
"""Largest ``data`` of one event, in bytes (enforced where events are emitted)."""

EVENT_COMMAND_EXECUTION_RESULT: Final = "commandExecutionResult"
"""Name of the standard event closing every transaction (framework ``state_machine``)."""

NAME_PATTERN: Final = re.compile(r"[a-zA-Z0-9]*")
"""Klayr's ``NAME_REGEX`` (``/^[a-zA-Z0-9]*$/``) for module and command names; use fullmatch."""


def is_valid_name(name: str) -> bool:
    """Whether ``name`` matches Klayr's ``NAME_REGEX``: ASCII letters and digits only (or empty)."""
    return NAME_PATTERN.fullmatch(name) is not None
