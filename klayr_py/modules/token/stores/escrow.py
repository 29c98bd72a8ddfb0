"""Native tokens escrowed for other chains, keyed by escrow chain ID + token ID.

Single-chain klayr_py only fills it from the genesis asset; it is registered so store keys and
metadata match Klayr's and genesis supply checks count escrowed amounts.
"""

from __future__ import annotations

from klayr_py.modules import BaseStore
from klayr_py.modules.token.schemas import ESCROW_STORE_SCHEMA, EscrowStoreData


class EscrowStore(BaseStore[EscrowStoreData]):
    """``escrow`` store, index 2."""

    schema = ESCROW_STORE_SCHEMA

    @staticmethod
    def get_key(escrow_chain_id: bytes, token_id: bytes) -> bytes:
        """The store key of ``token_id`` escrowed for ``escrow_chain_id``."""
        return escrow_chain_id + token_id
