"""Klayr's default ``fee`` module: minimum fees, fee locking, burning and generator rewards."""

from klayr_py.modules.fee.constants import CONTEXT_STORE_KEY_AVAILABLE_FEE
from klayr_py.modules.fee.endpoint import FeeEndpoint
from klayr_py.modules.fee.method import FeeConfig, FeeMethod, InsufficientFeeError
from klayr_py.modules.fee.module import FeeModule, InsufficientTransactionFeeError

__all__ = [
    "CONTEXT_STORE_KEY_AVAILABLE_FEE",
    "FeeConfig",
    "FeeEndpoint",
    "FeeMethod",
    "FeeModule",
    "InsufficientFeeError",
    "InsufficientTransactionFeeError",
]
