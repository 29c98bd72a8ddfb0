"""The fee module's constants, as Klayr SDK v6 defines them (``modules/fee/constants.ts``)."""

from __future__ import annotations

MIN_FEE_PER_BYTE = 1000
MAX_BLOCK_HEIGHT_ZERO_FEE_PER_BYTE = 0

#: Klayr's ``defaultConfig`` (``feeTokenID`` defaults to the chain ID + local ID 00000000).
DEFAULT_CONFIG: dict[str, int] = {
    "minFeePerByte": MIN_FEE_PER_BYTE,
    "maxBlockHeightZeroFeePerByte": MAX_BLOCK_HEIGHT_ZERO_FEE_PER_BYTE,
}

#: Context-store key of what is left of the running transaction's fee beyond the minimum fee.
CONTEXT_STORE_KEY_AVAILABLE_FEE = "CONTEXT_STORE_KEY_AVAILABLE_FEE"
