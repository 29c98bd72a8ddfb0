"""Klayr v6 chain schemas (``@klayr/chain`` 0.6.2), so bytes and IDs equal Klayr's.

Schemas are protocol data: the same field numbers and data types as Klayr's, written as Python
dicts. Treat them as immutable; derive a new dict to extend one.
"""

from __future__ import annotations

from typing import Any, Final

Schema = dict[str, Any]

MIN_MODULE_NAME_LENGTH: Final = 1
MAX_MODULE_NAME_LENGTH: Final = 32
MIN_EVENT_NAME_LENGTH: Final = 1
MAX_EVENT_NAME_LENGTH: Final = 32
EVENT_MAX_TOPICS_PER_EVENT: Final = 4
MAX_EVENTS_PER_BLOCK: Final = 2**30

TRANSACTION_SCHEMA: Final[Schema] = {
    "$id": "/klayr/transaction",
    "type": "object",
    "required": ["module", "command", "nonce", "fee", "senderPublicKey", "params"],
    "properties": {
        "module": {"dataType": "string", "fieldNumber": 1, "minLength": 1, "maxLength": 32},
        "command": {"dataType": "string", "fieldNumber": 2, "minLength": 1, "maxLength": 32},
        "nonce": {"dataType": "uint64", "fieldNumber": 3},
        "fee": {"dataType": "uint64", "fieldNumber": 4},
        "senderPublicKey": {
            "dataType": "bytes",
            "fieldNumber": 5,
            "minLength": 32,
            "maxLength": 32,
        },
        "params": {"dataType": "bytes", "fieldNumber": 6},
        "signatures": {"type": "array", "items": {"dataType": "bytes"}, "fieldNumber": 7},
    },
}

# What a transaction's signatures sign: the transaction without its signatures.
SIGNING_TRANSACTION_SCHEMA: Final[Schema] = {
    "$id": "/klayr/transaction/signing",
    "type": "object",
    "required": TRANSACTION_SCHEMA["required"],
    "properties": {k: v for k, v in TRANSACTION_SCHEMA["properties"].items() if k != "signatures"},
}

_AGGREGATE_COMMIT: Final[Schema] = {
    "type": "object",
    "fieldNumber": 14,
    "required": ["height", "aggregationBits", "certificateSignature"],
    "properties": {
        "height": {"dataType": "uint32", "fieldNumber": 1},
        "aggregationBits": {"dataType": "bytes", "fieldNumber": 2},
        "certificateSignature": {"dataType": "bytes", "fieldNumber": 3},
    },
}

SIGNING_BLOCK_HEADER_SCHEMA: Final[Schema] = {
    "$id": "/block/header/signing/3",
    "type": "object",
    "properties": {
        "version": {"dataType": "uint32", "fieldNumber": 1},
        "timestamp": {"dataType": "uint32", "fieldNumber": 2},
        "height": {"dataType": "uint32", "fieldNumber": 3},
        "previousBlockID": {"dataType": "bytes", "fieldNumber": 4},
        "generatorAddress": {"dataType": "bytes", "fieldNumber": 5, "format": "klayr32"},
        "transactionRoot": {"dataType": "bytes", "fieldNumber": 6},
        "assetRoot": {"dataType": "bytes", "fieldNumber": 7},
        "eventRoot": {"dataType": "bytes", "fieldNumber": 8},
        "stateRoot": {"dataType": "bytes", "fieldNumber": 9},
        "maxHeightPrevoted": {"dataType": "uint32", "fieldNumber": 10},
        "maxHeightGenerated": {"dataType": "uint32", "fieldNumber": 11},
        "impliesMaxPrevotes": {"dataType": "boolean", "fieldNumber": 12},
        "validatorsHash": {"dataType": "bytes", "fieldNumber": 13},
        "aggregateCommit": _AGGREGATE_COMMIT,
    },
    "required": [
        "version",
        "timestamp",
        "height",
        "previousBlockID",
        "generatorAddress",
        "transactionRoot",
        "assetRoot",
        "eventRoot",
        "stateRoot",
        "maxHeightPrevoted",
        "maxHeightGenerated",
        "impliesMaxPrevotes",
        "validatorsHash",
        "aggregateCommit",
    ],
}

BLOCK_HEADER_SCHEMA: Final[Schema] = {
    **SIGNING_BLOCK_HEADER_SCHEMA,
    "$id": "/block/header/3/without-id",
    "required": [*SIGNING_BLOCK_HEADER_SCHEMA["required"], "signature"],
    "properties": {
        **SIGNING_BLOCK_HEADER_SCHEMA["properties"],
        "signature": {"dataType": "bytes", "fieldNumber": 15},
    },
}

BLOCK_HEADER_SCHEMA_WITH_ID: Final[Schema] = {
    **BLOCK_HEADER_SCHEMA,
    "$id": "/block/header/3",
    "required": [*BLOCK_HEADER_SCHEMA["required"], "id"],
    "properties": {
        **BLOCK_HEADER_SCHEMA["properties"],
        "id": {"dataType": "bytes", "fieldNumber": 16},
    },
}

BLOCK_SCHEMA: Final[Schema] = {
    "$id": "/block",
    "type": "object",
    "properties": {
        "header": {"dataType": "bytes", "fieldNumber": 1},
        "transactions": {"type": "array", "items": {"dataType": "bytes"}, "fieldNumber": 2},
        "assets": {"type": "array", "items": {"dataType": "bytes"}, "fieldNumber": 3},
    },
    "required": ["header", "transactions", "assets"],
}

BLOCK_ASSET_SCHEMA: Final[Schema] = {
    "$id": "/block/asset/3",
    "type": "object",
    "required": ["module", "data"],
    "properties": {
        "module": {"dataType": "string", "fieldNumber": 1},
        "data": {"dataType": "bytes", "fieldNumber": 2},
    },
}

EVENT_SCHEMA: Final[Schema] = {
    "$id": "/block/event",
    "type": "object",
    "required": ["module", "name", "data", "topics", "height", "index"],
    "properties": {
        "module": {
            "dataType": "string",
            "minLength": MIN_MODULE_NAME_LENGTH,
            "maxLength": MAX_MODULE_NAME_LENGTH,
            "fieldNumber": 1,
        },
        "name": {
            "dataType": "string",
            "minLength": MIN_EVENT_NAME_LENGTH,
            "maxLength": MAX_EVENT_NAME_LENGTH,
            "fieldNumber": 2,
        },
        "data": {"dataType": "bytes", "fieldNumber": 3},
        "topics": {
            "type": "array",
            "fieldNumber": 4,
            "maxItems": EVENT_MAX_TOPICS_PER_EVENT,
            "items": {"dataType": "bytes"},
        },
        "height": {"dataType": "uint32", "fieldNumber": 5},
        "index": {"dataType": "uint32", "fieldNumber": 6, "maximum": MAX_EVENTS_PER_BLOCK - 1},
    },
}

STANDARD_EVENT_DATA_SCHEMA: Final[Schema] = {
    "$id": "/block/event/standard",
    "type": "object",
    "required": ["success"],
    "properties": {"success": {"dataType": "boolean", "fieldNumber": 1}},
}
