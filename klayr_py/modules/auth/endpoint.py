"""Read-only queries of the auth module, served as ``auth_getAuthAccount`` and so on."""

from __future__ import annotations

from typing import Any, ClassVar

from klayr_py import validator
from klayr_py.contexts import EndpointContext
from klayr_py.crypto.address import get_address_from_klayr32_address
from klayr_py.modules import BaseEndpoint, VerifyStatus
from klayr_py.modules.auth.constants import MESSAGE_TAG_MULTISIG_REG
from klayr_py.modules.auth.errors import InvalidSignatureError
from klayr_py.modules.auth.schemas import (
    ADDRESS_REQUEST_SCHEMA,
    AUTH_ACCOUNT_SCHEMA,
    MULTISIG_REG_MSG_SCHEMA,
    MULTISIG_REG_MSG_TAG_SCHEMA,
    SORT_MULTISIGNATURE_GROUP_REQUEST_SCHEMA,
    SORT_MULTISIGNATURE_GROUP_RESPONSE_SCHEMA,
    TRANSACTION_REQUEST_SCHEMA,
    VERIFY_RESULT_SCHEMA,
)
from klayr_py.modules.auth.stores.auth_account import AuthAccountStore
from klayr_py.modules.auth.utils import transaction_from_parameter, verify_nonce, verify_signatures

ENDPOINT_ORDER = (
    "get_auth_account",
    "is_valid_nonce",
    "is_valid_signature",
    "get_multi_sig_reg_msg_schema",
    "sort_multisignature_group",
    "get_multi_sig_reg_msg_tag",
)
"""Klayr's order of the endpoints in the module metadata."""


class AuthEndpoint(BaseEndpoint):
    """Endpoints of the auth module (Klayr's ``AuthEndpoint``)."""

    request_schemas: ClassVar[dict[str, dict[str, Any]]] = {
        "get_auth_account": ADDRESS_REQUEST_SCHEMA,
        "is_valid_nonce": TRANSACTION_REQUEST_SCHEMA,
        "is_valid_signature": TRANSACTION_REQUEST_SCHEMA,
        "sort_multisignature_group": SORT_MULTISIGNATURE_GROUP_REQUEST_SCHEMA,
    }
    response_schemas: ClassVar[dict[str, dict[str, Any]]] = {
        "get_auth_account": AUTH_ACCOUNT_SCHEMA,
        "is_valid_nonce": VERIFY_RESULT_SCHEMA,
        "is_valid_signature": VERIFY_RESULT_SCHEMA,
        "get_multi_sig_reg_msg_schema": MULTISIG_REG_MSG_SCHEMA,
        "sort_multisignature_group": SORT_MULTISIGNATURE_GROUP_RESPONSE_SCHEMA,
        "get_multi_sig_reg_msg_tag": MULTISIG_REG_MSG_TAG_SCHEMA,
    }

    def get_auth_account(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{nonce: "decimal", numberOfSignatures, mandatoryKeys: [hex], optionalKeys: [hex]}``."""
        address = ctx.params.get("address")
        if not isinstance(address, str):
            raise ValueError("Invalid address format.")
        account = self.stores.get(AuthAccountStore).get_or_default(
            ctx, get_address_from_klayr32_address(address)
        )
        return {
            "nonce": str(account["nonce"]),
            "numberOfSignatures": account["numberOfSignatures"],
            "mandatoryKeys": [key.hex() for key in account["mandatoryKeys"]],
            "optionalKeys": [key.hex() for key in account["optionalKeys"]],
        }

    def is_valid_signature(self, ctx: EndpointContext) -> dict[str, bool]:
        """Whether the hex ``transaction``'s signatures satisfy its sender's account (LIP 0041)."""
        transaction = transaction_from_parameter(ctx.params.get("transaction"))
        store = self.stores.get(AuthAccountStore)
        account = store.get_or_default(ctx, transaction.sender_address)
        try:
            verify_signatures(transaction, ctx.chain_id, account)
        except InvalidSignatureError:
            return {"verified": False}
        return {"verified": True}

    def is_valid_nonce(self, ctx: EndpointContext) -> dict[str, bool]:
        """Whether the hex ``transaction``'s nonce is exactly its sender's next nonce."""
        transaction = transaction_from_parameter(ctx.params.get("transaction"))
        store = self.stores.get(AuthAccountStore)
        account = store.get_or_default(ctx, transaction.sender_address)
        return {"verified": verify_nonce(transaction, account).status is VerifyStatus.OK}

    def get_multi_sig_reg_msg_schema(self, ctx: EndpointContext) -> dict[str, Any]:
        """The schema of the message each key signs to join a multisignature group."""
        return {"schema": MULTISIG_REG_MSG_SCHEMA}

    def sort_multisignature_group(self, ctx: EndpointContext) -> dict[str, list[str]]:
        """Sort key/signature pairs by key, as ``registerMultisignature`` params need them."""
        validator.validate(SORT_MULTISIGNATURE_GROUP_REQUEST_SCHEMA, ctx.params)
        mandatory = sorted(ctx.params["mandatory"], key=lambda pair: pair["publicKey"])
        optional = sorted(ctx.params["optional"], key=lambda pair: pair["publicKey"])
        return {
            "mandatoryKeys": [pair["publicKey"] for pair in mandatory],
            "optionalKeys": [pair["publicKey"] for pair in optional],
            "signatures": [pair["signature"] for pair in (*mandatory, *optional)],
        }

    def get_multi_sig_reg_msg_tag(self, ctx: EndpointContext) -> dict[str, str]:
        """The tag of multisignature registration signatures: ``KLY_RMSG_``."""
        return {"tag": MESSAGE_TAG_MULTISIG_REG}
