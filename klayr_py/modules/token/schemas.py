"""The token module's value types and schemas, property for property Klayr SDK v6's.

Stores, events and the transfer command keep Klayr's literal schemas (so ``$id``, formats and
metadata match) and pydantic models for typed values.
"""

from __future__ import annotations

from typing import Any

from klayr_py.modules import Address, Field, KlayrModel, UInt32
from klayr_py.modules.token.constants import (
    CHAIN_ID_LENGTH,
    MAX_DATA_LENGTH,
    MAX_MODULE_NAME_LENGTH,
    MIN_MODULE_NAME_LENGTH,
    TOKEN_ID_LENGTH,
)

_TOKEN_ID: dict[str, Any] = {
    "dataType": "bytes",
    "minLength": TOKEN_ID_LENGTH,
    "maxLength": TOKEN_ID_LENGTH,
}
_ADDRESS: dict[str, Any] = {"dataType": "bytes", "format": "klayr32"}
_MODULE: dict[str, Any] = {
    "dataType": "string",
    "minLength": MIN_MODULE_NAME_LENGTH,
    "maxLength": MAX_MODULE_NAME_LENGTH,
}


def _object(schema_id: str, properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A Klayr object schema whose properties are numbered in the order given."""
    numbered = {
        name: {**prop, "fieldNumber": number}
        for number, (name, prop) in enumerate(properties.items(), start=1)
    }
    return {
        "$id": schema_id,
        "type": "object",
        "required": list(properties),
        "properties": numbered,
    }


def _array(field_number: int, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "fieldNumber": field_number, "items": items}


def _items(properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    item = _object("", properties)
    del item["$id"]
    return item


# --- stores ---------------------------------------------------------------------------------------


class LockedBalance(KlayrModel):
    """Tokens of one account locked by one module (staking, fees ...)."""

    module: str = Field(min_length=MIN_MODULE_NAME_LENGTH, max_length=MAX_MODULE_NAME_LENGTH)
    amount: int = Field(ge=0, le=2**64 - 1)


class UserStoreData(KlayrModel):
    """The balance of one account in one token."""

    available_balance: int = Field(ge=0, le=2**64 - 1)
    locked_balances: list[LockedBalance]


class SupplyStoreData(KlayrModel):
    """The total supply of a native token."""

    total_supply: int = Field(ge=0, le=2**64 - 1)


class EscrowStoreData(KlayrModel):
    """Native tokens escrowed for another chain."""

    amount: int = Field(ge=0, le=2**64 - 1)


class SupportedTokensStoreData(KlayrModel):
    """Foreign tokens of one chain this chain accepts (empty: all of that chain's tokens)."""

    supported_token_ids: list[bytes] = Field(
        validation_alias="supportedTokenIDs", serialization_alias="supportedTokenIDs"
    )


USER_STORE_SCHEMA: dict[str, Any] = {
    "$id": "/token/store/user",
    "type": "object",
    "required": ["availableBalance", "lockedBalances"],
    "properties": {
        "availableBalance": {"dataType": "uint64", "fieldNumber": 1},
        "lockedBalances": {
            "type": "array",
            "fieldNumber": 2,
            "items": _items({"module": _MODULE, "amount": {"dataType": "uint64"}}),
        },
    },
}

SUPPLY_STORE_SCHEMA = _object("/token/store/supply", {"totalSupply": {"dataType": "uint64"}})
ESCROW_STORE_SCHEMA = _object("/token/store/escrow", {"amount": {"dataType": "uint64"}})
SUPPORTED_TOKENS_STORE_SCHEMA: dict[str, Any] = {
    "$id": "/token/store/supportedTokens",
    "type": "object",
    "required": ["supportedTokenIDs"],
    "properties": {
        "supportedTokenIDs": {"type": "array", "fieldNumber": 1, "items": dict(_TOKEN_ID)},
    },
}

# --- command --------------------------------------------------------------------------------------


class TransferParams(KlayrModel):
    """Params of ``token:transfer``."""

    token_id: bytes = Field(
        validation_alias="tokenID",
        serialization_alias="tokenID",
        min_length=TOKEN_ID_LENGTH,
        max_length=TOKEN_ID_LENGTH,
    )
    amount: int = Field(ge=0, le=2**64 - 1)
    recipient_address: Address
    data: str = Field(max_length=MAX_DATA_LENGTH)


TRANSFER_PARAMS_SCHEMA: dict[str, Any] = {
    **_object(
        "/klayr/transferParams",
        {
            "tokenID": _TOKEN_ID,
            "amount": {"dataType": "uint64"},
            "recipientAddress": _ADDRESS,
            "data": {"dataType": "string", "minLength": 0, "maxLength": MAX_DATA_LENGTH},
        },
    ),
    "title": "Transfer transaction params",
}

# --- events ---------------------------------------------------------------------------------------


class TransferEventData(KlayrModel):
    """``transfer`` event."""

    sender_address: Address
    recipient_address: Address
    token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")
    amount: int
    result: UInt32


class AccountAmountEventData(KlayrModel):
    """``mint`` and ``burn`` events."""

    address: Address
    token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")
    amount: int
    result: UInt32


class LockEventData(KlayrModel):
    """``lock`` and ``unlock`` events."""

    address: Address
    module: str
    token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")
    amount: int
    result: UInt32


class InitializeTokenEventData(KlayrModel):
    """``initializeToken`` event."""

    token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")
    result: UInt32


class InitializeUserAccountEventData(KlayrModel):
    """``initializeUserAccount`` event."""

    address: Address
    token_id: bytes = Field(validation_alias="tokenID", serialization_alias="tokenID")
    initialization_fee: int
    result: UInt32


_RESULT: dict[str, Any] = {"dataType": "uint32"}
_AMOUNT: dict[str, Any] = {"dataType": "uint64"}

TRANSFER_EVENT_SCHEMA = _object(
    "/token/events/transfer",
    {
        "senderAddress": _ADDRESS,
        "recipientAddress": _ADDRESS,
        "tokenID": _TOKEN_ID,
        "amount": _AMOUNT,
        "result": _RESULT,
    },
)
MINT_EVENT_SCHEMA = _object(
    "/token/events/mint",
    {"address": _ADDRESS, "tokenID": _TOKEN_ID, "amount": _AMOUNT, "result": _RESULT},
)
BURN_EVENT_SCHEMA = {**MINT_EVENT_SCHEMA, "$id": "/token/events/burn"}
LOCK_EVENT_SCHEMA = _object(
    "/token/events/lock",
    {
        "address": _ADDRESS,
        "module": _MODULE,
        "tokenID": _TOKEN_ID,
        "amount": _AMOUNT,
        "result": _RESULT,
    },
)
UNLOCK_EVENT_SCHEMA = {**LOCK_EVENT_SCHEMA, "$id": "/token/events/unlock"}
INITIALIZE_TOKEN_EVENT_SCHEMA = _object(
    "/token/events/initializeTokenEvent", {"tokenID": _TOKEN_ID, "result": _RESULT}
)
INITIALIZE_USER_ACCOUNT_EVENT_SCHEMA = _object(
    "/token/events/initializeUserAccount",
    {"address": _ADDRESS, "tokenID": _TOKEN_ID, "initializationFee": _AMOUNT, "result": _RESULT},
)

# --- genesis asset --------------------------------------------------------------------------------


GENESIS_TOKEN_STORE_SCHEMA: dict[str, Any] = {
    "$id": "/token/module/genesis",
    "type": "object",
    "required": ["userSubstore", "supplySubstore", "escrowSubstore", "supportedTokensSubstore"],
    "properties": {
        "userSubstore": _array(
            1,
            _items(
                {
                    "address": _ADDRESS,
                    "tokenID": _TOKEN_ID,
                    "availableBalance": _AMOUNT,
                    "lockedBalances": {
                        "type": "array",
                        "items": _items({"module": _MODULE, "amount": _AMOUNT}),
                    },
                }
            ),
        ),
        "supplySubstore": _array(2, _items({"tokenID": _TOKEN_ID, "totalSupply": _AMOUNT})),
        "escrowSubstore": _array(
            3,
            _items(
                {
                    "escrowChainID": {
                        "dataType": "bytes",
                        "minLength": CHAIN_ID_LENGTH,
                        "maxLength": CHAIN_ID_LENGTH,
                    },
                    "tokenID": _TOKEN_ID,
                    "amount": _AMOUNT,
                }
            ),
        ),
        "supportedTokensSubstore": _array(
            4,
            _items(
                {
                    "chainID": {"dataType": "bytes"},
                    "supportedTokenIDs": {"type": "array", "items": dict(_TOKEN_ID)},
                }
            ),
        ),
    },
}

# --- config and endpoints -------------------------------------------------------------------------

CONFIG_SCHEMA: dict[str, Any] = {
    "$id": "/token/config",
    "type": "object",
    "properties": {
        "userAccountInitializationFee": {"type": "string", "format": "uint64"},
        "escrowAccountInitializationFee": {"type": "string", "format": "uint64"},
    },
}

_JSON_TOKEN_ID: dict[str, Any] = {
    "type": "string",
    "format": "hex",
    "minLength": TOKEN_ID_LENGTH * 2,
    "maxLength": TOKEN_ID_LENGTH * 2,
}
_JSON_ADDRESS: dict[str, Any] = {"type": "string", "format": "klayr32"}
_JSON_AMOUNT: dict[str, Any] = {"type": "string", "format": "uint64"}
_JSON_LOCKED_BALANCES: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["module", "amount"],
        "properties": {"module": {"type": "string"}, "amount": _JSON_AMOUNT},
    },
}
_EXISTS: dict[str, Any] = {"type": "object", "properties": {"exists": {"type": "boolean"}}}


