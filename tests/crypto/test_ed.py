"""Tests of klayr_py.crypto.ed: keys, Klayr signatures, and libsodium's verification rules."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import random
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.crypto import ed, utils
from klayr_py.errors import CryptoError
from tests.oracle.node import require_oracle, run_node

# RFC 8032, section 7.1, test 1.
RFC_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC_KEY = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b"
)
CURVE_ORDER = 2**252 + 27742317777372353535851937790883648493
CHAIN_ID = bytes.fromhex("00000000")

seeds = st.binary(min_size=32, max_size=32)
chain_ids = st.binary(min_size=4, max_size=4)
tags = st.sampled_from([utils.TAG_TRANSACTION, utils.TAG_BLOCK_HEADER, "KLY_app:2_"])


def _openssl_accepts(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """Plain OpenSSL (RFC 8032) verification, without libsodium's extra rules."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


@pytest.fixture(scope="module")
def libsodium() -> Callable[[bytes, bytes, bytes], bool]:
    """libsodium's crypto_sign_verify_detached, which Klayr nodes use through sodium-native."""
    name = ctypes.util.find_library("sodium")
    if name is None:
        pytest.skip("libsodium is not installed")
    lib = ctypes.CDLL(name)
    if lib.sodium_init() < 0:
        pytest.skip("libsodium failed to initialise")

    def verify(message: bytes, signature: bytes, public_key: bytes) -> bool:
        size = ctypes.c_ulonglong(len(message))
        return int(lib.crypto_sign_verify_detached(signature, message, size, public_key)) == 0

    return verify


def test_key_pair_from_seed_matches_rfc8032() -> None:
    pair = ed.get_key_pair_from_seed(RFC_SEED)
    assert pair.public_key == RFC_PUBLIC_KEY
    assert pair.private_key == RFC_SEED + RFC_PUBLIC_KEY
    assert ed.sign_detached(b"", pair.private_key) == RFC_SIGNATURE
    assert ed.sign_detached(b"", RFC_SEED) == RFC_SIGNATURE
    assert ed.verify_detached(b"", RFC_SIGNATURE, RFC_PUBLIC_KEY)


def test_key_pair_is_frozen() -> None:
    pair = ed.get_key_pair_from_seed(RFC_SEED)
    with pytest.raises(AttributeError):
        pair.public_key = b""  # type: ignore[misc]


def test_public_key_from_private_key() -> None:
    assert ed.get_public_key_from_private_key(RFC_SEED + RFC_PUBLIC_KEY) == RFC_PUBLIC_KEY
    assert ed.get_public_key_from_private_key(RFC_SEED) == RFC_PUBLIC_KEY


@pytest.mark.parametrize("length", [0, 31, 33, 63, 65])
def test_private_key_of_wrong_length_raises(length: int) -> None:
    with pytest.raises(CryptoError, match="private key must be 64 bytes"):
        ed.sign_data_with_private_key(utils.TAG_TRANSACTION, CHAIN_ID, b"", bytes(length))
    with pytest.raises(CryptoError, match="private key"):
        ed.get_public_key_from_private_key(bytes(length))


def test_seed_of_wrong_length_raises() -> None:
    with pytest.raises(CryptoError, match="seed must be 32 bytes"):
        ed.get_key_pair_from_seed(bytes(64))


def test_inconsistent_private_key_is_refused() -> None:
    """libsodium would sign with the wrong public key half; we refuse instead."""
    with pytest.raises(CryptoError, match="not the public key"):
        ed.sign_data_with_private_key(utils.TAG_TRANSACTION, CHAIN_ID, b"", RFC_SEED + bytes(32))


def test_klayr_signs_the_sha256_of_the_tagged_message() -> None:
    data = b"transaction bytes"
    tagged = utils.tag_message(utils.TAG_TRANSACTION, CHAIN_ID, data)
    signature = ed.sign_data_with_private_key(utils.TAG_TRANSACTION, CHAIN_ID, data, RFC_SEED)
    assert signature == ed.sign_detached(hashlib.sha256(tagged).digest(), RFC_SEED)
    assert signature != ed.sign_detached(tagged, RFC_SEED)
    assert ed.sign_data is ed.sign_data_with_private_key


@given(seeds, tags, chain_ids, st.binary(max_size=200))
def test_sign_verify_round_trip(seed: bytes, tag: str, chain_id: bytes, data: bytes) -> None:
    pair = ed.get_key_pair_from_seed(seed)
    signature = ed.sign_data_with_private_key(tag, chain_id, data, pair.private_key)
    assert len(signature) == ed.ED25519_SIGNATURE_LENGTH
    assert ed.verify_data(tag, chain_id, data, signature, pair.public_key)


