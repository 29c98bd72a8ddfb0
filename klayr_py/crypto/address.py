"""Addresses, as in Klayr's ``@klayr/cryptography`` ``address``.

An address is the first 20 bytes of SHA-256 of an Ed25519 public key. People see it as Klayr32:
``kly`` followed by 38 characters, the 20 bytes in base32 with a checksum.
"""

from __future__ import annotations

from klayr_py.crypto import _klayr32
from klayr_py.crypto.ed import ED25519_PUBLIC_KEY_LENGTH, get_public_key_from_private_key
from klayr_py.crypto.utils import hash
from klayr_py.errors import CryptoError

BINARY_ADDRESS_LENGTH = 20
"""Length in bytes of an address."""
DEFAULT_KLAYR32_ADDRESS_PREFIX = "kly"
"""The prefix of every Klayr32 address."""
KLAYR32_CHARSET = _klayr32.CHARSET
"""The alphabet of the Klayr32 characters after the prefix."""
KLAYR32_ADDRESS_LENGTH = 41
"""Length of a Klayr32 address: prefix (3), data (32) and checksum (6) characters."""

_BODY_LENGTH = KLAYR32_ADDRESS_LENGTH - len(DEFAULT_KLAYR32_ADDRESS_PREFIX)


def get_address_from_public_key(public_key: bytes) -> bytes:
    """The 20-byte address of ``public_key``: the first 20 bytes of its SHA-256.

    Like Klayr, the key's length is not checked here.
    """
    return hash(public_key)[:BINARY_ADDRESS_LENGTH]


def get_address_from_private_key(private_key: bytes) -> bytes:
    """The 20-byte address of the public key of ``private_key`` (32-byte seed or 64-byte key)."""
    return get_address_from_public_key(get_public_key_from_private_key(private_key))


def get_klayr32_address_from_address(
    address: bytes, prefix: str = DEFAULT_KLAYR32_ADDRESS_PREFIX
) -> str:
    """The Klayr32 text of a 20-byte address.

    Klayr does not check the length and silently drops bits of other lengths; we raise instead.
    """
    if len(address) != BINARY_ADDRESS_LENGTH:
        raise CryptoError(
            f"address must be {BINARY_ADDRESS_LENGTH} bytes to be written as Klayr32, "
            f"got {len(address)}"
        )
    return prefix + _klayr32.encode(address)


def get_klayr32_address_from_public_key(
    public_key: bytes, prefix: str = DEFAULT_KLAYR32_ADDRESS_PREFIX
) -> str:
    """The Klayr32 address of a 32-byte Ed25519 public key."""
    if len(public_key) != ED25519_PUBLIC_KEY_LENGTH:
        raise CryptoError(
            f"public key must be {ED25519_PUBLIC_KEY_LENGTH} bytes, got {len(public_key)}"
        )
    return prefix + _klayr32.encode(get_address_from_public_key(public_key))


def validate_klayr32_address(address: str, prefix: str = DEFAULT_KLAYR32_ADDRESS_PREFIX) -> bool:
    """Return True for a valid Klayr32 address; otherwise raise :class:`CryptoError` saying why.

    Checks run in Klayr's order: length, prefix, characters, checksum. Letters are lowercase only.
    """
    expected_length = len(prefix) + _BODY_LENGTH
    if len(address) != expected_length:
        raise CryptoError(
            f"Klayr32 address must be {expected_length} characters, got {len(address)}"
        )
    actual_prefix = address[: len(prefix)]
    if actual_prefix != prefix:
        raise CryptoError(f"Klayr32 address must start with {prefix!r}, got {actual_prefix!r}")
    body = address[len(prefix) :]
    invalid_at = _klayr32.first_invalid_char(body)
    if invalid_at is not None:
        raise CryptoError(
            f"Klayr32 address has invalid character {body[invalid_at]!r} at position "
            f"{len(prefix) + invalid_at}; allowed: {KLAYR32_CHARSET!r}"
        )
    if not _klayr32.checksum_is_valid(body):
        raise CryptoError(f"Klayr32 address {address!r} has an invalid checksum")
    return True


def get_address_from_klayr32_address(
    address: str, prefix: str = DEFAULT_KLAYR32_ADDRESS_PREFIX
) -> bytes:
    """The 20-byte address written by a Klayr32 address; raises :class:`CryptoError` if invalid."""
    validate_klayr32_address(address, prefix)
    return _klayr32.decode(address[len(prefix) :])
