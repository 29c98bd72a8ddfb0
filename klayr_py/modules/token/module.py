"""The token module: balances, supply, the ``transfer`` command, and ``TokenMethod``."""

from __future__ import annotations

from typing import Any

from klayr_py import validator
from klayr_py.contexts import GenesisBlockExecuteContext
from klayr_py.modules import BaseModule, ModuleMetadata
from klayr_py.modules.token.commands import TransferCommand
from klayr_py.modules.token.constants import DEFAULT_CONFIG
from klayr_py.modules.token.endpoint import TokenEndpoint
from klayr_py.modules.token.events import (
    BurnEvent,
    InitializeTokenEvent,
    InitializeUserAccountEvent,
    LockEvent,
    MintEvent,
    TransferEvent,
    UnlockEvent,
)
from klayr_py.modules.token.genesis import init_genesis_state
from klayr_py.modules.token.internal_method import FeeMethodLike, InternalMethod
from klayr_py.modules.token.method import TokenMethod
from klayr_py.modules.token.schemas import CONFIG_SCHEMA, GENESIS_TOKEN_STORE_SCHEMA
from klayr_py.modules.token.stores import (
    EscrowStore,
    SupplyStore,
    SupportedTokensStore,
    UserStore,
)
from klayr_py.modules.token.utils import chain_id_from_genesis_config


class TokenModule(BaseModule):
    """``token``: Klayr SDK v6's token module for a single chain (no cross-chain transfers)."""

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(UserStore, UserStore(self.name, 0))
        self.stores.register(SupplyStore, SupplyStore(self.name, 1))
        self.stores.register(EscrowStore, EscrowStore(self.name, 2))
        self.stores.register(SupportedTokensStore, SupportedTokensStore(self.name, 3))
        for event in (
            TransferEvent,
            MintEvent,
            BurnEvent,
            LockEvent,
            UnlockEvent,
            InitializeTokenEvent,
            InitializeUserAccountEvent,
        ):
            self.events.register(event, event(self.name))
        self.internal_method = InternalMethod(self.stores, self.events)
        self.method: TokenMethod = TokenMethod(self.stores, self.events, self.name)
        self.endpoint: TokenEndpoint = TokenEndpoint(self.stores, self.offchain_stores)
        self.transfer_command = TransferCommand(self.stores, self.events)
        self.commands = [self.transfer_command]
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)

    def add_dependencies(self, fee_method: FeeMethodLike) -> None:
        """Wire the fee module's method: it charges account initialization fees."""
        self.internal_method.fee_method = fee_method

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Merge and validate the config; learn the chain ID from the genesis config.

        ``genesis_config`` may be an object with ``chain_id`` or a dict with ``chainID`` (bytes
        or hex). Without it, native-token operations (mint, initialize_token) raise.
        """
        config = {**DEFAULT_CONFIG, **module_config}
        validator.validate(CONFIG_SCHEMA, config)
        self.config = config
        user_fee = int(config["userAccountInitializationFee"])
        escrow_fee = int(config["escrowAccountInitializationFee"])
        own_chain_id = chain_id_from_genesis_config(genesis_config)
        self.internal_method.user_account_initialization_fee = user_fee
        self.internal_method.escrow_account_initialization_fee = escrow_fee
        self.endpoint.user_account_initialization_fee = user_fee
        self.endpoint.escrow_account_initialization_fee = escrow_fee
        self.stores.get(SupportedTokensStore).own_chain_id = own_chain_id
        self.method.init(own_chain_id, self.internal_method)
        self.transfer_command.init(self.method, self.internal_method)

    def metadata(self) -> ModuleMetadata:
        """The base metadata plus the genesis asset schema (version 0)."""
        metadata = self.base_metadata()
        metadata.assets = [{"version": 0, "data": GENESIS_TOKEN_STORE_SCHEMA}]
        return metadata

    def init_genesis_state(self, ctx: GenesisBlockExecuteContext) -> None:
        """Write balances, supplies, escrows and supported tokens from the genesis asset."""
        asset = ctx.assets.get_asset(self.name)
        if asset is None:
            return
        if self.method.own_chain_id is None:
            self.method.own_chain_id = ctx.chain_id
            self.stores.get(SupportedTokensStore).own_chain_id = ctx.chain_id
        init_genesis_state(self.stores, ctx, asset)
