"""Klayr's transaction (``@klayr/chain`` ``transaction.js``): bytes, ID, signing and validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from klayr_py import codec
from klayr_py.chain._common import cached, check_id, check_schema, require_fields
from klayr_py.chain.constants import (
    MAX_PARAMS_SIZE,
    SIGNATURE_LENGTH_BYTES,
    TAG_TRANSACTION,
    is_valid_name,
)
from klayr_py.chain.schemas import TRANSACTION_SCHEMA
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.crypto.ed import sign_data_with_private_key
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import TransactionError

__all__ = ["Transaction"]

_MAX_UINT64 = 2**64 - 1
_JSON_FIELDS = ("module", "command", "nonce", "fee", "senderPublicKey", "params", "signatures")


@dataclass(frozen=True, kw_only=True)
class Transaction:
    """A transaction: a call of ``command`` of ``module`` with encoded ``params``, signed.

    Immutable, so its ID can be cached: :meth:`sign` returns a new, signed transaction.
    ``signatures`` is stored as a tuple whatever sequence is given.
    """

    module: str
    command: str
    nonce: int
    fee: int
    sender_public_key: bytes
    params: bytes
    signatures: Sequence[bytes] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.signatures, tuple):
            object.__setattr__(self, "signatures", tuple(self.signatures))

    @classmethod
    def from_bytes(cls, data: bytes) -> Transaction:
        """Decode Klayr's encoding strictly; a flaw raises :class:`CodecError` naming the field."""
        transaction = cls.from_dict(codec.decode(TRANSACTION_SCHEMA, data))
        # Strict decoding accepts only the canonical encoding, so ``data`` is what get_bytes()
        # would encode again: kept, the ID costs one hash.
        transaction.__dict__["_bytes"] = bytes(data)
        return transaction

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Transaction:
        """The transaction of a decoded value with Klayr's (camelCase) property names."""
        return cls(
            module=value["module"],
            command=value["command"],
            nonce=value["nonce"],
            fee=value["fee"],
            sender_public_key=value["senderPublicKey"],
            params=value["params"],
            signatures=value.get("signatures", ()),
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Transaction:
        """Parse Klayr's JSON form; an ``id`` given in it must be the transaction's ID."""
        require_fields(value, _JSON_FIELDS, TransactionError, "transaction")
        try:
            transaction = cls.from_dict(codec.from_json(TRANSACTION_SCHEMA, value))
        except (TypeError, ValueError) as exc:
            raise TransactionError(f"invalid transaction JSON: {exc}") from exc
        check_id(value, transaction.id, TransactionError, "transaction")
        return transaction

    def to_dict(self) -> dict[str, Any]:
        """Klayr's ``toObject()``: camelCase properties with bytes and ints, plus ``id``."""
        return {**self._props(), "id": self.id}

    def to_json(self) -> dict[str, Any]:
        """Klayr's ``toJSON()``: hex bytes, decimal strings for nonce and fee, plus hex ``id``."""
        return {**codec.to_json(TRANSACTION_SCHEMA, self._props()), "id": self.id.hex()}

    def get_bytes(self) -> bytes:
        """The encoded transaction, signatures included: what blocks and the network carry."""
        return self._bytes

    def get_signing_bytes(self) -> bytes:
        """The encoded transaction without its signatures: what each signature signs."""
        return codec.encode(TRANSACTION_SCHEMA, {**self._props(), "signatures": []})

    @cached
    def id(self) -> bytes:
        """sha256 of :meth:`get_bytes`."""
        return sha256(self._bytes)

    @cached
    def sender_address(self) -> bytes:
        """The 20-byte address of ``sender_public_key``."""
        return get_address_from_public_key(self.sender_public_key)

    def sign(self, chain_id: bytes, private_key: bytes) -> Transaction:
        """A copy of this transaction with one more signature by ``private_key`` appended.

        As Klayr, the Ed25519 message is sha256(``TAG_TRANSACTION`` + chain ID + signing bytes).
        """
        signature = sign_data_with_private_key(
            TAG_TRANSACTION, chain_id, self.get_signing_bytes(), private_key
        )
        return replace(self, signatures=(*self.signatures, signature))

    def validate(self) -> None:
        """Klayr's static checks: schema, module and command names, params size, signatures.

        Raises :class:`TransactionError` naming the first rule broken, in Klayr's order. Whether
        the signatures are right for the sender's account is the auth module's business.
        """
        if not self._plainly_schema_valid():
            check_schema(TRANSACTION_SCHEMA, self._props(), TransactionError, "transaction")
        if not is_valid_name(self.module):
            raise TransactionError(f"Invalid module name {self.module!r}: letters and digits only")
        if not is_valid_name(self.command):
            raise TransactionError(
                f"Invalid command name {self.command!r}: letters and digits only"
            )
        if len(self.params) > MAX_PARAMS_SIZE:
            raise TransactionError(
                f"Params exceeds max size allowed {MAX_PARAMS_SIZE}: "
                f"it has {len(self.params)} bytes"
            )
        if not self.signatures:
            raise TransactionError("Signatures must not be empty")
        for position, signature in enumerate(self.signatures):
            if len(signature) not in (0, SIGNATURE_LENGTH_BYTES):
                raise TransactionError(
                    f"Signature must be empty or {SIGNATURE_LENGTH_BYTES} bytes: "
                    f"signatures[{position}] has {len(signature)} bytes"
                )

    def _plainly_schema_valid(self) -> bool:
        """A fast sufficient test of the schema (the full validator costs ~100 us a call).

        True only where Klayr's validator passes too; anything else (including odd types) goes
        to the full validator, which also words the error.
        """
        return (
            type(self.module) is str
            and 1 <= len(self.module) <= 32
            and type(self.command) is str
            and 1 <= len(self.command) <= 32
            and type(self.nonce) is int
            and 0 <= self.nonce <= _MAX_UINT64
            and type(self.fee) is int
            and 0 <= self.fee <= _MAX_UINT64
            and type(self.sender_public_key) is bytes
            and len(self.sender_public_key) == 32
            and type(self.params) is bytes
            and all(type(signature) is bytes for signature in self.signatures)
        )

    @cached
    def _bytes(self) -> bytes:
        return codec.encode(TRANSACTION_SCHEMA, self._props())

    def _props(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "command": self.command,
            "nonce": self.nonce,
            "fee": self.fee,
            "senderPublicKey": self.sender_public_key,
            "params": self.params,
            "signatures": list(self.signatures),
        }
