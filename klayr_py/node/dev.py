"""A development chain in one call: deterministic keys, funded accounts, a genesis block.

What ``klayr-py genesis create`` and the hello example use; Klayr's counterpart is the
``genesis-block:create`` command with ``dev-validators.json``. The keys derive from public
passphrases: never use them for anything of value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from klayr_py import codec
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key, get_klayr32_address_from_address
from klayr_py.modules.auth import GENESIS_AUTH_STORE_SCHEMA
from klayr_py.modules.token import GENESIS_TOKEN_STORE_SCHEMA
from klayr_py.modules.validators import GENESIS_SCHEMA as VALIDATORS_GENESIS_SCHEMA
from klayr_py.node.engine import GeneratorKey
from klayr_py.node.secret_file import write_secret_file

__all__ = [
    "DevAccount",
    "dev_account",
    "dev_accounts",
    "dev_genesis_assets",
    "native_token_id",
    "write_generator_keys",
]


@dataclass(frozen=True)
class DevAccount:
    """A deterministic account: its passphrase, keys and address."""

    passphrase: str
    public_key: bytes
    private_key: bytes
    address: bytes

    @property
    def klayr32_address(self) -> str:
        """The address in Klayr32 form (``kly...``)."""
        return get_klayr32_address_from_address(self.address)

    @property
    def generator_key(self) -> GeneratorKey:
        """The account as a validator key (a dev validator forges with its account key)."""
        return GeneratorKey(self.address, self.public_key, self.private_key)


@lru_cache(maxsize=4096)
def dev_account(index: int, label: str = "klayr_py dev account") -> DevAccount:
    """The account of the passphrase ``"<label> <index>"`` (the same keys in every run)."""
    passphrase = f"{label} {index}"
    pair = ed.get_private_and_public_key_from_passphrase(passphrase)
    return DevAccount(
        passphrase, pair.public_key, pair.private_key, get_address_from_public_key(pair.public_key)
    )


def dev_accounts(count: int, label: str = "klayr_py dev account") -> list[DevAccount]:
    """``count`` accounts from the passphrases ``"<label> 0"``, ``"<label> 1"``..."""
    return [dev_account(index, label) for index in range(count)]


def native_token_id(chain_id: bytes) -> bytes:
    """Klayr's native token of a chain: its chain ID followed by four zero bytes."""
    return chain_id + bytes(4)


def dev_genesis_assets(
    chain_id: bytes,
    validators: Sequence[DevAccount],
    balances: Sequence[tuple[bytes, int]],
) -> dict[str, bytes]:
    """Encoded genesis assets of the default modules.

    ``validators`` forge in turn (weight 1 each); ``balances`` fund addresses with the native
    token, whose total supply is their sum.
    """
    token_id = native_token_id(chain_id)
    token = {
        "userSubstore": [
            {
                "address": address,
                "tokenID": token_id,
                "availableBalance": amount,
                "lockedBalances": [],
            }
            for address, amount in sorted(balances)
        ],
        "supplySubstore": [
            {"tokenID": token_id, "totalSupply": sum(amount for _, amount in balances)}
        ],
        "escrowSubstore": [],
        "supportedTokensSubstore": [],
    }
    validators_asset = {
        "validators": [
            {
                "address": account.address,
                "generatorKey": account.public_key,
                "blsKey": b"",
                "bftWeight": 1,
            }
            for account in validators
        ],
        "preCommitThreshold": 0,
        "certificateThreshold": 0,
    }
    return {
        "auth": codec.encode(GENESIS_AUTH_STORE_SCHEMA, {"authDataSubstore": []}),
        "token": codec.encode(GENESIS_TOKEN_STORE_SCHEMA, token),
        "validators": codec.encode(VALIDATORS_GENESIS_SCHEMA, validators_asset),
    }


def write_generator_keys(path: str | Path, validators: Sequence[DevAccount]) -> None:
    """Write Klayr's generator keys file (``{"keys": [{"address", "plain": {...}}]}``)."""
    keys: list[dict[str, Any]] = [
        {
            "address": account.klayr32_address,
            "plain": {
                "generatorKey": account.public_key.hex(),
                "generatorPrivateKey": account.private_key.hex(),
                "blsKey": "",
                "blsPrivateKey": "",
            },
        }
        for account in validators
    ]
    # Plain private keys: owner-only (0600), never world-readable.
    write_secret_file(path, json.dumps({"keys": keys}, indent=2) + "\n")
