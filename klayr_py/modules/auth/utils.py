"""Nonce and signature rules of the auth module (Klayr's ``utils.ts``, LIP 0041).

The verification path is hot (every transaction, in the pool and in every block), so it works on
the account dict and the transaction's cached bytes: one SHA-256 of the tagged signing bytes, then
one Ed25519 verification per signature.
"""

from __future__ import annotations

from typing import Any

from klayr_py.chain import Transaction
from klayr_py.codec.varint import encode_uvarint
from klayr_py.crypto.ed import verify_detached
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import CryptoError
from klayr_py.modules import VerificationResult, VerifyStatus
from klayr_py.modules.auth.constants import MESSAGE_TAG_TRANSACTION
from klayr_py.modules.auth.errors import InvalidSignatureError
from klayr_py.validator.formats import is_hex

_SIGNATURES_KEY = b"\x3a"  # field 7 (signatures), wire type 2: the last field of a transaction
_PENDING = VerificationResult(VerifyStatus.PENDING)
_FAIL = VerificationResult(VerifyStatus.FAIL)


def signing_bytes(transaction: Transaction) -> bytes:
    """``transaction.get_signing_bytes()``, cut from the cached encoding instead of re-encoding.

    Signatures are the last field, each encoded as key, length, bytes; without them the encoding
    is exactly the signing bytes.
    """
    encoded = transaction.get_bytes()
    tail = 0
    for signature in transaction.signatures:
        size = len(signature)
        tail += 2 + size if size < 0x80 else 1 + len(encode_uvarint(size)) + size
    return encoded[: len(encoded) - tail] if tail else encoded


def transaction_digest(transaction: Transaction, chain_id: bytes) -> bytes:
    """What every signature of ``transaction`` signs: sha256(``KLY_TX_`` + chain ID + bytes)."""
    return sha256(MESSAGE_TAG_TRANSACTION + chain_id + signing_bytes(transaction))


def _check_signature(
    digest: bytes, public_key: bytes, signature: bytes, transaction: Transaction
) -> None:
    try:
        valid = verify_detached(digest, signature, public_key)
    except CryptoError:  # a wrong length: Klayr's libsodium call throws
        valid = False
    if not valid:
        raise InvalidSignatureError(
            f"Failed to validate signature '{signature.hex()}' for transaction with id "
            f"'{transaction.id.hex()}'"
        )


def verify_multisignature(digest: bytes, transaction: Transaction, account: dict[str, Any]) -> None:
    """Klayr's multisignature rule: one entry per key, mandatory ones all signed, the count exact.

    ``signatures[i]`` belongs to the i-th of mandatory + optional keys; an empty entry is an
    optional key that did not sign. Raises InvalidSignatureError saying which rule broke.
    """
    mandatory: list[bytes] = account["mandatoryKeys"]
    keys = mandatory + account["optionalKeys"]
    signatures = transaction.signatures
    required = account["numberOfSignatures"]
    signed = sum(1 for signature in signatures if signature)
    if signed != required or len(signatures) != len(keys):
        raise InvalidSignatureError(
            f"Transaction signatures does not match required number of signatures: "
            f"'{required}' for transaction with id '{transaction.id.hex()}'"
        )
    for position, (key, signature) in enumerate(zip(keys, signatures, strict=True)):
        if signature:
            _check_signature(digest, key, signature, transaction)
        elif position < len(mandatory):
            raise InvalidSignatureError("Missing signature for a mandatory key.")


def verify_signatures(transaction: Transaction, chain_id: bytes, account: dict[str, Any]) -> None:
    """Raise InvalidSignatureError unless ``transaction`` is signed as ``account`` requires.

    A single-signature account (``numberOfSignatures`` 0) needs exactly one signature, by the
    sender's key; a multisignature account follows :func:`verify_multisignature`.
    """
    digest = transaction_digest(transaction, chain_id)
    if account["numberOfSignatures"]:
        verify_multisignature(digest, transaction, account)
        return
    signatures = transaction.signatures
    if len(signatures) != 1:
        raise InvalidSignatureError(
            "Transactions from a single signature account should have exactly one signature. "
            f"Found {len(signatures)} signatures."
        )
    _check_signature(digest, transaction.sender_public_key, signatures[0], transaction)


def verify_nonce(transaction: Transaction, account: dict[str, Any]) -> VerificationResult:
    """FAIL below the account's nonce, PENDING above it (a later transaction), OK when equal."""
    expected = account["nonce"]
    if transaction.nonce < expected:
        return _FAIL
    return _PENDING if transaction.nonce > expected else VerificationResult.ok()


def transaction_from_parameter(parameter: Any) -> Transaction:
    """The transaction of an endpoint's hex ``transaction`` parameter, decoded and validated."""
    if not isinstance(parameter, str) or not is_hex(parameter):
        raise ValueError("Transaction parameter must be a string.")
    transaction = Transaction.from_bytes(bytes.fromhex(parameter))
    transaction.validate()
    return transaction