def _request(name: str, properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "$id": f"/token/endpoint/{name}",
        "type": "object",
        "properties": properties,
        "required": list(properties),
    }


REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "get_balance": _request(
        "getBalanceRequest", {"address": _JSON_ADDRESS, "tokenID": _JSON_TOKEN_ID}
    ),
    "get_balances": _request("getBalancesRequest", {"address": _JSON_ADDRESS}),
    "is_supported": _request("isSupportedRequest", {"tokenID": _JSON_TOKEN_ID}),
    "has_user_account": _request(
        "hasUserAccountRequest", {"address": _JSON_ADDRESS, "tokenID": _JSON_TOKEN_ID}
    ),
    "has_escrow_account": _request(
        "hasEscrowAccountRequest",
        {"tokenID": _JSON_TOKEN_ID, "escrowChainID": {"type": "string", "format": "hex"}},
    ),
}

RESPONSE_SCHEMAS: dict[str, dict[str, Any]] = {
    "get_balance": {
        "$id": "/token/endpoint/getBalanceResponse",
        "type": "object",
        "required": ["availableBalance", "lockedBalances"],
        "properties": {"availableBalance": _JSON_AMOUNT, "lockedBalances": _JSON_LOCKED_BALANCES},
    },
    "get_balances": {
        "$id": "/token/endpoint/getBalancesResponse",
        "type": "object",
        "required": ["balances"],
        "properties": {
            "balances": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["availableBalance", "lockedBalances", "tokenID"],
                    "properties": {
                        "tokenID": {"type": "string", "format": "hex"},
                        "availableBalance": _JSON_AMOUNT,
                        "lockedBalances": _JSON_LOCKED_BALANCES,
                    },
                },
            }
        },
    },
    "get_total_supply": {
        "$id": "/token/endpoint/getTotalSupplyResponse",
        "type": "object",
        "properties": {
            "totalSupply": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["totalSupply", "tokenID"],
                    "properties": {
                        "tokenID": {"type": "string", "format": "hex"},
                        "totalSupply": _JSON_AMOUNT,
                    },
                },
            }
        },
    },
    "get_supported_tokens": {
        "$id": "/token/endpoint/getSupportedTokensResponse",
        "type": "object",
        "properties": {"tokenIDs": {"type": "array", "items": {"type": "string", "format": "hex"}}},
    },
    "is_supported": {
        "$id": "/token/endpoint/isSupportedResponse",
        "type": "object",
        "properties": {"supported": {"dataType": "boolean"}},
        "required": ["supported"],
    },
    "get_escrowed_amounts": {
        "$id": "/token/endpoint/getEscrowedAmountsResponse",
        "type": "object",
        "properties": {
            "escrowedAmounts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["escrowChainID", "amount", "tokenID"],
                    "properties": {
                        "escrowChainID": {"type": "string", "format": "hex"},
                        "tokenID": {"type": "string", "format": "hex"},
                        "amount": _JSON_AMOUNT,
                    },
                },
            }
        },
    },
    "get_initialization_fees": {
        "$id": "/token/endpoint/getInitializationFees",
        "type": "object",
        "properties": {"userAccount": _JSON_AMOUNT, "escrowAccount": _JSON_AMOUNT},
        "required": ["userAccount", "escrowAccount"],
    },
    "has_user_account": {**_EXISTS, "$id": "/token/endpoint/hasUserAccountResponse"},
    "has_escrow_account": {**_EXISTS, "$id": "/token/endpoint/hasEscrowAccountResponse"},
}
