"""Klayr's block header (``@klayr/chain`` ``block_header.js``): bytes, ID, signing, validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from klayr_py import codec
from klayr_py.chain._common import cached, check_id, check_schema, require_fields
from klayr_py.chain.constants import (
    EMPTY_HASH,
    LENGTH_ADDRESS,
    SIGNATURE_LENGTH_BYTES,
    TAG_BLOCK_HEADER,
)
from klayr_py.chain.schemas import (
    BLOCK_HEADER_SCHEMA,
    BLOCK_HEADER_SCHEMA_WITH_ID,
    SIGNING_BLOCK_HEADER_SCHEMA,
)
from klayr_py.crypto.ed import sign_data_with_private_key, verify_data
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import BlockError, CryptoError

__all__ = ["AggregateCommit", "BlockHeader"]

_JSON_FIELDS = tuple(BLOCK_HEADER_SCHEMA["required"])
_AGGREGATE_COMMIT_JSON_FIELDS = ("height", "aggregationBits", "certificateSignature")


@dataclass(frozen=True, kw_only=True)
class AggregateCommit:
    """The aggregate BFT commit a header carries (LIP 0061); all empty when it certifies nothing."""

    height: int = 0
    aggregation_bits: bytes = b""
    certificate_signature: bytes = b""

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> AggregateCommit:
        """From Klayr's camelCase properties."""
        return cls(
            height=value["height"],
            aggregation_bits=value["aggregationBits"],
            certificate_signature=value["certificateSignature"],
        )

    def to_dict(self) -> dict[str, Any]:
        """Klayr's camelCase properties."""
        return {
            "height": self.height,
            "aggregationBits": self.aggregation_bits,
            "certificateSignature": self.certificate_signature,
        }


