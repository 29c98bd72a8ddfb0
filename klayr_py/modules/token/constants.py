"""The token module's constants, as Klayr SDK v6 defines them (``modules/token/constants.ts``)."""

from __future__ import annotations

from enum import IntEnum

ADDRESS_LENGTH = 20
CHAIN_ID_LENGTH = 4
LOCAL_ID_LENGTH = 4
TOKEN_ID_LENGTH = CHAIN_ID_LENGTH + LOCAL_ID_LENGTH
MAX_DATA_LENGTH = 64
MIN_MODULE_NAME_LENGTH = 1
MAX_MODULE_NAME_LENGTH = 32
MAX_UINT64 = 2**64 - 1
LOCAL_ID_KLY = bytes(LOCAL_ID_LENGTH)

USER_ACCOUNT_INITIALIZATION_FEE = 5_000_000
ESCROW_ACCOUNT_INITIALIZATION_FEE = 5_000_000

#: Klayr's ``defaultConfig``: fees as decimal strings, as in the application config.
DEFAULT_CONFIG: dict[str, str] = {
    "userAccountInitializationFee": str(USER_ACCOUNT_INITIALIZATION_FEE),
    "escrowAccountInitializationFee": str(ESCROW_ACCOUNT_INITIALIZATION_FEE),
}

#: The supported-tokens store key meaning "every token of every chain is supported".
ALL_SUPPORTED_TOKENS_KEY = b""


class TokenEventResult(IntEnum):
    """The ``result`` field of token events (Klayr's ``TokenEventResult``)."""

    SUCCESSFUL = 0
    FAIL_INSUFFICIENT_BALANCE = 1
    DATA_TOO_LONG = 2
    INVALID_TOKEN_ID = 3
    TOKEN_NOT_SUPPORTED = 4
    INSUFFICIENT_LOCKED_AMOUNT = 5
    RECOVER_FAIL_INVALID_INPUTS = 6
    RECOVER_FAIL_INSUFFICIENT_ESCROW = 7
    MINT_FAIL_NON_NATIVE_TOKEN = 8
    MINT_FAIL_TOTAL_SUPPLY_TOO_BIG = 9
    MINT_FAIL_TOKEN_NOT_INITIALIZED = 10
    TOKEN_ID_NOT_AVAILABLE = 11
    TOKEN_ID_NOT_NATIVE = 12
    INSUFFICIENT_ESCROW_BALANCE = 13
    INVALID_RECEIVING_CHAIN = 14
