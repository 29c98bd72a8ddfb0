"""Hashing shared by both trees."""

from __future__ import annotations

import hashlib

EMPTY_HASH: bytes = hashlib.sha256(b"").digest()
"""SHA-256 of the empty byte string: the root of an empty tree, in both kinds of tree."""