@dataclass(frozen=True, kw_only=True)
class BlockHeader:
    """A block header with every field of Klayr's ``/block/header/3`` schema.

    Immutable: :meth:`sign` returns a signed copy, and ``dataclasses.replace(header, ...)`` sets
    roots once they are known. Until signed, ``signature`` is empty; the ID is defined for any
    signature, as the genesis block's is empty.
    """

    version: int
    timestamp: int
    height: int
    previous_block_id: bytes
    generator_address: bytes
    transaction_root: bytes
    asset_root: bytes
    event_root: bytes
    state_root: bytes
    max_height_prevoted: int
    max_height_generated: int
    implies_max_prevotes: bool
    validators_hash: bytes
    aggregate_commit: AggregateCommit
    signature: bytes = b""

    @classmethod
    def from_bytes(cls, data: bytes) -> BlockHeader:
        """Decode Klayr's encoding strictly; a flaw raises :class:`CodecError` naming the field."""
        return cls.from_dict(codec.decode(BLOCK_HEADER_SCHEMA, data))

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> BlockHeader:
        """The header of a decoded value with Klayr's (camelCase) property names."""
        return cls(
            version=value["version"],
            timestamp=value["timestamp"],
            height=value["height"],
            previous_block_id=value["previousBlockID"],
            generator_address=value["generatorAddress"],
            transaction_root=value["transactionRoot"],
            asset_root=value["assetRoot"],
            event_root=value["eventRoot"],
            state_root=value["stateRoot"],
            max_height_prevoted=value["maxHeightPrevoted"],
            max_height_generated=value["maxHeightGenerated"],
            implies_max_prevotes=value["impliesMaxPrevotes"],
            validators_hash=value["validatorsHash"],
            aggregate_commit=AggregateCommit.from_dict(value["aggregateCommit"]),
            signature=value["signature"],
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> BlockHeader:
        """Parse Klayr's JSON form; an ``id`` given in it must be the header's ID."""
        require_fields(value, _JSON_FIELDS, BlockError, "block header")
        require_fields(
            value["aggregateCommit"], _AGGREGATE_COMMIT_JSON_FIELDS, BlockError, "aggregateCommit"
        )
        try:
            header = cls.from_dict(codec.from_json(BLOCK_HEADER_SCHEMA, value))
        except (TypeError, ValueError) as exc:
            raise BlockError(f"invalid block header JSON: {exc}") from exc
        check_id(value, header.id, BlockError, "block header")
        return header

    def to_dict(self) -> dict[str, Any]:
        """Klayr's ``toObject()``: camelCase properties with bytes and ints, plus ``id``."""
        return {**self._props(), "id": self.id}

    def to_json(self) -> dict[str, Any]:
        """Klayr's ``toJSON()``: hex bytes, Klayr32 ``generatorAddress``, hex ``id``."""
        return codec.to_json(BLOCK_HEADER_SCHEMA_WITH_ID, self.to_dict())

    def get_bytes(self) -> bytes:
        """The encoded header, signature included; its hash is the block ID."""
        return self._bytes

    def get_signing_bytes(self) -> bytes:
        """The encoded header without its signature: what the generator signs."""
        return codec.encode(SIGNING_BLOCK_HEADER_SCHEMA, self._signing_props())

    @cached
    def id(self) -> bytes:
        """The block ID: sha256 of :meth:`get_bytes`."""
        return sha256(self._bytes)

    def sign(self, chain_id: bytes, private_key: bytes) -> BlockHeader:
        """A copy signed by ``private_key``: Ed25519 over sha256(``TAG_BLOCK_HEADER`` + chain ID
        + signing bytes), as Klayr."""
        signature = sign_data_with_private_key(
            TAG_BLOCK_HEADER, chain_id, self.get_signing_bytes(), private_key
        )
        return replace(self, signature=signature)

    def validate_signature(self, public_key: bytes, chain_id: bytes) -> None:
        """Raise :class:`BlockError` unless ``signature`` is ``public_key``'s for ``chain_id``."""
        try:
            valid = verify_data(
                TAG_BLOCK_HEADER, chain_id, self.get_signing_bytes(), self.signature, public_key
            )
        except CryptoError as exc:
            raise BlockError(f"Invalid block signature: {exc}") from exc
        if not valid:
            raise BlockError("Invalid block signature.")

    def validate(self) -> None:
        """Klayr's static checks of a non-genesis header: schema, previous block ID, signature
        length. Raises :class:`BlockError` naming the rule broken."""
        check_schema(BLOCK_HEADER_SCHEMA, self._props(), BlockError, "block header")
        if not self.previous_block_id:
            raise BlockError("Previous block id must not be empty.")
        if len(self.signature) != SIGNATURE_LENGTH_BYTES:
            raise BlockError(
                f"Signature length must be {SIGNATURE_LENGTH_BYTES} bytes, "
                f"got {len(self.signature)}."
            )

    def validate_genesis(self) -> None:
        """Klayr's checks of a genesis header; :class:`BlockError` lists every rule broken."""
        check_schema(BLOCK_HEADER_SCHEMA, self._props(), BlockError, "genesis block header")
        commit = self.aggregate_commit
        broken = [
            message
            for failed, message in (
                (
                    len(self.previous_block_id) != 32,
                    "header.previousBlockID: Genesis block header previousBlockID must be 32 bytes",
                ),
                (
                    self.generator_address != bytes(LENGTH_ADDRESS),
                    "header.generatorAddress: Genesis block header generator address must only "
                    "contain zero bytes",
                ),
                (
                    self.transaction_root != EMPTY_HASH,
                    "header.transactionRoot: Genesis block header transaction root must be "
                    "empty hash",
                ),
                (
                    self.max_height_prevoted != self.height,
                    "header.maxHeightPrevoted: Genesis block header maxHeightPrevoted must equal "
                    "height",
                ),
                (
                    self.max_height_generated != 0,
                    "header.maxHeightGenerated: Genesis block header maxHeightGenerated must "
                    "equal 0",
                ),
                (
                    not self.implies_max_prevotes,
                    "header.impliesMaxPrevotes: Genesis block header impliesMaxPrevotes must be "
                    "true",
                ),
                (
                    commit.height != self.height,
                    "aggregateCommit.height: Genesis block header aggregateCommit.height must "
                    "equal to the genesis height",
                ),
                (
                    commit.certificate_signature != b"",
                    "aggregateCommit.certificateSignature: Genesis block header "
                    "aggregateCommit.certificateSignature must be empty bytes",
                ),
                (
                    commit.aggregation_bits != b"",
                    "aggregateCommit.aggregationBits: Genesis block header "
                    "aggregateCommit.aggregationBits must be empty bytes",
                ),
                (
                    self.signature != b"",
                    "header.signature: Genesis block header signature must be empty bytes",
                ),
            )
            if failed
        ]
        if broken:
            raise BlockError("; ".join(broken))

    @cached
    def _bytes(self) -> bytes:
        return codec.encode(BLOCK_HEADER_SCHEMA, self._props())

    def _signing_props(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "timestamp": self.timestamp,
            "height": self.height,
            "previousBlockID": self.previous_block_id,
            "generatorAddress": self.generator_address,
            "transactionRoot": self.transaction_root,
            "assetRoot": self.asset_root,
            "eventRoot": self.event_root,
            "stateRoot": self.state_root,
            "maxHeightPrevoted": self.max_height_prevoted,
            "maxHeightGenerated": self.max_height_generated,
            "impliesMaxPrevotes": self.implies_max_prevotes,
            "validatorsHash": self.validators_hash,
            "aggregateCommit": self.aggregate_commit.to_dict(),
        }

    def _props(self) -> dict[str, Any]:
        return {**self._signing_props(), "signature": self.signature}
