"""The token module's genesis asset: checked and written as Klayr's ``initGenesisState`` does."""

from __future__ import annotations

from typing import Any

from klayr_py import codec, validator
from klayr_py.contexts import GenesisBlockExecuteContext
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.interfaces import WritableContext
from klayr_py.modules import NamedRegistry
from klayr_py.modules.token.constants import (
    ADDRESS_LENGTH,
    CHAIN_ID_LENGTH,
    MAX_UINT64,
    TOKEN_ID_LENGTH,
)
from klayr_py.modules.token.errors import TokenError
from klayr_py.modules.token.schemas import (
    GENESIS_TOKEN_STORE_SCHEMA,
    EscrowStoreData,
    SupplyStoreData,
    SupportedTokensStoreData,
    UserStoreData,
)
from klayr_py.modules.token.stores import (
    EscrowStore,
    SupplyStore,
    SupportedTokensStore,
    UserStore,
)
from klayr_py.modules.token.utils import module_order_key

_USER_KEY = ADDRESS_LENGTH + TOKEN_ID_LENGTH
_ESCROW_KEY = CHAIN_ID_LENGTH + TOKEN_ID_LENGTH


def init_genesis_state(
    stores: NamedRegistry[Any], ctx: GenesisBlockExecuteContext, asset: bytes
) -> None:
    """Decode, validate and write the asset; raise TokenError naming the first broken rule."""
    genesis = codec.decode(GENESIS_TOKEN_STORE_SCHEMA, asset)
    validator.validate(GENESIS_TOKEN_STORE_SCHEMA, genesis)
    _write_users(stores.get(UserStore), ctx, genesis["userSubstore"])
    _write_supplies(stores.get(SupplyStore), ctx, genesis["supplySubstore"])
    _write_escrows(stores.get(EscrowStore), ctx, genesis["escrowSubstore"])
    _write_supported(stores.get(SupportedTokensStore), ctx, genesis["supportedTokensSubstore"])
    _check_supply(stores, ctx)


def _write_users(users: UserStore, ctx: WritableContext, entries: list[dict[str, Any]]) -> None:
    keys = [users.get_key(e["address"], e["tokenID"]) for e in entries]
    seen: set[bytes] = set()
    for entry, key in zip(entries, keys, strict=True):
        klayr32 = get_klayr32_address_from_address(entry["address"])
        if key in seen:
            raise TokenError(
                f"Address {klayr32} and tokenID {entry['tokenID'].hex()} pair is duplicated."
            )
        seen.add(key)
    if keys != sorted(keys):
        raise TokenError("UserSubstore must be sorted by address and tokenID.")
    for entry in entries:
        klayr32 = get_klayr32_address_from_address(entry["address"])
        modules = [locked["module"] for locked in entry["lockedBalances"]]
        if any(locked["amount"] == 0 for locked in entry["lockedBalances"]):
            raise TokenError(f"Address {klayr32} contains 0 amount locked balance.")
        order = [module_order_key(module) for module in modules]
        if order != sorted(order):
            raise TokenError("Locked balances must be sorted by module.")
        if len(set(modules)) != len(modules):
            raise TokenError(f"Address {klayr32} has duplicate module in locked balances.")
        users.save(
            ctx,
            entry["address"],
            entry["tokenID"],
            UserStoreData.model_validate(
                {
                    "availableBalance": entry["availableBalance"],
                    "lockedBalances": entry["lockedBalances"],
                }
            ),
        )


def _write_supplies(
    supplies: SupplyStore, ctx: WritableContext, entries: list[dict[str, Any]]
) -> None:
    token_ids = [entry["tokenID"] for entry in entries]
    if len(set(token_ids)) != len(token_ids):
        duplicate = next(t for t in token_ids if token_ids.count(t) > 1)
        raise TokenError(f"Supply store token ID {duplicate.hex()} is duplicated.")
    if token_ids != sorted(token_ids):
        raise TokenError("SupplySubstore must be sorted by tokenID.")
    for entry in entries:
        supplies.set(ctx, entry["tokenID"], SupplyStoreData(total_supply=entry["totalSupply"]))


