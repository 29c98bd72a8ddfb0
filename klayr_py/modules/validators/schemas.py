"""Schemas of the validators module: Klayr's store schemas and klayr_py's PoA genesis asset."""

from __future__ import annotations

from typing import Any, Final

VALIDATOR_KEYS_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/validators/validatorAccountSubStore",
    "type": "object",
    "required": ["generatorKey", "blsKey"],
    "properties": {
        "generatorKey": {
            "dataType": "bytes",
            "fieldNumber": 1,
            "minLength": 32,
            "maxLength": 32,
        },
        "blsKey": {"dataType": "bytes", "fieldNumber": 2, "maxLength": 48},
    },
}
"""Klayr's ``ValidatorKeysStore`` value (index 0, key = address). klayr_py has no BLS (no
certificates), so ``blsKey`` may be empty; Klayr requires 48 bytes."""

_VALIDATOR_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["address", "bftWeight", "generatorKey", "blsKey"],
    "properties": {
        "address": {"fieldNumber": 1, "dataType": "bytes", "format": "klayr32"},
        "bftWeight": {"fieldNumber": 2, "dataType": "uint64"},
        "generatorKey": {"fieldNumber": 3, "dataType": "bytes"},
        "blsKey": {"fieldNumber": 4, "dataType": "bytes"},
    },
}

VALIDATORS_PARAMS_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/validators/validatorsParams",
    "type": "object",
    "required": ["validators", "preCommitThreshold", "certificateThreshold"],
    "properties": {
        "preCommitThreshold": {"fieldNumber": 1, "dataType": "uint64"},
        "certificateThreshold": {"fieldNumber": 2, "dataType": "uint64"},
        "validators": {"fieldNumber": 3, "type": "array", "items": _VALIDATOR_SCHEMA},
    },
}
"""Klayr's ``ValidatorsParamsStore`` value (index 1, the empty key)."""

GENESIS_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/validators/genesis",
    "type": "object",
    "required": ["validators", "preCommitThreshold", "certificateThreshold"],
    "properties": {
        "validators": {
            "fieldNumber": 1,
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["address", "generatorKey", "blsKey", "bftWeight"],
                "properties": {
                    "address": {
                        "fieldNumber": 1,
                        "dataType": "bytes",
                        "format": "klayr32",
                        "minLength": 20,
                        "maxLength": 20,
                    },
                    "generatorKey": {
                        "fieldNumber": 2,
                        "dataType": "bytes",
                        "minLength": 32,
                        "maxLength": 32,
                    },
                    "blsKey": {"fieldNumber": 3, "dataType": "bytes", "maxLength": 48},
                    "bftWeight": {"fieldNumber": 4, "dataType": "uint64"},
                },
            },
        },
        "preCommitThreshold": {"fieldNumber": 2, "dataType": "uint64"},
        "certificateThreshold": {"fieldNumber": 3, "dataType": "uint64"},
    },
}
"""The PoA genesis asset: the initial validators and thresholds (0 = two thirds of the weight + 1).

Klayr registers keys through its PoS/PoA modules; klayr_py's single PoA-style module takes them
from genesis directly."""

GET_VALIDATOR_REQUEST_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/validators/endpoint/getValidatorRequest",
    "type": "object",
    "required": ["address"],
    "properties": {"address": {"type": "string", "format": "klayr32"}},
}
