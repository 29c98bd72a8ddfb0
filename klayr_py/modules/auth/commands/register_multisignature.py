"""``auth:registerMultisignature``: turn the sender into a multisignature account (LIP 0041)."""

from __future__ import annotations

from typing import Any

from klayr_py import codec
from klayr_py.contexts import CommandExecuteContext, CommandVerifyContext
from klayr_py.crypto.ed import verify_data
from klayr_py.errors import CryptoError
from klayr_py.modules import BaseCommand, VerificationResult
from klayr_py.modules.auth.constants import MAX_NUMBER_OF_SIGNATURES, MESSAGE_TAG_MULTISIG_REG
from klayr_py.modules.auth.events.invalid_signature import InvalidSignatureEvent
from klayr_py.modules.auth.events.multisignature_registration import (
    MultisignatureRegistrationEvent,
)
from klayr_py.modules.auth.schemas import (
    MULTISIG_REG_MSG_SCHEMA,
    REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
)
from klayr_py.modules.auth.stores.auth_account import AuthAccountStore

_REG_MESSAGE = codec.compile_schema(MULTISIG_REG_MSG_SCHEMA)


def _unique(keys: list[bytes]) -> bool:
    return len(set(keys)) == len(keys)


class RegisterMultisignatureCommand(BaseCommand[dict[str, Any]]):
    """Register mandatory and optional keys and the number of signatures transactions need.

    Every key signs the registration message (address, nonce, group) with tag ``KLY_RMSG_``, so
    nobody is put in a group without consent.
    """

    schema = REGISTER_MULTISIGNATURE_PARAMS_SCHEMA
    _max_number_of_signatures: int = MAX_NUMBER_OF_SIGNATURES

    def init(self, max_number_of_signatures: int = MAX_NUMBER_OF_SIGNATURES) -> None:
        """Apply the module config's ``maxNumberOfSignatures``."""
        self._max_number_of_signatures = max_number_of_signatures

    def verify(self, ctx: CommandVerifyContext[dict[str, Any]]) -> VerificationResult:
        """Klayr's static rules on the group, in Klayr's order with Klayr's messages."""
        params = ctx.params
        mandatory: list[bytes] = params["mandatoryKeys"]
        optional: list[bytes] = params["optionalKeys"]
        required: int = params["numberOfSignatures"]
        count = len(mandatory) + len(optional)
        limit = self._max_number_of_signatures
        if not _unique(mandatory):
            return VerificationResult.fail("MandatoryKeys contains duplicate public keys.")
        if not _unique(optional):
            return VerificationResult.fail("OptionalKeys contains duplicate public keys.")
        if count < required:
            return VerificationResult.fail(
                "The numberOfSignatures is bigger than the count of Mandatory and Optional keys."
            )
        if count > limit or count < 1:
            return VerificationResult.fail(
                f"The count of Mandatory and Optional keys should be between 1 and {limit}."
            )
        if len(mandatory) > required:
            return VerificationResult.fail(
                "The numberOfSignatures needs to be equal or bigger than the number of "
                "Mandatory keys."
            )
        if set(mandatory) & set(optional):
            return VerificationResult.fail(
                "Invalid combination of Mandatory and Optional keys. Repeated keys across "
                "Mandatory and Optional were found."
            )
        if count != len(params["signatures"]):
            return VerificationResult.fail(
                "The number of mandatory and optional keys should match the number of signatures"
            )
        if mandatory != sorted(mandatory):
            return VerificationResult.fail("Mandatory keys should be sorted lexicographically.")
        if optional != sorted(optional):
            return VerificationResult.fail("Optional keys should be sorted lexicographically.")
        return VerificationResult.ok()

    def execute(self, ctx: CommandExecuteContext[dict[str, Any]]) -> None:
        """Check every key's signature of the registration, then store the group and log it."""
        params, transaction = ctx.params, ctx.transaction
        sender = transaction.sender_address
        group = {
            "numberOfSignatures": params["numberOfSignatures"],
            "mandatoryKeys": params["mandatoryKeys"],
            "optionalKeys": params["optionalKeys"],
        }
        message = _REG_MESSAGE.encode({"address": sender, "nonce": transaction.nonce, **group})
        keys = [*params["mandatoryKeys"], *params["optionalKeys"]]
        for key, signature in zip(keys, params["signatures"], strict=True):
            try:
                valid = verify_data(MESSAGE_TAG_MULTISIG_REG, ctx.chain_id, message, signature, key)
            except CryptoError:
                valid = False
            if not valid:
                self.events.get(InvalidSignatureEvent).error(
                    ctx, sender, {**group, "failingPublicKey": key, "failingSignature": signature}
                )
                raise ValueError(f"Invalid signature for public key {key.hex()}.")
        store = self.stores.get(AuthAccountStore)
        account = store.get(ctx, sender)
        store.set(ctx, sender, {**account, **group})
        self.events.get(MultisignatureRegistrationEvent).log(ctx, sender, group)
