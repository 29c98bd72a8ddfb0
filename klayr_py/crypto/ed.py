"""Ed25519 keys and signatures, as in Klayr's ``@klayr/cryptography`` ``ed`` (and ``legacy``).

Klayr signs ``sha256(tag + chain ID + data)``: the Ed25519 message is that 32-byte digest, not the
tagged bytes. A Klayr private key is 64 bytes, the 32-byte seed followed by the public key.

Verification matches libsodium 1.0.18, which a Klayr node uses (through ``sodium-native``), not
only RFC 8032: besides OpenSSL's checks it rejects non-canonical and small-order public keys and
small-order ``R``. A node that accepted what Klayr rejects would fork, so these extra checks
matter for consensus even though honest keys never hit them.

Two implementations give the same verdicts: the Rust extension's (``ed25519-dalek``'s
``verify_strict`` plus libsodium's canonical-key check; it verifies a batch without the GIL,
so threads verify on several cores) when it is built, and OpenSSL (through ``cryptography``)
plus the checks above, the reference and the fallback (``KLAYR_PY_NO_NATIVE=1``). Tests
compare both with libsodium.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from klayr_py._native_loader import pick
from klayr_py.crypto.utils import hash, parse_key_derivation_path, tag_message
from klayr_py.errors import CryptoError

ED25519_SEED_LENGTH = 32
"""Length in bytes of an Ed25519 seed, the secret half of a Klayr private key."""
ED25519_PRIVATE_KEY_LENGTH = 64
"""Length in bytes of a Klayr (libsodium) private key: seed then public key."""
ED25519_PUBLIC_KEY_LENGTH = 32
"""Length in bytes of an Ed25519 public key."""
ED25519_SIGNATURE_LENGTH = 64
"""Length in bytes of an Ed25519 signature: ``R`` then ``S``."""

_CURVE_ORDER = 2**252 + 27742317777372353535851937790883648493
_FIELD_PRIME = 2**255 - 19
_SLIP10_CURVE_KEY = b"ed25519 seed"

# Encodings (sign bit cleared) of points of order 1, 2, 4 and 8, and non-canonical encodings of
# some of them: the list libsodium 1.0.18 rejects as public keys and as R.
_SMALL_ORDER_ENCODINGS = frozenset(
    bytes.fromhex(encoding)
    for encoding in (
        "00" * 32,
        "01" + "00" * 31,
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ec" + "ff" * 30 + "7f",
        "ed" + "ff" * 30 + "7f",
        "ee" + "ff" * 30 + "7f",
    )
)


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An Ed25519 key pair in Klayr's form: 32-byte public key, 64-byte private key."""

    public_key: bytes
    private_key: bytes


@lru_cache(maxsize=64)
def _signing_key(seed: bytes) -> tuple[Ed25519PrivateKey, bytes]:
    """The loaded key and public key of ``seed``; cached: loading costs as much as signing."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key, key.public_key().public_bytes_raw()


def _load_private_key(private_key: bytes) -> tuple[Ed25519PrivateKey, bytes]:
    """Load a 32-byte seed or a 64-byte Klayr private key whose second half is its public key.

    libsodium would sign with whatever the second half holds and produce a signature no key
    verifies; we refuse such a key instead.
    """
    if len(private_key) == ED25519_PRIVATE_KEY_LENGTH:
        key, public_key = _signing_key(bytes(private_key[:ED25519_SEED_LENGTH]))
        if public_key != private_key[ED25519_SEED_LENGTH:]:
            raise CryptoError("private key's last 32 bytes are not the public key of its seed")
        return key, public_key
    if len(private_key) == ED25519_SEED_LENGTH:
        return _signing_key(bytes(private_key))
    raise CryptoError(
        f"private key must be {ED25519_PRIVATE_KEY_LENGTH} bytes (or a {ED25519_SEED_LENGTH}-byte "
        f"seed), got {len(private_key)}"
    )


def get_key_pair_from_seed(seed: bytes) -> KeyPair:
    """The key pair of a 32-byte seed (libsodium's ``crypto_sign_seed_keypair``)."""
    if len(seed) != ED25519_SEED_LENGTH:
        raise CryptoError(f"seed must be {ED25519_SEED_LENGTH} bytes, got {len(seed)}")
    _, public_key = _signing_key(bytes(seed))
    return KeyPair(public_key=public_key, private_key=bytes(seed) + public_key)


def get_public_key_from_private_key(private_key: bytes) -> bytes:
    """The public key of a 64-byte Klayr private key or a 32-byte seed."""
    return _load_private_key(private_key)[1]


def get_private_and_public_key_from_passphrase(passphrase: str) -> KeyPair:
    """Klayr's legacy keys: the seed is sha256 of the UTF-8 passphrase. Handy for dev accounts."""
    return get_key_pair_from_seed(hash(passphrase.encode("utf-8")))


def get_private_key_from_phrase_and_path(phrase: str, path: str) -> bytes:
    """The 64-byte private key Klayr derives from a mnemonic and a path like ``m/44'/134'/0'``.

    The mnemonic becomes a BIP-39 seed (not validated against the word list, as in Klayr), then
    each path index derives a child key; like Klayr, unhardened indices use the same formula.
    """
    mnemonic = unicodedata.normalize("NFKD", phrase).encode("utf-8")
    seed = hashlib.pbkdf2_hmac("sha512", mnemonic, b"mnemonic", 2048, 64)
    digest = hmac.digest(_SLIP10_CURVE_KEY, seed, "sha512")
    for index in parse_key_derivation_path(path):
        data = b"\x00" + digest[:32] + index.to_bytes(4, "big")
        digest = hmac.digest(digest[32:], data, "sha512")
    return get_key_pair_from_seed(digest[:32]).private_key


def sign_detached(message: bytes, private_key: bytes) -> bytes:
    """Plain Ed25519 signature of ``message`` (Klayr's ``nacl.signDetached``)."""
    return _load_private_key(private_key)[0].sign(message)


def _check_lengths(signature: bytes, public_key: bytes) -> None:
    """Raise like Klayr (libsodium rejects the call) when a length is wrong."""
    if len(public_key) != ED25519_PUBLIC_KEY_LENGTH:
        raise CryptoError(
            f"public key must be {ED25519_PUBLIC_KEY_LENGTH} bytes, got {len(public_key)}"
        )
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        raise CryptoError(
            f"signature must be {ED25519_SIGNATURE_LENGTH} bytes, got {len(signature)}"
        )


def _has_small_order(encoding: bytes) -> bool:
    """libsodium's ``ge25519_has_small_order``: compares with the sign bit ignored."""
    return encoding[:31] + bytes((encoding[31] & 0x7F,)) in _SMALL_ORDER_ENCODINGS


def _rejected_by_libsodium(signature: bytes, public_key: bytes) -> bool:
    """The checks libsodium 1.0.18 makes before the curve equation, beyond OpenSSL's."""
    if int.from_bytes(signature[32:], "little") >= _CURVE_ORDER:
        return True
    if _has_small_order(signature[:32]) or _has_small_order(public_key):
        return True
    y = int.from_bytes(public_key, "little") & ((1 << 255) - 1)
    return y >= _FIELD_PRIME


class VerifiedSignatures:
    """A bounded memory of (message, signature, public key) triples that verified.

    A node checks a transaction's signature when the pool admits it and again when its block
    executes; remembering successes makes the second check a dictionary lookup. Only successes
    are kept and Ed25519 verification is a pure function, so a hit answers exactly what a new
    verification would: results never depend on what was cached.
    """

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.capacity = capacity
        self._seen: dict[bytes, None] = {}

    def __contains__(self, key: bytes) -> bool:
        return key in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, key: bytes) -> None:
        """Remember ``key``; the oldest entry goes when full (insertion order)."""
        seen = self._seen
        if len(seen) >= self.capacity:
            del seen[next(iter(seen))]
        seen[key] = None

    def clear(self) -> None:
        """Forget everything."""
        self._seen.clear()


