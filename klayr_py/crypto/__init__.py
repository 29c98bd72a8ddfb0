"""Klayr's cryptography: SHA-256, message tags, Ed25519 signatures, addresses and Klayr32.

Byte-compatible with ``@klayr/cryptography`` v4 (Klayr SDK v6). The submodules mirror Klayr's:
``utils`` (hash, tags), ``ed`` (keys, signatures), ``address`` (addresses, Klayr32) and
``encrypt`` (password-encrypted messages, the ``encrypted`` part of keys files).
"""

from klayr_py.crypto import address, ed, encrypt, utils
from klayr_py.crypto.address import (
    get_address_from_klayr32_address,
    get_address_from_public_key,
    get_klayr32_address_from_address,
    get_klayr32_address_from_public_key,
    validate_klayr32_address,
)
from klayr_py.crypto.ed import (
    KeyPair,
    get_key_pair_from_seed,
    get_public_key_from_private_key,
    sign_data_with_private_key,
    verify_data,
)
from klayr_py.crypto.utils import (
    TAG_BLOCK_HEADER,
    TAG_TRANSACTION,
    create_message_tag,
    hash,
    tag_message,
)

__all__ = [
    "TAG_BLOCK_HEADER",
    "TAG_TRANSACTION",
    "KeyPair",
    "address",
    "create_message_tag",
    "ed",
    "encrypt",
    "get_address_from_klayr32_address",
    "get_address_from_public_key",
    "get_key_pair_from_seed",
    "get_klayr32_address_from_address",
    "get_klayr32_address_from_public_key",
    "get_public_key_from_private_key",
    "hash",
    "sign_data_with_private_key",
    "tag_message",
    "utils",
    "validate_klayr32_address",
    "verify_data",
]
