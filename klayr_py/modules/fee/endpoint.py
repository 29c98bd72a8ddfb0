"""Read-only queries: ``fee_getFeeTokenID`` and ``fee_getMinFeePerByte``."""

from __future__ import annotations

from typing import Any, ClassVar

from klayr_py.contexts import EndpointContext
from klayr_py.modules import BaseEndpoint
from klayr_py.modules.fee.method import FeeConfig
from klayr_py.modules.fee.schemas import (
    GET_FEE_TOKEN_ID_RESPONSE_SCHEMA,
    GET_MIN_FEE_PER_BYTE_RESPONSE_SCHEMA,
)


class FeeEndpoint(BaseEndpoint):
    """Endpoints of the fee module."""

    response_schemas: ClassVar[dict[str, dict[str, Any]]] = {
        "getFeeTokenID": GET_FEE_TOKEN_ID_RESPONSE_SCHEMA,
        "get_min_fee_per_byte": GET_MIN_FEE_PER_BYTE_RESPONSE_SCHEMA,
    }

    config: FeeConfig | None = None  # set by the module's init (an attribute, not an endpoint)

    def _config(self) -> FeeConfig:
        if self.config is None:
            raise RuntimeError("fee module is not initialized")
        return self.config

    # The camelCase Python name is deliberate: snake_case cannot spell Klayr's "ID", and the
    # endpoint must be served as ``fee_getFeeTokenID``.
    def getFeeTokenID(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{tokenID}``: the fee token, hex (Klayr's code says ``tokenID``; its schema differs)."""
        return {"tokenID": self._config().fee_token_id.hex()}

    def get_min_fee_per_byte(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{minFeePerByte}``."""
        return {"minFeePerByte": self._config().min_fee_per_byte}