verified_signatures = VerifiedSignatures()
"""The process-wide memory :func:`verify_detached` consults and fills."""


def verified_key(message: bytes, signature: bytes, public_key: bytes) -> bytes:
    """The key :data:`verified_signatures` files a verified triple under."""
    return public_key + signature + message


def _py_verify(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """libsodium's verdict through OpenSSL plus the checks OpenSSL lacks; lengths are right."""
    if _rejected_by_libsodium(signature, public_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


_verify = pick("ed25519_verify", _py_verify)
"""The Rust twin (``ed25519-dalek``'s ``verify_strict`` plus libsodium's canonical-key check)
when the extension is in use; the OpenSSL path otherwise."""


def _verify_uncached(message: bytes, signature: bytes, public_key: bytes) -> bool:
    _check_lengths(signature, public_key)
    return _verify(message, signature, public_key)


def verify_detached(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """Whether ``signature`` signs ``message`` for ``public_key``, judged as libsodium does.

    A wrong key or signature length raises :class:`CryptoError` (Klayr throws too); any other bad
    input gives False. No exception from the cryptography library escapes. Successes are
    remembered in :data:`verified_signatures`.
    """
    key = public_key + signature + message
    if key in verified_signatures:
        return True
    if _verify_uncached(message, signature, public_key):
        verified_signatures.add(key)
        return True
    return False


def _py_verify_batch(triples: list[tuple[bytes, bytes, bytes]]) -> list[bool]:
    """Whether each ``(message, signature, public key)`` verifies; a wrong length is False."""
    return [
        len(signature) == ED25519_SIGNATURE_LENGTH
        and len(public_key) == ED25519_PUBLIC_KEY_LENGTH
        and _py_verify(message, signature, public_key)
        for message, signature, public_key in triples
    ]


verify_batch = pick("ed25519_verify_batch", _py_verify_batch)
"""Whether each ``(message, signature, public key)`` verifies as :func:`verify_detached` judges
(a wrong length is False), without consulting or filling :data:`verified_signatures`. The Rust
twin verifies the whole batch without the GIL, so threads calling it run on separate cores."""


def verify_batch_releases_gil() -> bool:
    """Whether :func:`verify_batch` lets other threads run meanwhile (the Rust twin is in use):
    only then do threads verify signatures in parallel."""
    return verify_batch is not _py_verify_batch


def sign_data_with_private_key(tag: str, chain_id: bytes, data: bytes, private_key: bytes) -> bytes:
    """Klayr's signature of ``data`` for ``tag`` on chain ``chain_id``.

    The Ed25519 message is the digest ``sha256(tag + chain_id + data)``, as in Klayr's ``ed.ts``.
    """
    return sign_detached(hash(tag_message(tag, chain_id, data)), private_key)


sign_data = sign_data_with_private_key
"""Klayr's alias of :func:`sign_data_with_private_key`."""


def verify_data(
    tag: str, chain_id: bytes, data: bytes, signature: bytes, public_key: bytes
) -> bool:
    """Whether ``signature`` is ``public_key``'s Klayr signature of ``data`` for ``tag`` and chain.

    Wrong key or signature lengths raise :class:`CryptoError`, as Klayr throws; a signature that
    does not verify gives False.
    """
    return verify_detached(hash(tag_message(tag, chain_id, data)), signature, public_key)
