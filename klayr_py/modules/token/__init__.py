"""Klayr's default ``token`` module for a single chain: balances, supply, transfers, locks."""

from klayr_py.modules.token.commands import TransferCommand
from klayr_py.modules.token.constants import TokenEventResult
from klayr_py.modules.token.endpoint import TokenEndpoint
from klayr_py.modules.token.errors import InsufficientBalanceError, TokenError
from klayr_py.modules.token.method import TokenMethod
from klayr_py.modules.token.module import TokenModule
from klayr_py.modules.token.schemas import (
    GENESIS_TOKEN_STORE_SCHEMA,
    TRANSFER_PARAMS_SCHEMA,
    LockedBalance,
    TransferParams,
    UserStoreData,
)

__all__ = [
    "GENESIS_TOKEN_STORE_SCHEMA",
    "TRANSFER_PARAMS_SCHEMA",
    "InsufficientBalanceError",
    "LockedBalance",
    "TokenEndpoint",
    "TokenError",
    "TokenEventResult",
    "TokenMethod",
    "TokenModule",
    "TransferCommand",
    "TransferParams",
    "UserStoreData",
]
