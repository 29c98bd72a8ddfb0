"""verify_transaction: nonce rules and signatures of single- and multisignature accounts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules import VerifyStatus
from klayr_py.modules.auth import AuthAccountStore, InvalidNonceError, InvalidSignatureError
from klayr_py.modules.auth.utils import signing_bytes
from tests.modules.auth.helpers import (
    Chain,
    account,
    genesis_asset,
    keys,
    multisigned,
    signed,
    sorted_keys,
    transaction,
)

ALICE, BOB = keys(2)
_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def chain_with(value: dict[str, Any]) -> Chain:
    """A chain whose genesis gives ALICE the auth account ``value``."""
    chain = Chain()
    chain.genesis(genesis_asset([(get_address_from_public_key(ALICE.public_key), value)]))
    return chain


@pytest.fixture(scope="module")
def at_five() -> Chain:
    return chain_with(account(5))


def test_new_account_counts_as_nonce_zero() -> None:
    chain = Chain()
    chain.genesis()
    assert chain.verify(signed(ALICE, 0)).status is VerifyStatus.OK
    assert chain.verify(signed(ALICE, 1)).status is VerifyStatus.PENDING


@_SETTINGS
@given(st.integers(0, 2**64 - 1))
def test_nonce_rule(at_five: Chain, nonce: int) -> None:
    result = at_five.verify(signed(ALICE, nonce))
    if nonce < 5:
        assert result.status is VerifyStatus.FAIL
        assert isinstance(result.error, InvalidNonceError)
    elif nonce > 5:
        assert result.status is VerifyStatus.PENDING and result.error is None
    else:
        assert result.is_ok


def test_low_nonce_error_says_klayrs_words_and_names_the_nonces(at_five: Chain) -> None:
    tx = signed(ALICE, 3)
    error = at_five.verify(tx).error
    assert isinstance(error, InvalidNonceError)
    # Klayr's text exactly; the nonces travel in the error's fields, as in Klayr.
    assert str(error) == f"Transaction with id:{tx.id.hex()} nonce is lower than account nonce."
    assert (error.code, error.actual, error.expected) == ("ERR_INVALID_NONCE", "3", "5")


def test_low_nonce_fails_before_signatures_are_checked(at_five: Chain) -> None:
    unsigned = transaction(ALICE, 1)
    assert isinstance(at_five.verify(unsigned).error, InvalidNonceError)


def test_pending_transaction_with_a_bad_signature_fails(at_five: Chain) -> None:
    forged = transaction(ALICE, 9).sign(bytes.fromhex("04000002"), ALICE.private_key)
    result = at_five.verify(forged)
    assert result.status is VerifyStatus.FAIL
    assert isinstance(result.error, InvalidSignatureError)


@_SETTINGS
@given(st.binary(min_size=32, max_size=32))
def test_any_other_key_fails(at_five: Chain, seed: bytes) -> None:
    other = ed.get_key_pair_from_seed(seed)
    if other.public_key == ALICE.public_key:
        return
    forged = transaction(ALICE, 5).sign(b"\x04\x00\x00\x01", other.private_key)
    result = at_five.verify(forged)
    assert result.status is VerifyStatus.FAIL
    assert "Failed to validate signature" in str(result.error)


def test_signature_for_another_chain_fails(at_five: Chain) -> None:
    tx = signed(ALICE, 5)
    assert at_five.verify(tx).is_ok
    assert at_five.verify(tx, chain_id=bytes.fromhex("04000002")).status is VerifyStatus.FAIL


@pytest.mark.parametrize("count", [0, 2])
def test_single_signature_account_needs_exactly_one(at_five: Chain, count: int) -> None:
    tx = signed(ALICE, 5)
    tx = replace(tx, signatures=tuple(tx.signatures) * count)
    error = at_five.verify(tx).error
    assert str(error) == (
        "Transactions from a single signature account should have exactly one signature. "
        f"Found {count} signatures."
    )


@pytest.mark.parametrize("signature", [b"", b"\x01" * 63, b"\x00" * 64])
def test_malformed_signature_fails_without_raising(at_five: Chain, signature: bytes) -> None:
    tx = replace(transaction(ALICE, 5), signatures=(signature,))
    assert isinstance(at_five.verify(tx).error, InvalidSignatureError)


def test_tampered_transaction_fails(at_five: Chain) -> None:
    tx = signed(ALICE, 5)
    assert at_five.verify(replace(tx, fee=tx.fee + 1)).status is VerifyStatus.FAIL


@given(
    st.lists(st.binary(max_size=200), max_size=5),
    st.integers(0, 2**64 - 1),
    st.binary(max_size=300),
)
@settings(max_examples=100, deadline=None)
def test_signing_bytes_cut_from_the_encoding_equal_klayrs(
    signatures: list[bytes], nonce: int, params: bytes
) -> None:
    tx = Transaction(
        module="token",
        command="transfer",
        nonce=nonce,
        fee=1,
        sender_public_key=bytes(32),
        params=params,
        signatures=signatures,
    )
    assert signing_bytes(tx) == tx.get_signing_bytes()


# --- multisignature accounts ---------------------------------------------------------------------

M1, M2, O1, O2 = sorted_keys(4)
MANDATORY = sorted([M1, M2], key=lambda pair: pair.public_key)
OPTIONAL = sorted([O1, O2], key=lambda pair: pair.public_key)
GROUP = account(
    0, 3, [pair.public_key for pair in MANDATORY], [pair.public_key for pair in OPTIONAL]
)


@pytest.fixture(scope="module")
def multisig() -> Chain:
    return chain_with(GROUP)


def test_multisignature_with_mandatory_and_one_optional_signature(multisig: Chain) -> None:
    for signers in ([*MANDATORY, OPTIONAL[0], None], [*MANDATORY, None, OPTIONAL[1]]):
        assert multisig.verify(multisigned(transaction(ALICE, 0), signers)).is_ok


def test_multisignature_account_refuses_its_own_single_signature(multisig: Chain) -> None:
    error = multisig.verify(signed(ALICE, 0)).error
    assert "does not match required number of signatures: '3'" in str(error)


@pytest.mark.parametrize(
    ("signers", "message"),
    [
        ([*MANDATORY, *OPTIONAL], "does not match required number of signatures"),  # 4 != 3
        ([*MANDATORY, OPTIONAL[0]], "does not match required number of signatures"),  # 3 entries
        ([MANDATORY[0], None, *OPTIONAL], "Missing signature for a mandatory key."),
        ([MANDATORY[1], MANDATORY[0], OPTIONAL[0], None], "Failed to validate signature"),
        ([*MANDATORY, None, OPTIONAL[0]], "Failed to validate signature"),  # wrong slot
        ([*MANDATORY, BOB, None], "Failed to validate signature"),
    ],
)
def test_multisignature_rules(multisig: Chain, signers: list[object], message: str) -> None:
    result = multisig.verify(multisigned(transaction(ALICE, 0), signers))  # type: ignore[arg-type]
    assert result.status is VerifyStatus.FAIL
    assert message in str(result.error)


def test_multisignature_pending_nonce(multisig: Chain) -> None:
    tx = multisigned(transaction(ALICE, 4), [*MANDATORY, OPTIONAL[0], None])
    assert multisig.verify(tx).status is VerifyStatus.PENDING


def test_store_reads_what_genesis_wrote(multisig: Chain) -> None:
    stored = AuthAccountStore("auth", 0).get(
        multisig.state, get_address_from_public_key(ALICE.public_key)
    )
    assert stored == GROUP
