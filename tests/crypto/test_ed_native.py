"""The Rust Ed25519 verifier against its OpenSSL twin and libsodium 1.0.18 itself (hypothesis).

A node must accept and reject exactly the signatures a Klayr node (libsodium) does, so the
generated cases aim at the rules' edges: non-canonical ``S``, small-order and non-canonical ``R``
and public keys, mixed-order keys and ``R`` (a small-order component that the cofactorless
equation tolerates only for some ``k``), tampering, garbage and wrong lengths.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import random
import sys
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.crypto import ed
from tests._native import native_module

native = native_module()

CURVE_ORDER = 2**252 + 27742317777372353535851937790883648493
FIELD_PRIME = 2**255 - 19
IDENTITY = bytes([1]) + bytes(31)
ORDER_8_POINT = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")

Triple = tuple[bytes, bytes, bytes]


def _load_libsodium() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("sodium")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    return lib if lib.sodium_init() >= 0 else None


_sodium = _load_libsodium()


@pytest.fixture(scope="module")
def libsodium() -> ctypes.CDLL:
    """libsodium, which Klayr nodes verify with (through sodium-native); its point arithmetic
    also builds the mixed-order cases."""
    if _sodium is None:
        pytest.skip("libsodium is not installed (apt-get install libsodium23)")
    return _sodium


def _sodium_verify(lib: ctypes.CDLL, message: bytes, signature: bytes, public_key: bytes) -> bool:
    size = ctypes.c_ulonglong(len(message))
    return int(lib.crypto_sign_verify_detached(signature, message, size, public_key)) == 0


def _point_add(lib: ctypes.CDLL, p: bytes, q: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_core_ed25519_add(out, p, q) == 0
    return out.raw


def _base_times(lib: ctypes.CDLL, scalar: int) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_scalarmult_ed25519_base_noclamp(out, scalar.to_bytes(32, "little")) == 0
    return out.raw


def _torsion(lib: ctypes.CDLL) -> list[bytes]:
    """The eight points of order dividing 8: ``T[j] = j * ORDER_8_POINT``."""
    points = [IDENTITY]
    for _ in range(7):
        points.append(_point_add(lib, points[-1], ORDER_8_POINT))
    return points


def _reduced_k(r: bytes, public_key: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little") % CURVE_ORDER


def _small_order_encodings(torsion: list[bytes]) -> list[bytes]:
    """Every encoding of a small-order point: both sign bits, and the non-canonical y = p, p+1."""
    canonical = [
        *torsion,
        (FIELD_PRIME).to_bytes(32, "little"),
        (FIELD_PRIME + 1).to_bytes(32, "little"),
    ]
    return [bytes(e[:31]) + bytes((e[31] | sign,)) for e in canonical for sign in (0, 0x80)]


def _case(lib: ctypes.CDLL, rng: random.Random, kind: str) -> Triple:
    """One ``(message, signature, public key)`` of ``kind``, drawn from ``rng``."""
    torsion = _torsion(lib)
    message = rng.randbytes(rng.choice([0, 1, 32, 70]))
    a = rng.randrange(1, CURVE_ORDER)
    r = rng.randrange(1, CURVE_ORDER)
    public_key = _base_times(lib, a)
    big_r = _base_times(lib, r)
    if kind == "mixed":  # A and R with torsion parts; valid when they cancel under k
        public_key = _point_add(lib, public_key, torsion[rng.randrange(1, 8)])
        big_r = _point_add(lib, big_r, torsion[rng.randrange(8)])
    elif kind == "small_order_key":
        public_key = rng.choice(_small_order_encodings(torsion))
        a = 0
    elif kind == "small_order_r":
        big_r, r = rng.choice(_small_order_encodings(torsion)), 0
    elif kind == "non_canonical_key":
        y = rng.randrange(FIELD_PRIME, 2**255)
        public_key = (y | rng.choice([0, 1 << 255])).to_bytes(32, "little")
    elif kind == "non_canonical_r":
        y = int.from_bytes(big_r, "little")
        big_r = (y + FIELD_PRIME).to_bytes(32, "little") if y < 19 else rng.randbytes(32)
    elif kind == "garbage":
        return message, rng.randbytes(64), rng.randbytes(32)
    s = (r + _reduced_k(big_r, public_key, message) * a) % CURVE_ORDER
    if kind == "non_canonical_s":
        s += CURVE_ORDER * rng.randrange(1, 16)
        s %= 2**256
    signature = big_r + s.to_bytes(32, "little")
    if kind == "tampered":
        index = rng.randrange(len(signature) * 8)
        signature = bytearray(signature)
        signature[index // 8] ^= 1 << (index % 8)
        signature = bytes(signature)
    return message, signature, public_key


KINDS = [
    "valid",
    "tampered",
    "non_canonical_s",
    "small_order_key",
    "small_order_r",
    "non_canonical_key",
    "non_canonical_r",
    "mixed",
    "garbage",
]


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.sampled_from(KINDS), min_size=1, max_size=8))
def test_rust_verifier_judges_like_libsodium_and_openssl(
    libsodium: ctypes.CDLL, rng: random.Random, kinds: list[str]
) -> None:
    triples = [_case(libsodium, rng, kind) for kind in kinds]
    expected = [_sodium_verify(libsodium, *triple) for triple in triples]
    assert native.ed25519_verify_batch(triples) == expected
    assert [native.ed25519_verify(*triple) for triple in triples] == expected
    assert ed._py_verify_batch(triples) == expected


def test_every_kind_of_case_occurs_with_both_verdicts_where_possible(
    libsodium: ctypes.CDLL,
) -> None:
    """The generator reaches what it aims at: mixed-order signatures that libsodium accepts
    as well as ones it rejects, and rejections of every hostile kind."""
    rng = random.Random(13)
    verdicts: dict[str, set[bool]] = {kind: set() for kind in KINDS}
    for _ in range(40):
        for kind in KINDS:
            verdicts[kind].add(_sodium_verify(libsodium, *_case(libsodium, rng, kind)))
    assert verdicts["valid"] == {True}
    assert verdicts["mixed"] == {True, False}
    for kind in KINDS[1:-2]:
        assert verdicts[kind] == {False}, kind


@given(
    st.lists(
        st.tuples(st.binary(max_size=40), st.binary(max_size=70), st.binary(max_size=40)),
        max_size=6,
    )
)
def test_wrong_lengths_are_false_in_both_batches(triples: list[Triple]) -> None:
    assert native.ed25519_verify_batch(triples) == ed._py_verify_batch(triples)


def test_the_batch_runs_without_the_gil() -> None:
    """Another thread keeps running Python while one long batch call verifies.

    Holding the GIL, the call would let the other thread run for one switch interval at most
    (0.1 ms here): a few hundred loop turns, against the ~20 ms' worth required.
    """
    pair = ed.get_key_pair_from_seed(bytes(32))
    triple = (b"m", ed.sign_detached(b"m", pair.private_key), pair.public_key)
    ticks = 0
    done = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    thread = threading.Thread(target=tick)
    thread.start()
    try:
        start, before = time.perf_counter(), ticks
        time.sleep(0.05)  # the other thread alone: its rate
        rate = (ticks - before) / (time.perf_counter() - start)
        before = ticks
        assert all(native.ed25519_verify_batch([triple] * 3000))
        during = ticks - before
    finally:
        done.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert during > rate * 0.02


def test_the_node_uses_the_rust_verifier_unless_told_not_to() -> None:
    from klayr_py._native_loader import native as loaded

    expected: Callable[..., object] = ed._py_verify if loaded is None else native.ed25519_verify
    assert ed._verify is expected