@given(seeds, chain_ids, st.binary(max_size=100), st.data())
def test_tampering_fails_verification(
    seed: bytes, chain_id: bytes, data: bytes, draw: st.DataObject
) -> None:
    pair = ed.get_key_pair_from_seed(seed)
    tag = utils.TAG_TRANSACTION
    signature = ed.sign_data_with_private_key(tag, chain_id, data, pair.private_key)

    def flip(value: bytes) -> bytes:
        index = draw.draw(st.integers(0, len(value) - 1))
        bit = draw.draw(st.integers(0, 7))
        return value[:index] + bytes((value[index] ^ (1 << bit),)) + value[index + 1 :]

    other_key = ed.get_key_pair_from_seed(hashlib.sha256(seed).digest()).public_key
    assert not ed.verify_data(tag, chain_id, data + b"\x00", signature, pair.public_key)
    if data:
        assert not ed.verify_data(tag, chain_id, flip(data), signature, pair.public_key)
    assert not ed.verify_data(tag, chain_id, data, flip(signature), pair.public_key)
    assert not ed.verify_data(tag, flip(chain_id), data, signature, pair.public_key)
    assert not ed.verify_data(utils.TAG_BLOCK_HEADER, chain_id, data, signature, pair.public_key)
    assert not ed.verify_data(tag, chain_id, data, signature, other_key)


@given(st.binary(min_size=64, max_size=64), st.binary(min_size=32, max_size=32))
def test_garbage_verifies_false_without_raising(signature: bytes, public_key: bytes) -> None:
    assert ed.verify_data(utils.TAG_TRANSACTION, CHAIN_ID, b"x", signature, public_key) is False


@pytest.mark.parametrize(("signature_length", "key_length"), [(63, 32), (65, 32), (64, 31), (0, 0)])
def test_verify_with_wrong_lengths_raises(signature_length: int, key_length: int) -> None:
    with pytest.raises(CryptoError, match="must be"):
        ed.verify_data(
            utils.TAG_TRANSACTION, CHAIN_ID, b"", bytes(signature_length), bytes(key_length)
        )


def _clamped_scalar(seed: bytes) -> int:
    digest = bytearray(hashlib.sha512(seed).digest()[:32])
    digest[0] &= 248
    digest[31] &= 127
    digest[31] |= 64
    return int.from_bytes(digest, "little")


# Small-order points and their orders: identity, order 2, order 4 (both signs), order 8.
SMALL_ORDER_KEYS = [
    ("01" + "00" * 31, 1),
    ("ec" + "ff" * 30 + "7f", 2),
    ("00" * 32, 4),
    ("00" * 31 + "80", 4),
    ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 8),
    ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 8),
    ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 8),
    ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 8),
]


def _forge_for_small_order_key(public_key: bytes, order: int) -> tuple[bytes, bytes]:
    """A (message, signature) that plain RFC 8032 accepts for a small-order key.

    With R = [S]B the equation [S]B = R + [k]A holds whenever the key's order divides k.
    """
    rng = random.Random(public_key)
    while True:
        seed = rng.randbytes(32)
        scalar = _clamped_scalar(seed) % CURVE_ORDER
        r = ed.get_key_pair_from_seed(seed).public_key  # = [scalar]B
        message = rng.randbytes(16)
        k = int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little")
        if (k % CURVE_ORDER) % order == 0:
            return message, r + scalar.to_bytes(32, "little")


@pytest.mark.parametrize(
    ("key_hex", "order"), SMALL_ORDER_KEYS, ids=[k for k, _ in SMALL_ORDER_KEYS]
)
def test_small_order_public_keys_are_rejected_like_libsodium(key_hex: str, order: int) -> None:
    """OpenSSL accepts these forgeries; libsodium (so Klayr) rejects them, and so must we."""
    public_key = bytes.fromhex(key_hex)
    message, signature = _forge_for_small_order_key(public_key, order)
    assert _openssl_accepts(message, signature, public_key)
    assert ed.verify_detached(message, signature, public_key) is False


def test_identity_r_is_rejected_like_libsodium() -> None:
    """R = identity and S = k*a satisfies RFC 8032's equation; libsodium rejects small-order R."""
    pair = ed.get_key_pair_from_seed(RFC_SEED)
    message = b"forged"
    r = bytes.fromhex("01" + "00" * 31)
    k = int.from_bytes(hashlib.sha512(r + pair.public_key + message).digest(), "little")
    s = (k * _clamped_scalar(RFC_SEED)) % CURVE_ORDER
    signature = r + s.to_bytes(32, "little")
    assert _openssl_accepts(message, signature, pair.public_key)
    assert ed.verify_detached(message, signature, pair.public_key) is False


def test_non_canonical_s_and_key_are_rejected() -> None:
    pair = ed.get_key_pair_from_seed(RFC_SEED)
    signature = ed.sign_detached(b"m", pair.private_key)
    s = int.from_bytes(signature[32:], "little")
    assert not ed.verify_detached(
        b"m", signature[:32] + (s + CURVE_ORDER).to_bytes(32, "little"), pair.public_key
    )
    for y in range(19):
        key = (2**255 - 19 + y).to_bytes(32, "little")
        assert not ed.verify_detached(b"m", signature, key)


