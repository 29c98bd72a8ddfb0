"""Endpoints of the validators module: ``validators_getValidator``."""

from __future__ import annotations

from typing import Any, ClassVar

from klayr_py.contexts import EndpointContext
from klayr_py.crypto.address import get_address_from_klayr32_address
from klayr_py.errors import NotFoundError
from klayr_py.modules import BaseEndpoint
from klayr_py.modules.validators.schemas import GET_VALIDATOR_REQUEST_SCHEMA
from klayr_py.modules.validators.stores import ValidatorKeysStore


class ValidatorsEndpoint(BaseEndpoint):
    """Klayr's ``getValidator``."""

    request_schemas: ClassVar[dict[str, dict[str, Any]]] = {
        "get_validator": GET_VALIDATOR_REQUEST_SCHEMA
    }

    def get_validator(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{generatorKey, blsKey}`` in hex; empty strings for an unknown address (as Klayr)."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        try:
            keys = self.stores.get(ValidatorKeysStore).get(ctx, address)
        except NotFoundError:
            return {"generatorKey": "", "blsKey": ""}
        return {"generatorKey": keys["generatorKey"].hex(), "blsKey": keys["blsKey"].hex()}
