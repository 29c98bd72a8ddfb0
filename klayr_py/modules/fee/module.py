"""The fee module: minimum fees, fee locking during a command, and the fee's split afterwards."""

from __future__ import annotations

from typing import Any, Protocol

from klayr_py import validator
from klayr_py.contexts import TransactionExecuteContext, TransactionVerifyContext
from klayr_py.crypto.address import get_address_from_klayr32_address
from klayr_py.errors import KlayrError
from klayr_py.interfaces import ImmutableStoreGetter, WritableContext
from klayr_py.modules import BaseModule, VerificationResult
from klayr_py.modules.fee.constants import CONTEXT_STORE_KEY_AVAILABLE_FEE, DEFAULT_CONFIG
from klayr_py.modules.fee.endpoint import FeeEndpoint
from klayr_py.modules.fee.events import GeneratorFeeProcessedEvent, InsufficientFeeEvent
from klayr_py.modules.fee.method import FeeConfig, FeeMethod
from klayr_py.modules.fee.schemas import CONFIG_SCHEMA, GeneratorFeeProcessedData
from klayr_py.modules.token.utils import chain_id_from_genesis_config, genesis_config_value


class TokenMethodLike(Protocol):
    """What the fee module needs of the token module (``TokenMethod`` has all of it)."""

    def get_available_balance(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> int: ...
    def user_account_exists(
        self, ctx: ImmutableStoreGetter, address: bytes, token_id: bytes
    ) -> bool: ...
    def lock(
        self, ctx: WritableContext, address: bytes, module: str, token_id: bytes, amount: int
    ) -> None: ...
    def unlock(
        self, ctx: WritableContext, address: bytes, module: str, token_id: bytes, amount: int
    ) -> None: ...
    def transfer(
        self, ctx: WritableContext, sender: bytes, recipient: bytes, token_id: bytes, amount: int
    ) -> None: ...
    def burn(self, ctx: WritableContext, address: bytes, token_id: bytes, amount: int) -> None: ...


class InsufficientTransactionFeeError(KlayrError, ValueError):
    """A transaction's fee is below the minimum fee (raised while executing, as Klayr's)."""


class FeeModule(BaseModule):
    """``fee``: Klayr SDK v6's fee module (without its cross-chain message fees)."""

    def __init__(self) -> None:
        super().__init__()
        self.events.register(GeneratorFeeProcessedEvent, GeneratorFeeProcessedEvent(self.name))
        self.events.register(InsufficientFeeEvent, InsufficientFeeEvent(self.name))
        self.method: FeeMethod = FeeMethod(self.stores, self.events)
        self.endpoint: FeeEndpoint = FeeEndpoint(self.stores, self.offchain_stores)
        self._token_method: TokenMethodLike | None = None
        self.config: FeeConfig | None = None

    def add_dependencies(self, token_method: TokenMethodLike) -> None:
        """Wire the token module's method: fees are locked, burnt and paid through it."""
        self._token_method = token_method

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Merge and validate the config.

        ``feeTokenID`` defaults to the genesis config's chain ID + ``00000000`` (Klayr's
        default). ``minFeePerByte`` comes from the module config, else from the genesis config
        (``min_fee_per_byte`` attribute or ``minFeePerByte`` key), else Klayr's 1000.
        """
        defaults: dict[str, Any] = dict(DEFAULT_CONFIG)
        from_genesis = genesis_config_value(genesis_config, "min_fee_per_byte", "minFeePerByte")
        if from_genesis is not None:
            defaults["minFeePerByte"] = from_genesis
        chain_id = chain_id_from_genesis_config(genesis_config)
        if chain_id is not None:
            defaults["feeTokenID"] = (chain_id + bytes(4)).hex()
        config = {**defaults, **module_config}
        validator.validate(CONFIG_SCHEMA, config)
        pool = config.get("feePoolAddress")
        self.config = FeeConfig(
            fee_token_id=bytes.fromhex(config["feeTokenID"]),
            min_fee_per_byte=config["minFeePerByte"],
            max_block_height_zero_fee_per_byte=config.get("maxBlockHeightZeroFeePerByte", 0),
            fee_pool_address=get_address_from_klayr32_address(pool) if pool else None,
        )
        self.method.init(self.config)
        self.endpoint.config = self.config

    def _ready(self) -> tuple[FeeConfig, TokenMethodLike]:
        if self.config is None or self._token_method is None:
            raise RuntimeError("fee module needs init() and add_dependencies(token_method)")
        return self.config, self._token_method

    def get_min_fee(self, block_height: int, transaction_size: int) -> int:
        """``minFeePerByte`` x size in bytes; 0 below ``maxBlockHeightZeroFeePerByte``."""
        config = self.config
        if config is None:
            raise RuntimeError("fee module needs init()")
        if block_height < config.max_block_height_zero_fee_per_byte:
            return 0
        return config.min_fee_per_byte * transaction_size

    def verify_transaction(self, ctx: TransactionVerifyContext) -> VerificationResult:
        """The fee must cover the minimum fee, and the sender's available balance the fee."""
        config, tokens = self._ready()
        transaction = ctx.transaction
        min_fee = self.get_min_fee(ctx.header.height, len(transaction.get_bytes()))
        if transaction.fee < min_fee:
            return VerificationResult.fail(
                f"Insufficient transaction fee. Minimum required fee is {min_fee}."
            )
        balance = tokens.get_available_balance(
            ctx.get_method_context(), transaction.sender_address, config.fee_token_id
        )
        if transaction.fee > balance:
            return VerificationResult.fail("Insufficient balance.")
        return VerificationResult.ok()

    def before_command_execute(self, ctx: TransactionExecuteContext) -> None:
        """Lock the whole fee; remember what exceeds the minimum fee in the context store."""
        config, tokens = self._ready()
        transaction = ctx.transaction
        min_fee = self.get_min_fee(ctx.header.height, len(transaction.get_bytes()))
        available_fee = transaction.fee - min_fee
        if available_fee < 0:
            raise InsufficientTransactionFeeError(
                f"Insufficient transaction fee. Minimum required fee is {min_fee}."
            )
        tokens.lock(
            ctx.get_method_context(),
            transaction.sender_address,
            self.name,
            config.fee_token_id,
            transaction.fee,
        )
        ctx.context_store[CONTEXT_STORE_KEY_AVAILABLE_FEE] = available_fee

    def after_command_execute(self, ctx: TransactionExecuteContext) -> None:
        """Unlock the fee; pay the rest to the generator and burn (or pool) the minimum part.

        The generator is paid only if it already has an account in the fee token (else its share
        is burnt too); the consumed part goes to ``feePoolAddress`` only if that account exists.
        """
        config, tokens = self._ready()
        transaction, generator = ctx.transaction, ctx.header.generator_address
        sender, token_id = transaction.sender_address, config.fee_token_id
        method_context = ctx.get_method_context()
        tokens.unlock(method_context, sender, self.name, token_id, transaction.fee)
        available_fee = int(ctx.context_store.get(CONTEXT_STORE_KEY_AVAILABLE_FEE) or 0)
        if tokens.user_account_exists(ctx, generator, token_id):
            tokens.transfer(method_context, sender, generator, token_id, available_fee)
        else:
            available_fee = 0
        pool = config.fee_pool_address
        consumed = transaction.fee - available_fee
        if pool is not None and tokens.user_account_exists(ctx, pool, token_id):
            tokens.transfer(method_context, sender, pool, token_id, consumed)
        else:
            tokens.burn(method_context, sender, token_id, consumed)
        self.events.get(GeneratorFeeProcessedEvent).log(
            ctx,
            GeneratorFeeProcessedData(
                sender_address=sender,
                generator_address=generator,
                burnt_amount=consumed,
                generator_amount=available_fee,
            ),
        )
        ctx.context_store.pop(CONTEXT_STORE_KEY_AVAILABLE_FEE, None)
