"""Hashing and message tagging, as in Klayr's ``@klayr/cryptography`` ``utils``.

Every signature in Klayr is over a *tagged* message: the tag (``KLY_<DOMAIN>_``) and the chain ID
come first, so a signature made for one purpose or one chain is useless for any other.
"""

from __future__ import annotations

import hashlib
import re

from klayr_py.errors import CryptoError

HASH_LENGTH = 32
"""Length in bytes of a SHA-256 digest, Klayr's only hash."""

TAG_TRANSACTION = "KLY_TX_"
"""Tag of transaction signatures (``@klayr/chain``, ``@klayr/transactions``)."""
TAG_BLOCK_HEADER = "KLY_BH_"
"""Tag of block header signatures (``@klayr/chain``)."""
MESSAGE_TAG_NON_PROTOCOL_MESSAGE = "KLY_NPM_"
"""Tag of signed messages that are not part of the protocol (``@klayr/cryptography``)."""
MESSAGE_TAG_CERTIFICATE = "KLY_CE_"
"""Tag of BFT certificate signatures (framework's certificate generation, interoperability)."""
MESSAGE_TAG_CHAIN_REG = "KLY_CRM_"
"""Tag of chain registration message signatures (framework's interoperability module)."""

_TAG_PART = re.compile(r"[A-Za-z0-9]+")
_HARDENED_OFFSET = 0x80000000
_MAX_UINT32 = 0xFFFFFFFF
_PATH_SEGMENT = re.compile(r"([0-9]+)(')?")


def hash(data: bytes) -> bytes:
    """SHA-256 of ``data``: Klayr's hash for IDs, addresses and signed messages."""
    return hashlib.sha256(data).digest()


def create_message_tag(domain: str, version: int | str | None = None) -> str:
    """Klayr's message tag ``KLY_<domain>_``, or ``KLY_<domain>:<version>_`` when versioned.

    Like Klayr, a falsy version (``None``, ``0``, ``""``) means no version, and the domain and the
    version must be ASCII letters and digits only.
    """
    if _TAG_PART.fullmatch(domain) is None:
        raise CryptoError(
            f"message tag domain must be alphanumeric without special characters, got {domain!r}"
        )
    if not version:
        return f"KLY_{domain}_"
    if _TAG_PART.fullmatch(str(version)) is None:
        raise CryptoError(
            f"message tag version must be alphanumeric without special characters, got {version!r}"
        )
    return f"KLY_{domain}:{version}_"


def tag_message(tag: str, chain_id: bytes, message: bytes | str) -> bytes:
    """The bytes Klayr hashes and signs: UTF-8 tag, chain ID, then the message (UTF-8 if text)."""
    body = message.encode("utf-8") if isinstance(message, str) else message
    return b"".join((tag.encode("utf-8"), chain_id, body))


def parse_key_derivation_path(path: str) -> list[int]:
    """Child indices of an SLIP-10 path such as ``m/44'/134'/0'``; a ``'`` marks a hardened index.

    Stricter than Klayr, which lets odd segments such as ``4'4`` through with surprising values:
    here each segment must be digits with at most one trailing ``'``. Valid paths give the same
    indices as Klayr.
    """
    segments = path.split("/")
    if len(segments) < 2 or segments[0] != "m":
        raise CryptoError(f"key derivation path must look like m/44'/134'/0', got {path!r}")
    indices: list[int] = []
    for segment in segments[1:]:
        match = _PATH_SEGMENT.fullmatch(segment)
        if match is None:
            raise CryptoError(f"invalid segment {segment!r} in key derivation path {path!r}")
        index = int(match.group(1))
        if match.group(2):
            if index >= _HARDENED_OFFSET:
                raise CryptoError(f"hardened index {segment!r} too large in path {path!r}")
            index += _HARDENED_OFFSET
        elif index > _MAX_UINT32:
            raise CryptoError(f"index {segment!r} too large in key derivation path {path!r}")
        indices.append(index)
    return indices