def _write_escrows(
    escrows: EscrowStore, ctx: WritableContext, entries: list[dict[str, Any]]
) -> None:
    keys = [escrows.get_key(e["escrowChainID"], e["tokenID"]) for e in entries]
    if len(set(keys)) != len(keys):
        duplicate = next(k for k in keys if keys.count(k) > 1)
        raise TokenError(
            f"Escrow store escrowChainID {duplicate[:CHAIN_ID_LENGTH].hex()} and tokenID "
            f"{duplicate[CHAIN_ID_LENGTH:].hex()} pair is duplicated."
        )
    if keys != sorted(keys):
        raise TokenError("EscrowSubstore must be sorted by escrowChainID and tokenID.")
    for entry, key in zip(entries, keys, strict=True):
        escrows.set(ctx, key, EscrowStoreData(amount=entry["amount"]))


def _write_supported(
    supported: SupportedTokensStore, ctx: WritableContext, entries: list[dict[str, Any]]
) -> None:
    if not entries:
        return
    if len(entries) == 1 and not entries[0]["chainID"]:
        if entries[0]["supportedTokenIDs"]:
            raise TokenError(
                "supportedTokenIds must be an empty array when all tokens are supported."
            )
        supported.support_all(ctx)
        return
    chain_ids = [entry["chainID"] for entry in entries]
    seen: set[bytes] = set()
    for index, entry in enumerate(entries):
        chain_id, token_ids = entry["chainID"], entry["supportedTokenIDs"]
        if len(chain_id) != CHAIN_ID_LENGTH:
            raise TokenError(
                f"supportedTokensSubstore chainIDs must be of length {CHAIN_ID_LENGTH}."
            )
        if chain_id in seen:
            raise TokenError(f"supportedTokenIDsSet chain ID {chain_id.hex()} is duplicated.")
        seen.add(chain_id)
        if chain_id != sorted(chain_ids)[index]:
            raise TokenError("supportedTokensSubstore must be sorted by chainID.")
        if len(set(token_ids)) != len(token_ids) or token_ids != sorted(token_ids):
            raise TokenError(
                "supportedTokensSubstore tokenIDs must be unique and sorted by lexicographically."
            )
        if any(token_id[:CHAIN_ID_LENGTH] != chain_id for token_id in token_ids):
            raise TokenError("supportedTokensSubstore tokenIDs must match the chainID.")
        supported.set(ctx, chain_id, SupportedTokensStoreData(supported_token_ids=token_ids))


def _check_supply(stores: NamedRegistry[Any], ctx: GenesisBlockExecuteContext) -> None:
    """Every native token's stored supply equals the sum of its balances, locks and escrows."""
    computed: dict[bytes, int] = {}
    users: UserStore = stores.get(UserStore)
    for key, account in users.iterate(ctx, gte=bytes(_USER_KEY), lte=b"\xff" * _USER_KEY):
        token_id = key[ADDRESS_LENGTH:]
        if token_id[:CHAIN_ID_LENGTH] == ctx.chain_id:
            locked = sum(entry.amount for entry in account.locked_balances)
            computed[token_id] = computed.get(token_id, 0) + account.available_balance + locked
    escrows: EscrowStore = stores.get(EscrowStore)
    for key, escrow in escrows.iterate(ctx, gte=bytes(_ESCROW_KEY), lte=b"\xff" * _ESCROW_KEY):
        token_id = key[CHAIN_ID_LENGTH:]
        computed[token_id] = computed.get(token_id, 0) + escrow.amount
    for token_id, supply in computed.items():
        if supply > MAX_UINT64:
            raise TokenError(f"Total supply for tokenID: {token_id.hex()} exceeds uint64 range.")
    supplies: SupplyStore = stores.get(SupplyStore)
    stored = {entry.key: entry.value.total_supply for entry in supplies.get_all(ctx)}
    for token_id, supply in computed.items():
        # Klayr tests ``!stored``: a stored supply of 0 conflicts too, even with a computed 0.
        if not stored.get(token_id) or stored[token_id] != supply:
            raise TokenError("Stored total supply conflicts with computed supply.")
    for token_id, supply in stored.items():
        if token_id not in computed and supply != 0:
            raise TokenError("Stored total supply is non zero but cannot be computed.")
