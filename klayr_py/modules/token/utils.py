"""Small helpers shared by the token module's parts (Klayr's ``token/utils.ts`` and more)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from klayr_py.modules.token.constants import CHAIN_ID_LENGTH, LOCAL_ID_LENGTH


def split_token_id(token_id: bytes) -> tuple[bytes, bytes]:
    """A token ID's chain ID (4 bytes) and local ID (4 bytes)."""
    if len(token_id) != CHAIN_ID_LENGTH + LOCAL_ID_LENGTH:
        raise ValueError(f"token ID must be 8 bytes, got {len(token_id)}")
    return token_id[:CHAIN_ID_LENGTH], token_id[CHAIN_ID_LENGTH:]


def get_mainchain_id(chain_id: bytes) -> bytes:
    """The mainchain ID of ``chain_id``'s network: its first byte, then three zero bytes."""
    return chain_id[:1] + bytes(CHAIN_ID_LENGTH - 1)


def module_order_key(module: str) -> tuple[str, tuple[bool, ...]]:
    """Sort key of module names approximating JavaScript's ``localeCompare(other, 'en')``.

    Klayr sorts locked balances that way. For the ASCII letters and digits module names use,
    ICU's English order compares case-insensitively first (digits before letters), then puts a
    lowercase letter before its uppercase form at the first difference.
    """
    return module.lower(), tuple(char.isupper() for char in module)


def genesis_config_value(genesis_config: Any, attribute: str, key: str) -> Any:
    """``genesis_config.<attribute>`` or ``genesis_config[key]`` (object or dict), else None.

    The application's genesis config type is not settled yet: accept both shapes.
    """
    if genesis_config is None:
        return None
    if isinstance(genesis_config, Mapping):
        return genesis_config.get(key, genesis_config.get(attribute))
    return getattr(genesis_config, attribute, None)


def chain_id_from_genesis_config(genesis_config: Any) -> bytes | None:
    """The chain ID in the genesis config (``chain_id`` / ``chainID``; bytes or hex), if any."""
    value = genesis_config_value(genesis_config, "chain_id", "chainID")
    if value is None:
        return None
    chain_id = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if len(chain_id) != CHAIN_ID_LENGTH:
        raise ValueError(f"genesis config chainID must be {CHAIN_ID_LENGTH} bytes")
    return chain_id
