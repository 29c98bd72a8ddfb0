"""The auth module's schemas, as Klayr declares them, and its typed account value.

Store, asset, command and event schemas fix bytes and metadata, so they are Klayr's exactly
(``framework/src/modules/auth/schemas.ts``, ``stores/auth_account.ts``, ``events/``).
"""

from __future__ import annotations

from typing import Any, Final

from klayr_py.modules import KlayrModel, UInt32, UInt64
from klayr_py.modules.auth.constants import (
    ADDRESS_LENGTH,
    ED25519_PUBLIC_KEY_LENGTH,
    ED25519_SIGNATURE_LENGTH,
    MAX_NUMBER_OF_SIGNATURES,
)


def _keys(field_number: int, *, bounded: bool) -> dict[str, Any]:
    """An array of Ed25519 public keys; ``bounded`` adds Klayr's 0..64 item count."""
    prop: dict[str, Any] = {
        "type": "array",
        "items": {
            "dataType": "bytes",
            "minLength": ED25519_PUBLIC_KEY_LENGTH,
            "maxLength": ED25519_PUBLIC_KEY_LENGTH,
        },
        "fieldNumber": field_number,
    }
    if bounded:
        prop["minItems"] = 0
        prop["maxItems"] = MAX_NUMBER_OF_SIGNATURES
    return prop


def _signatures(field_number: int) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "dataType": "bytes",
            "minLength": ED25519_SIGNATURE_LENGTH,
            "maxLength": ED25519_SIGNATURE_LENGTH,
        },
        "fieldNumber": field_number,
    }


AUTH_ACCOUNT_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/account",
    "type": "object",
    "properties": {
        "nonce": {"dataType": "uint64", "fieldNumber": 1},
        "numberOfSignatures": {
            "dataType": "uint32",
            "fieldNumber": 2,
            "minimum": 0,
            "maximum": MAX_NUMBER_OF_SIGNATURES,
        },
        "mandatoryKeys": _keys(3, bounded=True),
        "optionalKeys": _keys(4, bounded=True),
    },
    "required": ["nonce", "numberOfSignatures", "mandatoryKeys", "optionalKeys"],
}
"""The value of the ``authAccount`` store (Klayr's ``authAccountSchema``)."""

GENESIS_AUTH_STORE_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/module/genesis",
    "type": "object",
    "required": ["authDataSubstore"],
    "properties": {
        "authDataSubstore": {
            "type": "array",
            "fieldNumber": 1,
            "items": {
                "type": "object",
                "required": ["address", "authAccount"],
                "properties": {
                    "address": {"dataType": "bytes", "fieldNumber": 1},
                    "authAccount": {
                        "type": "object",
                        "fieldNumber": 2,
                        "required": [
                            "nonce",
                            "numberOfSignatures",
                            "mandatoryKeys",
                            "optionalKeys",
                        ],
                        "properties": {
                            "nonce": {"dataType": "uint64", "fieldNumber": 1},
                            "numberOfSignatures": {"dataType": "uint32", "fieldNumber": 2},
                            "mandatoryKeys": _keys(3, bounded=False),
                            "optionalKeys": _keys(4, bounded=False),
                        },
                    },
                },
            },
        },
    },
}
"""The auth module's genesis asset (Klayr's ``genesisAuthStoreSchema``)."""

REGISTER_MULTISIGNATURE_PARAMS_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/command/regMultisig",
    "type": "object",
    "properties": {
        "numberOfSignatures": {
            "dataType": "uint32",
            "fieldNumber": 1,
            "minimum": 1,
            "maximum": MAX_NUMBER_OF_SIGNATURES,
        },
        "mandatoryKeys": _keys(2, bounded=True),
        "optionalKeys": _keys(3, bounded=True),
        "signatures": _signatures(4),
    },
    "required": ["numberOfSignatures", "mandatoryKeys", "optionalKeys", "signatures"],
}
"""Params of ``auth:registerMultisignature``."""

MULTISIG_REG_MSG_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/command/regMultisigMsg",
    "type": "object",
    "required": ["address", "nonce", "numberOfSignatures", "mandatoryKeys", "optionalKeys"],
    "properties": {
        "address": {
            "dataType": "bytes",
            "fieldNumber": 1,
            "minLength": ADDRESS_LENGTH,
            "maxLength": ADDRESS_LENGTH,
        },
        "nonce": {"dataType": "uint64", "fieldNumber": 2},
        "numberOfSignatures": {"dataType": "uint32", "fieldNumber": 3},
        "mandatoryKeys": _keys(4, bounded=False),
        "optionalKeys": _keys(5, bounded=False),
    },
}
"""What each key of a new multisignature group signs (tag ``KLY_RMSG_``)."""

