"""Read-only queries, served as ``token_getBalance`` ...; JSON as Klayr's (amounts as strings)."""

from __future__ import annotations

from typing import Any, ClassVar

from klayr_py.contexts import EndpointContext
from klayr_py.crypto.address import get_address_from_klayr32_address
from klayr_py.errors import NotFoundError
from klayr_py.modules import BaseEndpoint
from klayr_py.modules.token.constants import CHAIN_ID_LENGTH, TOKEN_ID_LENGTH
from klayr_py.modules.token.schemas import REQUEST_SCHEMAS, RESPONSE_SCHEMAS, UserStoreData
from klayr_py.modules.token.stores import (
    EscrowStore,
    SupplyStore,
    SupportedTokensStore,
    UserStore,
)


def _balance_json(account: UserStoreData) -> dict[str, Any]:
    return {
        "availableBalance": str(account.available_balance),
        "lockedBalances": [
            {"amount": str(entry.amount), "module": entry.module}
            for entry in account.locked_balances
        ],
    }


class TokenEndpoint(BaseEndpoint):
    """Endpoints of the token module (Klayr SDK v6's ``TokenEndpoint``)."""

    request_schemas: ClassVar[dict[str, dict[str, Any]]] = REQUEST_SCHEMAS
    response_schemas: ClassVar[dict[str, dict[str, Any]]] = RESPONSE_SCHEMAS

    # Set by the module's init (attributes, not methods: every public method is an endpoint).
    user_account_initialization_fee: int = 0
    escrow_account_initialization_fee: int = 0

    def get_balance(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{availableBalance, lockedBalances}`` of ``address`` in ``tokenID`` (zero if none)."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        token_id = bytes.fromhex(ctx.params["tokenID"])
        try:
            account = self.stores.get(UserStore).get_account(ctx, address, token_id)
        except NotFoundError:
            return {"availableBalance": "0", "lockedBalances": []}
        return _balance_json(account)

    def get_balances(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{balances: [{tokenID, availableBalance, lockedBalances}]}`` of ``address``."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        return {
            "balances": [
                {"tokenID": token_id.hex(), **_balance_json(account)}
                for token_id, account in self.stores.get(UserStore).accounts_of(ctx, address)
            ]
        }

    def get_total_supply(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{totalSupply: [{tokenID, totalSupply}]}`` of every native token."""
        return {
            "totalSupply": [
                {"tokenID": entry.key.hex(), "totalSupply": str(entry.value.total_supply)}
                for entry in self.stores.get(SupplyStore).get_all(ctx)
            ]
        }

    def get_supported_tokens(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{supportedTokens: [...]}``: ``["*"]``, or KLY, native tokens and listed ones.

        (Klayr's response schema says ``tokenIDs``, its code returns ``supportedTokens``; we
        follow the code, which is what clients see.)
        """
        supported = self.stores.get(SupportedTokensStore)
        if supported.all_supported(ctx):
            return {"supportedTokens": ["*"]}
        tokens = [(ctx.chain_id[:1] + bytes(TOKEN_ID_LENGTH - 1)).hex()]
        tokens += [entry.key.hex() for entry in self.stores.get(SupplyStore).get_all(ctx)]
        for entry in supported.get_all(ctx):
            if not entry.value.supported_token_ids:
                tokens.append(entry.key.hex() + "********")  # every token of that chain
            else:
                tokens += [token_id.hex() for token_id in entry.value.supported_token_ids]
        return {"supportedTokens": tokens}

    def is_supported(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{supported}``: whether accounts here may hold ``tokenID``."""
        token_id = bytes.fromhex(ctx.params["tokenID"])
        return {"supported": self.stores.get(SupportedTokensStore).is_supported(ctx, token_id)}

    def get_escrowed_amounts(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{escrowedAmounts: [{escrowChainID, tokenID, amount}]}`` (genesis escrows only)."""
        entries = self.stores.get(EscrowStore).iterate(
            ctx, gte=bytes(TOKEN_ID_LENGTH), lte=b"\xff" * TOKEN_ID_LENGTH
        )
        return {
            "escrowedAmounts": [
                {
                    "escrowChainID": entry.key[:CHAIN_ID_LENGTH].hex(),
                    "amount": str(entry.value.amount),
                    "tokenID": entry.key[CHAIN_ID_LENGTH:].hex(),
                }
                for entry in entries
            ]
        }

    def get_initialization_fees(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{userAccount, escrowAccount}``: the configured account initialization fees."""
        return {
            "userAccount": str(self.user_account_initialization_fee),
            "escrowAccount": str(self.escrow_account_initialization_fee),
        }

    def has_user_account(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{exists}``: whether ``address`` has an account in ``tokenID``."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        token_id = bytes.fromhex(ctx.params["tokenID"])
        return {"exists": self.stores.get(UserStore).account_exists(ctx, address, token_id)}

    def has_escrow_account(self, ctx: EndpointContext) -> dict[str, Any]:
        """``{exists}``: whether ``tokenID`` has an escrow entry for ``escrowChainID``."""
        escrow_chain_id = bytes.fromhex(ctx.params["escrowChainID"])
        token_id = bytes.fromhex(ctx.params["tokenID"])
        store = self.stores.get(EscrowStore)
        return {"exists": store.has(ctx, store.get_key(escrow_chain_id, token_id))}
