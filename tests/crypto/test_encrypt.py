"""Tests of klayr_py.crypto.encrypt: Klayr's password-encrypted message objects, with
``@klayr/cryptography`` as the oracle both ways."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest
from argon2.low_level import Type, hash_secret_raw

from klayr_py.crypto import encrypt
from klayr_py.crypto.encrypt import (
    DecryptionError,
    decrypt_message_with_password,
    encrypt_message_with_password,
)
from klayr_py.errors import CryptoError
from tests.oracle.node import require_oracle, run_node

# Cheap parameters so tests stay fast; the code paths are the same as with Klayr's defaults.
CHEAP = {"iterations": 1, "parallelism": 4, "memory_size": 64}
MESSAGE = "klayr_py dev account 0 \N{EM DASH} secret"
PASSWORD = "correct horse battery staple \N{SNOWMAN}"


def _encrypt(message: bytes | str = MESSAGE, **kwargs: Any) -> dict[str, Any]:
    return encrypt_message_with_password(message, PASSWORD, **{**CHEAP, **kwargs})


def test_round_trip_bytes_and_text() -> None:
    assert decrypt_message_with_password(_encrypt(b"\x00\x01raw"), PASSWORD) == b"\x00\x01raw"
    assert decrypt_message_with_password(_encrypt(), PASSWORD) == MESSAGE.encode("utf-8")


def test_object_shape_and_mac() -> None:
    encrypted = _encrypt()
    assert encrypted["version"] == "1"
    assert encrypted["cipher"] == "aes-128-gcm"
    assert encrypted["kdf"] == "argon2id"
    assert set(encrypted["kdfparams"]) == {"parallelism", "iterations", "memorySize", "salt"}
    assert encrypted["kdfparams"]["memorySize"] == 64
    assert len(bytes.fromhex(encrypted["kdfparams"]["salt"])) == 8
    assert len(bytes.fromhex(encrypted["cipherparams"]["iv"])) == 16
    assert len(bytes.fromhex(encrypted["cipherparams"]["tag"])) == 16
    assert len(bytes.fromhex(encrypted["ciphertext"])) == len(MESSAGE.encode("utf-8"))
    # mac = sha256(second half of the argon2id key || ciphertext), computed independently here
    key = hash_secret_raw(
        PASSWORD.encode(), bytes.fromhex(encrypted["kdfparams"]["salt"]), 1, 64, 4, 32, Type.ID
    )
    ciphertext = bytes.fromhex(encrypted["ciphertext"])
    assert encrypted["mac"] == hashlib.sha256(key[16:] + ciphertext).hexdigest()


def test_salt_and_iv_are_fresh_each_time() -> None:
    first, second = _encrypt(), _encrypt()
    assert first["kdfparams"]["salt"] != second["kdfparams"]["salt"]
    assert first["cipherparams"]["iv"] != second["cipherparams"]["iv"]


def test_klayr_defaults() -> None:
    assert (encrypt.ARGON2_ITERATIONS, encrypt.ARGON2_PARALLELISM) == (1, 4)
    assert encrypt.ARGON2_MEMORY == 2097023
    assert encrypt.PBKDF2_ITERATIONS == 1_000_000


def test_pbkdf2_round_trip() -> None:
    encrypted = _encrypt(kdf="PBKDF2", iterations=10)
    assert encrypted["kdf"] == "PBKDF2"
    assert decrypt_message_with_password(encrypted, PASSWORD) == MESSAGE.encode()


def test_wrong_password_is_refused_by_name() -> None:
    with pytest.raises(DecryptionError, match="wrong password"):
        decrypt_message_with_password(_encrypt(), PASSWORD + "x")


def test_altered_ciphertext_is_refused() -> None:
    encrypted = _encrypt()
    ciphertext = bytearray(bytes.fromhex(encrypted["ciphertext"]))
    ciphertext[0] ^= 1
    encrypted["ciphertext"] = ciphertext.hex()
    with pytest.raises(DecryptionError):
        decrypt_message_with_password(encrypted, PASSWORD)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("cipher",), "aes-256-cbc", "cipher must be aes-128-gcm"),
        (("kdf",), "scrypt", "kdf must be one of argon2id, PBKDF2"),
        (("ciphertext",), "zz", "ciphertext must be a hex string"),
        (("cipherparams", "tag"), "00" * 15, "cipherparams.tag must be 16 bytes, got 15"),
        (("cipherparams", "iv"), 7, "cipherparams.iv must be a hex string"),
        (("kdfparams", "iterations"), 0, "kdfparams.iterations must be a positive integer"),
        (("kdfparams", "memorySize"), "64", "kdfparams.memorySize must be a positive integer"),
        (("kdfparams", "memorySize"), 16, "memorySize must be at least 8 KiB per lane"),
        (("kdfparams", "salt"), "0011", "kdfparams.salt must be at least 8 bytes"),
    ],
)
def test_malformed_objects_name_the_field(
    path: tuple[str, ...], value: object, message: str
) -> None:
    encrypted = copy.deepcopy(_encrypt())
    target = encrypted
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    with pytest.raises(CryptoError, match=re.escape(message)):
        decrypt_message_with_password(encrypted, PASSWORD)


def test_missing_field_is_named() -> None:
    encrypted = _encrypt()
    del encrypted["kdfparams"]["salt"]
    with pytest.raises(CryptoError, match=re.escape("kdfparams.salt is missing")):
        decrypt_message_with_password(encrypted, PASSWORD)


# -- oracle: @klayr/cryptography --------------------------------------------------------------

_KLAYR_ENCRYPT = """
const { encrypt } = require('@klayr/cryptography');
(async () => {
  const result = await encrypt.encryptMessageWithPassword(
    Buffer.from(input.message, 'hex'), input.password,
    { kdf: input.kdf, kdfparams: input.kdfparams });
  output(result);
})().catch((e) => { console.error(e); process.exit(1); });
"""

_KLAYR_DECRYPT = """
const { encrypt } = require('@klayr/cryptography');
(async () => {
  try {
    const plain = await encrypt.decryptMessageWithPassword(input.encrypted, input.password);
    output({ plain: plain.toString('hex') });
  } catch (e) { output({ error: String(e.message) }); }
})();
"""


@pytest.mark.parametrize(
    ("kdf", "kdfparams"),
    [
        ("argon2id", {"iterations": 2, "parallelism": 4, "memorySize": 256}),
        ("PBKDF2", {"iterations": 1000}),
    ],
)
def test_klayr_encrypted_decrypts_in_python(kdf: str, kdfparams: dict[str, int]) -> None:
    require_oracle("@klayr/cryptography")
    message = MESSAGE.encode("utf-8") * 3
    encrypted = run_node(
        _KLAYR_ENCRYPT,
        {"message": message.hex(), "password": PASSWORD, "kdf": kdf, "kdfparams": kdfparams},
    )
    assert encrypted["kdf"] == kdf
    assert decrypt_message_with_password(encrypted, PASSWORD) == message
    with pytest.raises(DecryptionError):
        decrypt_message_with_password(encrypted, "not " + PASSWORD)


@pytest.mark.parametrize("kdf", ["argon2id", "PBKDF2"])
def test_python_encrypted_decrypts_in_klayr(kdf: str) -> None:
    require_oracle("@klayr/cryptography")
    message = bytes(range(256))
    encrypted = _encrypt(message, kdf=kdf, iterations=3 if kdf == "argon2id" else 1000)
    result = run_node(_KLAYR_DECRYPT, {"encrypted": encrypted, "password": PASSWORD})
    assert result == {"plain": message.hex()}
    wrong = run_node(_KLAYR_DECRYPT, {"encrypted": encrypted, "password": "nope"})
    assert "error" in wrong


def test_klayr_mac_is_the_formula_klayr_py_writes() -> None:
    """Klayr's mac is sha256(key[16:32] || ciphertext), as test_object_shape_and_mac checks
    of klayr_py's."""
    require_oracle("@klayr/cryptography")
    encrypted = run_node(
        _KLAYR_ENCRYPT,
        {
            "message": "00ff",
            "password": PASSWORD,
            "kdf": "argon2id",
            "kdfparams": {"iterations": 1, "parallelism": 4, "memorySize": 64},
        },
    )
    salt = bytes.fromhex(encrypted["kdfparams"]["salt"])
    key = hash_secret_raw(PASSWORD.encode(), salt, 1, 64, 4, 32, Type.ID)
    ciphertext = bytes.fromhex(encrypted["ciphertext"])
    assert encrypted["mac"] == hashlib.sha256(key[16:] + ciphertext).hexdigest()
