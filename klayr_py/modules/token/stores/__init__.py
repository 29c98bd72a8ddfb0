"""The token module's on-chain stores (indices 0-3, as in Klayr)."""

from klayr_py.modules.token.stores.escrow import EscrowStore
from klayr_py.modules.token.stores.supply import SupplyStore
from klayr_py.modules.token.stores.supported_tokens import SupportedTokensStore
from klayr_py.modules.token.stores.user import UserStore

__all__ = ["EscrowStore", "SupplyStore", "SupportedTokensStore", "UserStore"]
