"""The default ``auth`` module: nonces, signatures and multisignature accounts (Klayr SDK v6).

Register it first in an application: it verifies every transaction's nonce and signatures and
consumes the nonce before any command runs.
"""

from klayr_py.modules.auth.commands.register_multisignature import (
    RegisterMultisignatureCommand,
)
from klayr_py.modules.auth.constants import MESSAGE_TAG_MULTISIG_REG
from klayr_py.modules.auth.endpoint import AuthEndpoint
from klayr_py.modules.auth.errors import InvalidNonceError, InvalidSignatureError
from klayr_py.modules.auth.events.invalid_signature import InvalidSignatureEvent
from klayr_py.modules.auth.events.multisignature_registration import (
    MultisignatureRegistrationEvent,
)
from klayr_py.modules.auth.method import AuthMethod
from klayr_py.modules.auth.module import AuthModule
from klayr_py.modules.auth.schemas import (
    AUTH_ACCOUNT_SCHEMA,
    GENESIS_AUTH_STORE_SCHEMA,
    MULTISIG_REG_MSG_SCHEMA,
    REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
    AuthAccount,
)
from klayr_py.modules.auth.stores.auth_account import AuthAccountStore
from klayr_py.modules.auth.utils import verify_nonce, verify_signatures

__all__ = [
    "AUTH_ACCOUNT_SCHEMA",
    "GENESIS_AUTH_STORE_SCHEMA",
    "MESSAGE_TAG_MULTISIG_REG",
    "MULTISIG_REG_MSG_SCHEMA",
    "REGISTER_MULTISIGNATURE_PARAMS_SCHEMA",
    "AuthAccount",
    "AuthAccountStore",
    "AuthEndpoint",
    "AuthMethod",
    "AuthModule",
    "InvalidNonceError",
    "InvalidSignatureError",
    "InvalidSignatureEvent",
    "MultisignatureRegistrationEvent",
    "RegisterMultisignatureCommand",
    "verify_nonce",
    "verify_signatures",
]