def test_verification_agrees_with_libsodium(
    libsodium: Callable[[bytes, bytes, bytes], bool],
) -> None:
    """Differential check against libsodium (as in Klayr nodes): valid, tampered, hostile input."""
    rng = random.Random(7)
    cases: list[tuple[bytes, bytes, bytes]] = []
    for _ in range(60):
        pair = ed.get_key_pair_from_seed(rng.randbytes(32))
        message = rng.randbytes(rng.randrange(0, 64))
        signature = ed.sign_detached(message, pair.private_key)
        cases.append((message, signature, pair.public_key))
        index = rng.randrange(64)
        tampered = bytearray(signature)
        tampered[index] ^= 1 << rng.randrange(8)
        cases.append((message, bytes(tampered), pair.public_key))
        s = int.from_bytes(signature[32:], "little") + CURVE_ORDER
        cases.append((message, signature[:32] + s.to_bytes(32, "little"), pair.public_key))
    for key_hex, order in SMALL_ORDER_KEYS:
        public_key = bytes.fromhex(key_hex)
        message, signature = _forge_for_small_order_key(public_key, order)
        cases.append((message, signature, public_key))
    for y in range(19):
        cases.append((b"m", cases[0][1], (2**255 - 19 + y).to_bytes(32, "little")))
    for _ in range(100):
        cases.append((rng.randbytes(8), rng.randbytes(64), rng.randbytes(32)))
    for message, signature, public_key in cases:
        assert ed.verify_detached(message, signature, public_key) == libsodium(
            message, signature, public_key
        )
    assert any(libsodium(*case) for case in cases)


def test_passphrase_keys_use_sha256_of_the_passphrase() -> None:
    pair = ed.get_private_and_public_key_from_passphrase("secret phrase")
    assert pair == ed.get_key_pair_from_seed(hashlib.sha256(b"secret phrase").digest())


def test_oracle_keys_and_signatures() -> None:
    """Keys, signatures and verdicts equal @klayr/cryptography's for the same inputs."""
    require_oracle("@klayr/cryptography")
    rng = random.Random(424242)
    cases = []
    for index in range(30):
        seed = rng.randbytes(32)
        tag = rng.choice([utils.TAG_TRANSACTION, utils.TAG_BLOCK_HEADER, "KLY_x:1_"])
        chain_id = rng.randbytes(4)
        data = rng.randbytes(rng.randrange(0, 300))
        pair = ed.get_key_pair_from_seed(seed)
        signature = ed.sign_data_with_private_key(tag, chain_id, data, pair.private_key)
        tampered = (
            signature
            if index % 2
            else signature[:10] + bytes((signature[10] ^ 4,)) + signature[11:]
        )
        cases.append(
            {
                "privateKey": pair.private_key.hex(),
                "tag": tag,
                "chainID": chain_id.hex(),
                "data": data.hex(),
                "signature": tampered.hex(),
                "expected": {
                    "publicKey": pair.public_key.hex(),
                    "signature": signature.hex(),
                    "verified": ed.verify_data(tag, chain_id, data, tampered, pair.public_key),
                },
            }
        )
    passphrases = ["", "secret", "robust swap ring muscle shoulder kingdom cruel", "ünïcödé"]
    phrases = [
        ("robust swap ring muscle shoulder kingdom cruel", "m/44'/134'/0'"),
        ("test", "m/0/1'/2"),
    ]
    script = """
    const { ed, legacy } = require('@klayr/cryptography');
    const hex = (s) => Buffer.from(s, 'hex');
    const sign = (c) => ed.signDataWithPrivateKey(
        c.tag, hex(c.chainID), hex(c.data), hex(c.privateKey),
    );
    const verify = (c) => ed.verifyData(
        c.tag, hex(c.chainID), hex(c.data), hex(c.signature),
        ed.getPublicKeyFromPrivateKey(hex(c.privateKey)),
    );
    (async () => output({
        signed: input.cases.map((c) => ({
            publicKey: ed.getPublicKeyFromPrivateKey(hex(c.privateKey)),
            signature: sign(c),
            verified: verify(c),
        })),
        passphrases: input.passphrases.map(legacy.getPrivateAndPublicKeyFromPassphrase),
        derived: await Promise.all(
            input.phrases.map(([p, path]) => ed.getPrivateKeyFromPhraseAndPath(p, path)),
        ),
    }))();
    """
    payload = {"cases": cases, "passphrases": passphrases, "phrases": phrases}
    result = run_node(script, payload)
    assert result["signed"] == [case["expected"] for case in cases]
    assert result["passphrases"] == [
        {
            "publicKey": pair.public_key.hex(),
            "privateKey": pair.private_key.hex(),
        }
        for pair in map(ed.get_private_and_public_key_from_passphrase, passphrases)
    ]
    assert result["derived"] == [
        ed.get_private_key_from_phrase_and_path(phrase, path).hex() for phrase, path in phrases
    ]
