"""Klayr's block (``@klayr/chain`` ``block.js``): a header, its transactions and its assets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from klayr_py import codec
from klayr_py.chain._common import require_fields
from klayr_py.chain.block_assets import BlockAssets
from klayr_py.chain.block_header import BlockHeader
from klayr_py.chain.roots import compute_transaction_root
from klayr_py.chain.schemas import BLOCK_SCHEMA
from klayr_py.chain.transaction import Transaction
from klayr_py.errors import BlockError

__all__ = ["Block"]


@dataclass(frozen=True)
class Block:
    """A block. Immutable; ``transactions`` is stored as a tuple whatever sequence is given."""

    header: BlockHeader
    transactions: Sequence[Transaction] = ()
    assets: BlockAssets = field(default_factory=BlockAssets)

    def __post_init__(self) -> None:
        if not isinstance(self.transactions, tuple):
            object.__setattr__(self, "transactions", tuple(self.transactions))

    @property
    def id(self) -> bytes:
        """The block ID: its header's ID."""
        return self.header.id

    @classmethod
    def from_bytes(cls, data: bytes) -> Block:
        """Decode Klayr's encoding strictly; a flaw raises :class:`CodecError` naming the field."""
        value = codec.decode(BLOCK_SCHEMA, data)
        return cls(
            BlockHeader.from_bytes(value["header"]),
            [Transaction.from_bytes(tx) for tx in value["transactions"]],
            BlockAssets.from_bytes(value["assets"]),
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Block:
        """Parse Klayr's JSON form: ``header``, ``transactions`` and ``assets`` as JSON."""
        require_fields(value, ("header", "transactions", "assets"), BlockError, "block")
        return cls(
            BlockHeader.from_json(value["header"]),
            [Transaction.from_json(tx) for tx in value["transactions"]],
            BlockAssets.from_json(value["assets"]),
        )

    def get_bytes(self) -> bytes:
        """The encoded block: encoded header, encoded transactions, encoded assets."""
        return codec.encode(
            BLOCK_SCHEMA,
            {
                "header": self.header.get_bytes(),
                "transactions": [tx.get_bytes() for tx in self.transactions],
                "assets": self.assets.get_bytes(),
            },
        )

    def to_json(self) -> dict[str, Any]:
        """Klayr's ``toJSON()``: the JSON forms of header, transactions and assets."""
        return {
            "header": self.header.to_json(),
            "transactions": [tx.to_json() for tx in self.transactions],
            "assets": self.assets.to_json(),
        }

    def validate(self) -> None:
        """Klayr's static checks of a non-genesis block: header, each transaction, assets, then
        the transaction root and the asset root. Raises the first error found."""
        self.header.validate()
        for transaction in self.transactions:
            transaction.validate()
        self.assets.validate()
        self._check_root(
            "transaction root",
            self.header.transaction_root,
            compute_transaction_root(self.transactions),
        )
        self._check_root("asset root", self.header.asset_root, self.assets.get_root())

    def validate_genesis(self) -> None:
        """Klayr's checks of a genesis block: header, no transactions, assets, asset root."""
        self.header.validate_genesis()
        if self.transactions:
            raise BlockError(
                f"Transactions length must be zero: the genesis block has {len(self.transactions)}"
            )
        self.assets.validate_genesis()
        self._check_root("asset root", self.header.asset_root, self.assets.get_root())

    @staticmethod
    def _check_root(name: str, claimed: bytes, actual: bytes) -> None:
        if claimed != actual:
            raise BlockError(
                f"Invalid {name}: the header has {claimed.hex()}, the block's content gives "
                f"{actual.hex()}"
            )
