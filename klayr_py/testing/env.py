"""``BlockProcessingEnv``: a whole chain in-process for tests — blocks in, state and events out.

Klayr's ``framework/src/testing/block_processing_env.ts`` in Python. It builds the same engine a
node runs (state machine, executor, chain storage, validator set) over an in-memory database (or
LevelDB in a folder), with the default modules (auth, validators, token, fee), your modules, and a
genesis block funding dev accounts. ``process_block`` executes exactly the transactions given,
``revert`` deletes the last block, ``get_state`` returns every committed state entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from klayr_py.chain import Block, Event, Transaction
from klayr_py.db import Database, InMemoryDatabase, LevelDB
from klayr_py.errors import KlayrError
from klayr_py.modules import BaseModule
from klayr_py.node.application import auth_nonce_reader
from klayr_py.node.config import GenesisConfig
from klayr_py.node.default_modules import create_default_modules
from klayr_py.node.dev import DevAccount, dev_accounts, dev_genesis_assets, native_token_id
from klayr_py.node.engine import DryRunResult, Engine
from klayr_py.node.genesis import create_genesis_block, encode_genesis_assets
from klayr_py.state.keys import PREFIX_STATE
from klayr_py.state_machine import StateMachine
from klayr_py.testing.contexts import DEFAULT_CHAIN_ID

__all__ = ["BlockProcessingEnv", "TransactionRejectedError"]

GENESIS_TIMESTAMP = 1_700_000_000
DEFAULT_FEE = 10_000_000


class TransactionRejectedError(KlayrError, AssertionError):
    """A transaction given to :meth:`BlockProcessingEnv.process_block` could not be included."""


class _ExactSelector:
    """Offers exactly the given transactions; any rejection aborts the block."""

    def __init__(self, transactions: Sequence[Transaction]) -> None:
        self._transactions = list(transactions)

    def __iter__(self) -> Any:
        return iter(self._transactions)

    def accepted(self, transaction: Transaction) -> None:
        """Nothing to track."""

    def rejected(self, transaction: Transaction, reason: str) -> None:
        raise TransactionRejectedError(
            f"transaction {transaction.id.hex()} ({transaction.module}:{transaction.command}, "
            f"nonce {transaction.nonce}) {reason}"
        )


class BlockProcessingEnv:
    """A chain of ``modules`` (after the default ones unless ``default_modules=False``).

    ``module_configs`` go to the modules' ``init``; ``genesis_assets`` add or replace genesis
    assets (encoded bytes, or JSON in the module's genesis schema); ``accounts`` dev accounts are
    funded with ``balance`` of the native token. ``data_dir`` keeps the chain in LevelDB there
    (default: in memory).
    """

    def __init__(
        self,
        modules: Sequence[BaseModule] = (),
        *,
        default_modules: bool = True,
        module_configs: Mapping[str, Mapping[str, Any]] | None = None,
        genesis_assets: Mapping[str, Any] | None = None,
        accounts: int = 10,
        balance: int = 10**13,
        chain_id: bytes = DEFAULT_CHAIN_ID,
        block_time: int = 10,
        min_fee_per_byte: int = 1000,
        data_dir: str | Path | None = None,
        module_factory: Callable[[], Sequence[BaseModule]] | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.block_time = block_time
        self.accounts: list[DevAccount] = dev_accounts(accounts)
        self.validator = dev_accounts(1, "klayr_py testing validator")[0]
        self.token_id = native_token_id(chain_id)
        self._settings = (default_modules, dict(module_configs or {}), min_fee_per_byte)
        self._module_factory = module_factory
        self._given_modules = list(modules)
        self._data_dir = Path(data_dir) if data_dir is not None else None
        machine = self._state_machine(self._given_modules)
        assets: dict[str, Any] = {}
        if default_modules:
            balances = [(account.address, balance) for account in self.accounts]
            assets.update(dev_genesis_assets(chain_id, [self.validator], balances))
        assets.update(genesis_assets or {})
        self.genesis_block = create_genesis_block(
            machine,
            chain_id=chain_id,
            timestamp=GENESIS_TIMESTAMP,
            assets=encode_genesis_assets(machine, assets),
        )
        self.engine = self._engine(machine, "chain")
        self.blocks: list[Block] = []
        """Every block processed (and not reverted), in order."""

    # -- construction -------------------------------------------------------------------------

    def _state_machine(self, modules: Sequence[BaseModule]) -> StateMachine:
        default_modules, configs, min_fee = self._settings
        machine = StateMachine(logging.getLogger("klayr_py.testing"))
        registered = create_default_modules()[0] if default_modules else []
        for module in [*registered, *modules]:
            machine.register_module(module)
        genesis = GenesisConfig.model_validate(
            {"blockTime": self.block_time, "chainID": self.chain_id.hex(), "minFeePerByte": min_fee}
        )
        machine.init(genesis, configs)
        return machine

    def _database(self, name: str) -> Database:
        if self._data_dir is None:
            return InMemoryDatabase()
        return LevelDB(self._data_dir / name)

    def _engine(self, machine: StateMachine, name: str) -> Engine:
        engine = Engine(
            state_machine=machine,
            db=self._database(f"{name}.db"),
            offchain_db=self._database(f"{name}-offchain.db"),
            genesis_block=self.genesis_block,
            chain_id=self.chain_id,
            block_time=self.block_time,
            max_transactions_size=1 << 24,
            nonce_reader=auth_nonce_reader(machine),
            clock=lambda: 2**32,
        )
        engine.start()
        return engine

    def fresh(self) -> BlockProcessingEnv:
        """A new environment from the same genesis, with new module instances (the
        ``module_factory`` given, else the same instances) — for replays."""
        twin = object.__new__(BlockProcessingEnv)
        twin.__dict__.update(self.__dict__)
        modules = list(self._module_factory()) if self._module_factory else self._given_modules
        twin._data_dir = None
        twin.engine = twin._engine(twin._state_machine(modules), "replay")
        twin.blocks = []
        return twin

    # -- transactions -------------------------------------------------------------------------

    def transaction(
        self,
        module: str,
        command: str,
        params: Mapping[str, Any] | Any,
        *,
        account: DevAccount | None = None,
        nonce: int | None = None,
        fee: int = DEFAULT_FEE,
    ) -> Transaction:
        """A signed transaction; ``params`` as a dict (Python values) or the command's model.

        The nonce defaults to the account's confirmed nonce (pass it explicitly for several
        transactions of one account in a block).
        """
        account = account or self.accounts[0]
        values = self.engine.state_machine.get_command(module, command).codec
        if nonce is None:
            nonce = self.nonce(account.address)
        return Transaction(
            module=module,
            command=command,
            nonce=nonce,
            fee=fee,
            sender_public_key=account.public_key,
            params=values.encode(params),
        ).sign(self.chain_id, account.private_key)

    def nonce(self, address: bytes) -> int:
        """The confirmed nonce of ``address`` (0 without an auth module)."""
        reader = self.engine.nonce_reader
        if reader is None:
            return 0
        return reader(self.engine.method_context(), address)

    # -- blocks -------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        """Height of the last block."""
        return self.engine.height

    @property
    def state_root(self) -> bytes:
        """State root of the last block."""
        return self.engine.state_store.state_root

    def next_timestamp(self) -> int:
        """The first timestamp of the next slot after the last block."""
        return (self.engine.last_block.header.timestamp // self.block_time + 1) * self.block_time

    def process_block(self, transactions: Sequence[Transaction] = ()) -> Block:
        """Execute and commit a block holding exactly ``transactions`` (in that order).

        Raises :class:`TransactionRejectedError` (nothing committed) if one does not verify or
        its hooks raise; a transaction whose command raises is included as failed, as in Klayr.
        """
        timestamp = self.next_timestamp()
        self._ensure_generator(timestamp)
        try:
            block = self.engine.generate_block(
                timestamp, self.validator.generator_key, _ExactSelector(transactions)
            )
        except KlayrError as error:
            cause = error.__cause__
            if isinstance(cause, TransactionRejectedError):
                raise cause from None
            raise
        self.blocks.append(block)
        return block

    def import_block(self, block: Block) -> None:
        """Verify and commit a block produced by another environment of the same genesis."""
        self.engine.import_block(block)
        self.blocks.append(block)

    def revert(self) -> Block:
        """Delete the last block: state, chain and validator set go back one block."""
        block = self.engine.delete_last_block()
        if self.blocks and self.blocks[-1].id == block.id:
            self.blocks.pop()
        return block

    def _ensure_generator(self, timestamp: int) -> None:
        if self.engine.generator_of(timestamp) != self.validator.address:
            raise KlayrError(
                "BlockProcessingEnv forges with its own validator; a module changed the "
                "validator set to one it holds no key for"
            )

    # -- reading ------------------------------------------------------------------------------

    def get_state(self) -> dict[bytes, bytes]:
        """Every committed on-chain state entry: ``store prefix + sub-store prefix + key`` ->
        encoded value."""
        db = self.engine.db
        return {
            key[len(PREFIX_STATE) :]: value
            for key, value in db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 64)
        }

    def events(self, height: int | None = None) -> list[Event]:
        """The events of the block at ``height`` (default: the last block)."""
        return self.engine.storage.get_events(self.height if height is None else height)

    def invoke(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call a module endpoint by its Klayr name (``hello_getHello``)."""
        return self.engine.call_endpoint(endpoint, params or {})

    def dry_run(
        self, transaction: Transaction, *, strict: bool = False, skip_verify: bool = False
    ) -> DryRunResult:
        """Verify and execute ``transaction`` on the last block's state, keeping nothing (as
        ``txpool_dryRunTransaction``: only the command's verification unless ``strict``)."""
        return self.engine.dry_run_transaction(
            transaction, strict=strict, skip_verify=skip_verify
        )

    def balance(self, address: bytes) -> int:
        """Available native-token balance of ``address`` (needs the token module)."""
        method = self.engine.state_machine.get_module("token").method
        value: int = method.get_available_balance(  # type: ignore[attr-defined]
            self.engine.method_context(), address, self.token_id
        )
        return value

    def close(self) -> None:
        """Close the databases."""
        self.engine.close()

    def __enter__(self) -> BlockProcessingEnv:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
