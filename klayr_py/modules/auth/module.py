"""The auth module: nonces and signatures of every transaction, multisignature accounts."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from klayr_py import codec, validator
from klayr_py.contexts import (
    GenesisBlockExecuteContext,
    TransactionExecuteContext,
    TransactionVerifyContext,
)
from klayr_py.modules import BaseModule, ModuleMetadata, VerificationResult, VerifyStatus
from klayr_py.modules.auth.commands.register_multisignature import (
    RegisterMultisignatureCommand,
)
from klayr_py.modules.auth.constants import ADDRESS_LENGTH, DEFAULT_CONFIG
from klayr_py.modules.auth.endpoint import ENDPOINT_ORDER, AuthEndpoint
from klayr_py.modules.auth.errors import InvalidNonceError, InvalidSignatureError
from klayr_py.modules.auth.events.invalid_signature import InvalidSignatureEvent
from klayr_py.modules.auth.events.multisignature_registration import (
    MultisignatureRegistrationEvent,
)
from klayr_py.modules.auth.method import AuthMethod
from klayr_py.modules.auth.schemas import (
    AUTH_ACCOUNT_SCHEMA,
    CONFIG_SCHEMA,
    GENESIS_AUTH_STORE_SCHEMA,
)
from klayr_py.modules.auth.stores.auth_account import AuthAccountStore
from klayr_py.modules.auth.utils import verify_nonce, verify_signatures

_GENESIS = codec.compile_schema(GENESIS_AUTH_STORE_SCHEMA)


class AuthModule(BaseModule):
    """``auth``: checks every transaction's nonce and signatures, bumps the sender's nonce.

    Register it first, as Klayr's application does: its ``verify_transaction`` is what makes a
    transaction the sender's, and its ``before_command_execute`` consumes the nonce.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(AuthAccountStore, AuthAccountStore(self.name, 0))
        self.events.register(
            MultisignatureRegistrationEvent, MultisignatureRegistrationEvent(self.name)
        )
        self.events.register(InvalidSignatureEvent, InvalidSignatureEvent(self.name))
        self.endpoint: AuthEndpoint = AuthEndpoint(self.stores, self.offchain_stores)
        self.method: AuthMethod = AuthMethod(self.stores, self.events)
        self._register_multisignature = RegisterMultisignatureCommand(self.stores, self.events)
        self.commands = [self._register_multisignature]
        self._accounts = self.stores.get(AuthAccountStore)
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def metadata(self) -> ModuleMetadata:
        """Klayr's metadata: endpoints in Klayr's order, and the genesis asset schema."""
        metadata = self.base_metadata()
        order = {to_camel(name): index for index, name in enumerate(ENDPOINT_ORDER)}
        metadata.endpoints.sort(key=lambda entry: order.get(entry["name"], len(order)))
        metadata.assets = [{"version": 0, "data": GENESIS_AUTH_STORE_SCHEMA}]
        return metadata

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Merge ``modules.auth`` over the defaults (``maxNumberOfSignatures`` 64), validate it."""
        config = {**DEFAULT_CONFIG, **module_config}
        validator.validate(CONFIG_SCHEMA, config)
        self.config = config
        self._register_multisignature.init(config["maxNumberOfSignatures"])

    def init_genesis_state(self, ctx: GenesisBlockExecuteContext) -> None:
        """Write the genesis asset's accounts, refusing any Klayr refuses (raises ValueError)."""
        asset = ctx.assets.get_asset(self.name)
        if not asset:
            return
        entries = _GENESIS.decode(asset)["authDataSubstore"]
        limit = self.config["maxNumberOfSignatures"]
        addresses: set[bytes] = set()
        for entry in entries:
            address, account = entry["address"], entry["authAccount"]
            if len(address) != ADDRESS_LENGTH:
                raise ValueError("Invalid store key length for auth module.")
            _check_genesis_account(account, limit)
            self._accounts.set(ctx, address, account)
            addresses.add(address)
        if len(addresses) != len(entries):
            raise ValueError("Duplicate address in the for auth module.")

    def verify_transaction(self, ctx: TransactionVerifyContext) -> VerificationResult:
        """Nonce (FAIL below, PENDING above the account's) and signatures, as Klayr orders them.

        A nonce too low fails before any signature is checked; a future nonce is PENDING only
        if the signatures are right.
        """
        transaction = ctx.transaction
        account = self._accounts.get_or_default(ctx, transaction.sender_address)
        nonce_result = verify_nonce(transaction, account)
        if nonce_result.status is VerifyStatus.FAIL:
            return VerificationResult.fail(
                InvalidNonceError(
                    f"Transaction with id:{transaction.id.hex()} nonce is lower than account "
                    "nonce.",
                    transaction.nonce,
                    account["nonce"],
                )
            )
        try:
            verify_signatures(transaction, ctx.chain_id, account)
        except InvalidSignatureError as error:
            return VerificationResult.fail(error)
        return nonce_result

    def before_command_execute(self, ctx: TransactionExecuteContext) -> None:
        """Consume the nonce: the sender's account (created if new) gets nonce + 1."""
        sender = ctx.transaction.sender_address
        account = self._accounts.get_or_default(ctx, sender)
        account["nonce"] += 1
        self._accounts.set(ctx, sender, account)


def _check_genesis_account(account: dict[str, Any], limit: int) -> None:
    """Klayr's checks of one genesis account, in its order and words."""
    validator.validate(AUTH_ACCOUNT_SCHEMA, account)
    mandatory: list[bytes] = account["mandatoryKeys"]
    optional: list[bytes] = account["optionalKeys"]
    required: int = account["numberOfSignatures"]
    prefix = "Invalid store value for auth module."
    if mandatory != sorted(mandatory):
        raise ValueError(f"{prefix} MandatoryKeys are not sorted lexicographically.")
    if len(set(mandatory)) != len(mandatory):
        raise ValueError(f"{prefix} MandatoryKeys are not unique.")
    if optional != sorted(optional):
        raise ValueError(f"{prefix} OptionalKeys are not sorted lexicographically.")
    if len(set(optional)) != len(optional):
        raise ValueError(f"{prefix} OptionalKeys are not unique.")
    if len(mandatory) + len(optional) > limit:
        raise ValueError(f"The count of Mandatory and Optional keys should be maximum {limit}.")
    if set(mandatory) & set(optional):
        raise ValueError(
            "Invalid combination of Mandatory and Optional keys. Repeated keys across Mandatory "
            "and Optional were found."
        )
    if len(mandatory) + len(optional) < required:
        raise ValueError(
            "The numberOfSignatures is bigger than the count of Mandatory and Optional keys."
        )
    if len(mandatory) > required:
        raise ValueError("The numberOfSignatures is smaller than the count of Mandatory keys.")
