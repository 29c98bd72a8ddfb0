"""Constants of the auth module (Klayr's ``framework/src/modules/auth/constants.ts``)."""

from __future__ import annotations

from typing import Final

from klayr_py.crypto.utils import TAG_TRANSACTION

MODULE_NAME: Final = "auth"
COMMAND_NAME_REGISTER_MULTISIGNATURE_GROUP: Final = "registerMultisignature"
MAX_NUMBER_OF_SIGNATURES: Final = 64
"""Most keys a multisignature account may register (and the default config)."""

MESSAGE_TAG_MULTISIG_REG: Final = "KLY_RMSG_"
"""Tag of the signatures of each key over a multisignature registration message."""
MESSAGE_TAG_TRANSACTION: Final = TAG_TRANSACTION.encode("utf-8")
"""``KLY_TX_`` as bytes: the prefix of every transaction signature's tagged message."""

ADDRESS_LENGTH: Final = 20
ED25519_PUBLIC_KEY_LENGTH: Final = 32
ED25519_SIGNATURE_LENGTH: Final = 64

DEFAULT_CONFIG: Final = {"maxNumberOfSignatures": MAX_NUMBER_OF_SIGNATURES}
