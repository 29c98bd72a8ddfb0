"""Tests of klayr_py.crypto.address: binary addresses and Klayr32."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.crypto import address, ed
from klayr_py.errors import CryptoError
from tests.oracle.node import require_oracle, run_node

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "address"
CASES = json.loads((VECTORS / "address_from_pub_key.json").read_text())["testCases"]

addresses = st.binary(min_size=20, max_size=20)
VALID = "klyoaknq582o6fw7sp82bm2hnj7pzp47mpmbmux2g"  # from the first conformance vector


@pytest.mark.parametrize("case", CASES, ids=[c["input"]["publicKey"][:12] for c in CASES])
def test_conformance_vectors(case: dict[str, Any]) -> None:
    public_key = bytes.fromhex(case["input"]["publicKey"])
    binary = bytes.fromhex(case["output"]["binaryAddress"])
    klayr32 = case["output"]["base32Address"]
    assert address.get_address_from_public_key(public_key) == binary
    assert address.get_klayr32_address_from_public_key(public_key) == klayr32
    assert address.get_klayr32_address_from_address(binary) == klayr32
    assert address.validate_klayr32_address(klayr32) is True
    assert address.get_address_from_klayr32_address(klayr32) == binary


@given(addresses)
def test_klayr32_round_trip(binary: bytes) -> None:
    klayr32 = address.get_klayr32_address_from_address(binary)
    assert len(klayr32) == address.KLAYR32_ADDRESS_LENGTH
    assert klayr32.startswith("kly")
    assert set(klayr32[3:]) <= set(address.KLAYR32_CHARSET)
    assert address.validate_klayr32_address(klayr32)
    assert address.get_address_from_klayr32_address(klayr32) == binary


@given(addresses, st.integers(3, 40), st.integers(1, 31))
def test_any_single_character_change_breaks_the_checksum(
    binary: bytes, position: int, shift: int
) -> None:
    klayr32 = address.get_klayr32_address_from_address(binary)
    charset = address.KLAYR32_CHARSET
    changed = charset[(charset.index(klayr32[position]) + shift) % 32]
    tampered = klayr32[:position] + changed + klayr32[position + 1 :]
    with pytest.raises(CryptoError, match="checksum"):
        address.validate_klayr32_address(tampered)


@given(
    st.one_of(
        st.text(max_size=50),
        st.text(alphabet="kly" + address.KLAYR32_CHARSET + "1A", min_size=41, max_size=41),
    )
)
def test_decoding_any_text_gives_20_bytes_or_crypto_error(text: str) -> None:
    with contextlib.suppress(CryptoError):
        assert len(address.get_address_from_klayr32_address(text)) == 20


def test_address_from_private_key() -> None:
    pair = ed.get_key_pair_from_seed(bytes(range(32)))
    expected = address.get_address_from_public_key(pair.public_key)
    assert address.get_address_from_private_key(pair.private_key) == expected
    assert address.get_address_from_private_key(pair.private_key[:32]) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "41 characters"),
        (VALID[:-1], "41 characters"),
        (VALID + "z", "41 characters"),
        ("lsk" + VALID[3:-1], "41 characters"),  # length is checked before the prefix, as in Klayr
        ("lsk" + VALID[3:], "start with 'kly'"),
        ("KLY" + VALID[3:], "start with 'kly'"),
        (VALID[:10] + "1" + VALID[11:], "invalid character '1' at position 10"),
        (VALID[:20] + "i" + VALID[21:], "invalid character 'i'"),
        (VALID[:20] + "l" + VALID[21:], "invalid character 'l'"),
        (VALID[:20] + "0" + VALID[21:], "invalid character '0'"),
        (VALID[:3] + VALID[3:].upper(), "invalid character"),
        (VALID[:-1] + "x", "checksum"),
        (VALID[:3] + VALID[4] + VALID[3] + VALID[5:], "checksum"),
    ],
)
def test_invalid_klayr32_addresses(text: str, reason: str) -> None:
    with pytest.raises(CryptoError, match=reason):
        address.validate_klayr32_address(text)
    with pytest.raises(CryptoError, match=reason):
        address.get_address_from_klayr32_address(text)


@pytest.mark.parametrize("length", [0, 19, 21, 32])
def test_klayr32_needs_a_20_byte_address(length: int) -> None:
    with pytest.raises(CryptoError, match="20 bytes"):
        address.get_klayr32_address_from_address(bytes(length))


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_klayr32_from_public_key_needs_32_bytes(length: int) -> None:
    with pytest.raises(CryptoError, match="32 bytes"):
        address.get_klayr32_address_from_public_key(bytes(length))


def test_binary_address_of_any_length_key_like_klayr() -> None:
    assert address.get_address_from_public_key(b"") == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
    )


def test_oracle_addresses() -> None:
    """Addresses, Klayr32 text and validation verdicts equal @klayr/cryptography's."""
    require_oracle("@klayr/cryptography")
    rng = random.Random(20240601)
    public_keys = [rng.randbytes(32) for _ in range(40)] + [bytes(32), b"\xff" * 32]
    binaries = [rng.randbytes(20) for _ in range(40)] + [bytes(20), b"\xff" * 20]
    candidates = [address.get_klayr32_address_from_address(b) for b in binaries[:10]]
    for text in candidates[:5]:
        position = rng.randrange(3, 41)
        candidates.append(text[:position] + rng.choice("zxv1iL") + text[position + 1 :])
    candidates += ["", "lsk" + candidates[0][3:], candidates[0][:-1], candidates[0].upper()]
    script = """
    const { address } = require('@klayr/cryptography');
    const hex = (s) => Buffer.from(s, 'hex');
    const attempt = (f) => { try { return f(); } catch (e) { return null; } };
    output({
        fromPublicKey: input.publicKeys.map((k) => [
            address.getAddressFromPublicKey(hex(k)),
            address.getKlayr32AddressFromPublicKey(hex(k)),
        ]),
        fromAddress: input.binaries.map((a) => address.getKlayr32AddressFromAddress(hex(a))),
        decoded: input.candidates.map(
            (t) => attempt(() => address.getAddressFromKlayr32Address(t)),
        ),
    });
    """
    payload = {
        "publicKeys": [k.hex() for k in public_keys],
        "binaries": [b.hex() for b in binaries],
        "candidates": candidates,
    }
    result = run_node(script, payload)

    def decoded(text: str) -> str | None:
        try:
            return address.get_address_from_klayr32_address(text).hex()
        except CryptoError:
            return None

    assert result["fromPublicKey"] == [
        [
            address.get_address_from_public_key(k).hex(),
            address.get_klayr32_address_from_public_key(k),
        ]
        for k in public_keys
    ]
    assert result["fromAddress"] == [address.get_klayr32_address_from_address(b) for b in binaries]
    assert result["decoded"] == [decoded(t) for t in candidates]
    assert None in result["decoded"]