CONFIG_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/config",
    "type": "object",
    "properties": {"maxNumberOfSignatures": {"type": "integer", "format": "uint32"}},
}

MULTISIG_REG_DATA_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/events/multisigRegData",
    "type": "object",
    "required": ["numberOfSignatures", "mandatoryKeys", "optionalKeys"],
    "properties": {
        "numberOfSignatures": {"dataType": "uint32", "fieldNumber": 1},
        "mandatoryKeys": _keys(2, bounded=False),
        "optionalKeys": _keys(3, bounded=False),
    },
}
"""Data of the ``multisignatureRegistration`` event."""

INVALID_SIG_DATA_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/events/invalidSigData",
    "type": "object",
    "required": [
        "numberOfSignatures",
        "mandatoryKeys",
        "optionalKeys",
        "failingPublicKey",
        "failingSignature",
    ],
    "properties": {
        "numberOfSignatures": {"dataType": "uint32", "fieldNumber": 1},
        "mandatoryKeys": _keys(2, bounded=False),
        "optionalKeys": _keys(3, bounded=False),
        "failingPublicKey": {
            "dataType": "bytes",
            "minLength": ED25519_PUBLIC_KEY_LENGTH,
            "maxLength": ED25519_PUBLIC_KEY_LENGTH,
            "fieldNumber": 4,
        },
        "failingSignature": {
            "dataType": "bytes",
            "minLength": ED25519_SIGNATURE_LENGTH,
            "maxLength": ED25519_SIGNATURE_LENGTH,
            "fieldNumber": 5,
        },
    },
}
"""Data of the ``invalidSignature`` event."""

ADDRESS_REQUEST_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/addressRequest",
    "type": "object",
    "properties": {"address": {"type": "string", "format": "klayr32"}},
    "required": ["address"],
}

TRANSACTION_REQUEST_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/transactionRequest",
    "type": "object",
    "properties": {"transaction": {"type": "string", "format": "hex"}},
    "required": ["transaction"],
}

VERIFY_RESULT_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/verifyResult",
    "type": "object",
    "properties": {"verified": {"type": "boolean"}},
    "required": ["verified"],
}


def _key_signature_pairs(
    key_field: int, signature_field: int, min_signature: int, min_items: int
) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["publicKey", "signature"],
            "properties": {
                "publicKey": {
                    "type": "string",
                    "minLength": ED25519_PUBLIC_KEY_LENGTH * 2,
                    "maxLength": ED25519_PUBLIC_KEY_LENGTH * 2,
                    "fieldNumber": key_field,
                },
                "signature": {
                    "type": "string",
                    "minLength": min_signature,
                    "maxLength": ED25519_SIGNATURE_LENGTH * 2,
                    "fieldNumber": signature_field,
                },
            },
        },
        "minItems": min_items,
        "maxItems": MAX_NUMBER_OF_SIGNATURES,
    }


SORT_MULTISIGNATURE_GROUP_REQUEST_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/command/sortMultisig",
    "required": ["mandatory", "optional"],
    "type": "object",
    "properties": {
        "mandatory": _key_signature_pairs(1, 2, ED25519_SIGNATURE_LENGTH * 2, 1),
        "optional": _key_signature_pairs(3, 4, 0, 0),
    },
}

SORT_MULTISIGNATURE_GROUP_RESPONSE_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/sortMultisignatureGroupResponse",
    "type": "object",
    "properties": {
        "mandatoryKeys": _keys(1, bounded=True),
        "optionalKeys": _keys(2, bounded=True),
        "signatures": _signatures(3),
    },
    "required": ["mandatoryKeys", "optionalKeys", "signatures"],
}

MULTISIG_REG_MSG_TAG_SCHEMA: Final[dict[str, Any]] = {
    "$id": "/auth/mutliSignatureRegistrationSignatureMessageTagResponse",
    "type": "object",
    "properties": {"tag": {"type": "string"}},
    "required": ["tag"],
}


class AuthAccount(KlayrModel):
    """An account's auth data: its next nonce and its multisignature keys (none: single key).

    ``number_of_signatures == 0`` means a single-signature account, signed by the key of its
    address; otherwise every mandatory key and enough optional keys must sign.
    """

    nonce: UInt64
    number_of_signatures: UInt32
    mandatory_keys: list[bytes]
    optional_keys: list[bytes]

    @property
    def is_multisignature(self) -> bool:
        """Whether transactions of this account need its registered keys' signatures."""
        return self.number_of_signatures != 0


def default_auth_account() -> dict[str, Any]:
    """The auth data of an account that has none stored yet (Klayr's ``getOrDefault``)."""
    return {"nonce": 0, "numberOfSignatures": 0, "mandatoryKeys": [], "optionalKeys": []}
