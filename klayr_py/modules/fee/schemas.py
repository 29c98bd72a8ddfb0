"""The fee module's config, event and endpoint schemas, as Klayr SDK v6's."""

from __future__ import annotations

from typing import Any

from klayr_py.modules import Address, KlayrModel

CONFIG_SCHEMA: dict[str, Any] = {
    "$id": "/fee/config",
    "type": "object",
    "properties": {
        "feeTokenID": {"type": "string", "format": "hex"},
        "minFeePerByte": {"type": "integer", "format": "uint32"},
        "maxBlockHeightZeroFeePerByte": {"type": "integer", "format": "uint32"},
        "feePoolAddress": {"type": "string", "format": "klayr32"},
    },
    "required": ["feeTokenID", "minFeePerByte"],
}


class GeneratorFeeProcessedData(KlayrModel):
    """``generatorFeeProcessed``: who paid, who generated, what was burnt, what went to whom."""

    sender_address: Address
    generator_address: Address
    burnt_amount: int
    generator_amount: int


GENERATOR_FEE_PROCESSED_SCHEMA: dict[str, Any] = {
    "$id": "/fee/events/generatorFeeProcessed",
    "type": "object",
    "required": ["senderAddress", "generatorAddress", "burntAmount", "generatorAmount"],
    "properties": {
        "senderAddress": {"dataType": "bytes", "format": "klayr32", "fieldNumber": 1},
        "generatorAddress": {"dataType": "bytes", "format": "klayr32", "fieldNumber": 2},
        "burntAmount": {"dataType": "uint64", "fieldNumber": 3},
        "generatorAmount": {"dataType": "uint64", "fieldNumber": 4},
    },
}

GET_MIN_FEE_PER_BYTE_RESPONSE_SCHEMA: dict[str, Any] = {
    "$id": "/fee/endpoint/getMinFeePerByteResponse",
    "type": "object",
    "properties": {"minFeePerByte": {"type": "integer", "format": "uint32"}},
    "required": ["minFeePerByte"],
}

GET_FEE_TOKEN_ID_RESPONSE_SCHEMA: dict[str, Any] = {
    "$id": "/fee/endpoint/getFeeTokenIDResponseSchema",
    "type": "object",
    "properties": {"feeTokenID": {"type": "string", "format": "hex"}},
    "required": ["feeTokenID"],
}
