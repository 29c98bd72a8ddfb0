"""Klayr's password encryption: ``encryptMessageWithPassword`` / ``decryptMessageWithPassword``.

Byte-compatible with ``@klayr/cryptography`` v4 ``encrypt``: a 32-byte key from the password
(argon2id by default, PBKDF2-SHA256 as the alternative), AES-128-GCM under its first 16 bytes with
a random 16-byte IV, and ``mac = sha256(key[16:32] || ciphertext)``. The result is Klayr's JSON
object (``version``, ``ciphertext``, ``mac``, ``kdf``, ``kdfparams``, ``cipher``,
``cipherparams``), the ``encrypted`` part of Klayr Commander's keys files.

As Klayr, decryption trusts the GCM tag (which a wrong password fails) and does not check
``mac``; the parameters to derive the key come from the object itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any, Final

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from klayr_py.errors import CryptoError

__all__ = [
    "ARGON2_ITERATIONS",
    "ARGON2_MEMORY",
    "ARGON2_PARALLELISM",
    "CIPHER_AES128GCM",
    "KDF_ARGON2",
    "KDF_PBKDF2",
    "PBKDF2_ITERATIONS",
    "DecryptionError",
    "decrypt_message_with_password",
    "encrypt_message_with_password",
]

KDF_ARGON2: Final = "argon2id"
KDF_PBKDF2: Final = "PBKDF2"
CIPHER_AES128GCM: Final = "aes-128-gcm"
ENCRYPTION_VERSION: Final = "1"

# Klayr's defaults. ARGON2_MEMORY is in KiB: about 2 GiB, which is what makes a guess costly.
ARGON2_ITERATIONS: Final = 1
ARGON2_PARALLELISM: Final = 4
ARGON2_MEMORY: Final = 2097023
PBKDF2_ITERATIONS: Final = 1_000_000

_KEY_LENGTH: Final = 32
_SALT_LENGTH: Final = 8
_IV_LENGTH: Final = 16
_TAG_LENGTH: Final = 16


class DecryptionError(CryptoError):
    """The password is wrong, or the encrypted message was altered (its GCM tag fails)."""


def _derive_key(
    kdf: str, password: str, salt: bytes, iterations: int, parallelism: int, memory_size: int
) -> bytes:
    """The 32-byte key Klayr derives: its first half encrypts, its second half goes into mac."""
    secret = password.encode("utf-8")
    if kdf == KDF_ARGON2:
        if len(salt) < _SALT_LENGTH:  # argon2's own minimum, which Klayr's 8-byte salt meets
            raise CryptoError(f"kdfparams.salt must be at least 8 bytes, got {len(salt)}")
        if memory_size < 8 * parallelism:
            raise CryptoError(
                f"kdfparams.memorySize must be at least 8 KiB per lane (8 * parallelism = "
                f"{8 * parallelism}), got {memory_size}"
            )
        return hash_secret_raw(
            secret, salt, iterations, memory_size, parallelism, _KEY_LENGTH, Type.ID, 0x13
        )
    if kdf == KDF_PBKDF2:
        pbkdf2 = PBKDF2HMAC(hashes.SHA256(), _KEY_LENGTH, salt, iterations)
        return pbkdf2.derive(secret)
    raise CryptoError(f"kdf must be one of {KDF_ARGON2}, {KDF_PBKDF2}; got {kdf!r}")


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CryptoError(f"{name} must be a positive integer, got {value!r}")
    return value


def encrypt_message_with_password(
    plain_text: bytes | str,
    password: str,
    *,
    kdf: str = KDF_ARGON2,
    iterations: int | None = None,
    parallelism: int = ARGON2_PARALLELISM,
    memory_size: int = ARGON2_MEMORY,
) -> dict[str, Any]:
    """Klayr's encrypted message object of ``plain_text`` (a str is encoded as UTF-8).

    The defaults are Klayr's; lower ``memory_size`` (KiB) or ``iterations`` only where a fast
    but weaker derivation is acceptable (tests). The salt and IV are random.
    """
    if iterations is None:
        iterations = ARGON2_ITERATIONS if kdf == KDF_ARGON2 else PBKDF2_ITERATIONS
    _positive(iterations, "iterations")
    _positive(parallelism, "parallelism")
    _positive(memory_size, "memory_size")
    data = plain_text.encode("utf-8") if isinstance(plain_text, str) else plain_text
    salt = os.urandom(_SALT_LENGTH)
    iv = os.urandom(_IV_LENGTH)
    key = _derive_key(kdf, password, salt, iterations, parallelism, memory_size)
    sealed = AESGCM(key[:16]).encrypt(iv, data, None)
    ciphertext, tag = sealed[:-_TAG_LENGTH], sealed[-_TAG_LENGTH:]
    return {
        "ciphertext": ciphertext.hex(),
        "mac": hashlib.sha256(key[16:] + ciphertext).hexdigest(),
        "kdf": kdf,
        "kdfparams": {
            "parallelism": parallelism,
            "iterations": iterations,
            "memorySize": memory_size,
            "salt": salt.hex(),
        },
        "cipher": CIPHER_AES128GCM,
        "cipherparams": {"iv": iv.hex(), "tag": tag.hex()},
        "version": ENCRYPTION_VERSION,
    }


def _field(value: Mapping[str, Any], name: str, path: str) -> Any:
    if name not in value:
        raise CryptoError(f"encrypted message: {path}{name} is missing")
    return value[name]


def _hex(value: Mapping[str, Any], name: str, path: str) -> bytes:
    text = _field(value, name, path)
    try:
        if not isinstance(text, str) or len(text) % 2:
            raise ValueError
        return bytes.fromhex(text)
    except ValueError:
        raise CryptoError(f"encrypted message: {path}{name} must be a hex string") from None


def _object(value: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    inner = _field(value, name, "")
    if not isinstance(inner, Mapping):
        raise CryptoError(f"encrypted message: {name} must be an object")
    return inner


def decrypt_message_with_password(encrypted: Mapping[str, Any], password: str) -> bytes:
    """The plain bytes of Klayr's encrypted message object; :class:`DecryptionError` when the
    password is wrong, :class:`CryptoError` naming the field when the object is malformed."""
    if not isinstance(encrypted, Mapping):
        raise CryptoError("encrypted message must be an object")
    cipher = _field(encrypted, "cipher", "")
    if cipher != CIPHER_AES128GCM:
        raise CryptoError(f"encrypted message: cipher must be {CIPHER_AES128GCM}, got {cipher!r}")
    kdf = _field(encrypted, "kdf", "")
    kdfparams = _object(encrypted, "kdfparams")
    cipherparams = _object(encrypted, "cipherparams")
    ciphertext = _hex(encrypted, "ciphertext", "")
    iv = _hex(cipherparams, "iv", "cipherparams.")
    tag = _hex(cipherparams, "tag", "cipherparams.")
    if len(tag) != _TAG_LENGTH:
        raise CryptoError(f"encrypted message: cipherparams.tag must be 16 bytes, got {len(tag)}")
    if not 8 <= len(iv) <= 128:
        raise CryptoError(
            f"encrypted message: cipherparams.iv must be 8 to 128 bytes, got {len(iv)}"
        )
    salt = _hex(kdfparams, "salt", "kdfparams.")
    iterations = _positive(_field(kdfparams, "iterations", "kdfparams."), "kdfparams.iterations")
    parallelism = memory_size = 0
    if kdf == KDF_ARGON2:
        parallelism = _positive(
            _field(kdfparams, "parallelism", "kdfparams."), "kdfparams.parallelism"
        )
        memory_size = _positive(
            _field(kdfparams, "memorySize", "kdfparams."), "kdfparams.memorySize"
        )
    key = _derive_key(kdf, password, salt, iterations, parallelism, memory_size)
    try:
        return AESGCM(key[:16]).decrypt(iv, ciphertext + tag, None)
    except InvalidTag:
        raise DecryptionError(
            "cannot decrypt: wrong password (or the encrypted message was altered)"
        ) from None
