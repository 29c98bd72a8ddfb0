"""``Application``: modules + configuration -> a running single-node chain.

As Klayr's ``Application``: register modules (``default_application`` registers auth,
validators, token and fee), then ``run()`` opens the LevelDB databases in the data path, applies
or checks the genesis block, and forges a block every block time for the validators whose keys
this node holds, until SIGINT or SIGTERM. Block execution stays synchronous; asyncio only waits
for the next slot (and, from issue #5 on, serves RPC).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import signal
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from klayr_py.chain import Block
from klayr_py.crypto.address import get_address_from_klayr32_address
from klayr_py.db import LevelDB
from klayr_py.errors import KlayrError, ModuleConfigError
from klayr_py.modules import BaseModule
from klayr_py.modules.auth import AuthMethod
from klayr_py.modules.fee import FeeMethod
from klayr_py.modules.token import TokenMethod
from klayr_py.node.config import ApplicationConfig, ConfigError
from klayr_py.node.default_modules import DefaultMethods, create_default_modules
from klayr_py.node.engine import Engine, GeneratorKey, NonceReader
from klayr_py.node.event_root_worker import parallel_roots_pay_off
from klayr_py.node.genesis import (
    create_genesis_block,
    encode_genesis_assets,
    read_genesis_block,
)
from klayr_py.node.plugin_host.host import HostSettings, PluginHost
from klayr_py.node.plugin_host.loading import plan_plugins
from klayr_py.node.pool import PoolConfig
from klayr_py.node.rpc import RpcLimits, RpcMethods, RpcServer
from klayr_py.node.rpc.connections import ConnectionLimits
from klayr_py.node.rpc.dispatch import Dispatcher
from klayr_py.node.rpc.zmq_ipc import ZmqIpcServer
from klayr_py.state_machine import StateMachine

__all__ = [
    "Application",
    "DefaultMethods",
    "auth_nonce_reader",
    "fee_balance_reader",
    "load_generator_keys",
]

_LOG_LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "none": logging.CRITICAL + 10,
}


class Application:
    """A blockchain application: its modules and its configuration.

    ``config`` is an :class:`ApplicationConfig`, or a dict in Klayr's ``config.json`` shape;
    relative paths in it are resolved against ``config_dir`` (default: the working directory).
    """

    def __init__(
        self,
        config: ApplicationConfig | Mapping[str, Any] | None = None,
        *,
        config_dir: str | Path = ".",
    ) -> None:
        if config is None:
            config = ApplicationConfig()
        elif not isinstance(config, ApplicationConfig):
            config = ApplicationConfig.from_dict(dict(config))
        self.config = config
        self.config_dir = Path(config_dir)
        self.logger = logging.getLogger("klayr_py.application")
        self.state_machine = StateMachine(self.logger)
        self.engine: Engine | None = None
        self._stopping: asyncio.Event | None = None
        self._generator_keys: dict[bytes, GeneratorKey] = {}

    @classmethod
    def default_application(
        cls,
        config: ApplicationConfig | Mapping[str, Any] | None = None,
        *,
        config_dir: str | Path = ".",
    ) -> tuple[Application, DefaultMethods]:
        """An application with Klayr's default modules: auth, validators, token, fee."""
        app = cls(config, config_dir=config_dir)
        modules, methods = create_default_modules()
        for module in modules:
            app.register_module(module)
        return app, methods

    def register_module(self, module: BaseModule) -> None:
        """Add a module; its hooks run in registration order. Names must be unique."""
        self.state_machine.register_module(module)

    @property
    def modules(self) -> list[BaseModule]:
        """The registered modules, in registration order."""
        return list(self.state_machine.modules)

    # -- paths --------------------------------------------------------------------------------

    def path(self, configured: str) -> Path:
        """A configured path resolved against the config directory (``~`` expanded)."""
        return self.config.resolve_path(configured, self.config_dir)

    @property
    def data_path(self) -> Path:
        """``system.dataPath``, resolved."""
        return self.path(self.config.system.data_path)

    # -- genesis ------------------------------------------------------------------------------

    def init_modules(self) -> None:
        """Call every module's ``init`` with ``modules.<name>`` and the genesis config;
        :class:`ConfigError` naming the file and each refused setting."""
        try:
            self.state_machine.init(self.config.genesis, self.config.modules)
        except ModuleConfigError as error:
            raise ConfigError(f"{self.config.source}: {'; '.join(error.errors)}") from None

    def create_genesis_block(self, assets: Mapping[str, Any], timestamp: int) -> Block:
        """The genesis block of this application's modules with ``assets`` (JSON or bytes)."""
        self.init_modules()
        return create_genesis_block(
            self.state_machine,
            chain_id=self.config.genesis.chain_id_bytes,
            timestamp=timestamp,
            assets=encode_genesis_assets(self.state_machine, assets),
        )

    # -- running ------------------------------------------------------------------------------

    def start(self) -> Engine:
        """Open the databases, apply or check the genesis block, load the generator keys.

        Returns the running :class:`Engine`; :meth:`run` calls this, tests may call it alone.
        """
        logging.basicConfig(
            level=_LOG_LEVELS[self.config.system.log_level],
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        self.init_modules()
        self._check_plugin_settings()
        genesis_block = read_genesis_block(self.path(self.config.genesis.block.from_file))
        keys_file = self.config.generator.keys.from_file
        self._generator_keys = load_generator_keys(self.path(keys_file)) if keys_file else {}
        data_path = self.data_path
        data_path.mkdir(parents=True, exist_ok=True)
        pool = self.config.transaction_pool
        engine = Engine(
            state_machine=self.state_machine,
            db=LevelDB(data_path / "blockchain.db"),
            offchain_db=LevelDB(data_path / "offchain.db"),
            genesis_block=genesis_block,
            chain_id=self.config.genesis.chain_id_bytes,
            block_time=self.config.genesis.block_time,
            max_transactions_size=self.config.genesis.max_transactions_size,
            keep_events_for_heights=self.config.system.keep_events_for_heights,
            pool_config=PoolConfig(
                max_transactions=pool.max_transactions,
                max_transactions_per_account=pool.max_transactions_per_account,
                transaction_expiry_seconds=pool.transaction_expiry_time / 1000,
                min_entrance_fee_priority=pool.min_entrance_fee_priority,
                min_replacement_fee_difference=pool.min_replacement_fee_difference,
                max_transaction_size=self.config.genesis.max_transactions_size,
                max_nonce_gap=pool.max_nonce_gap,
            ),
            nonce_reader=auth_nonce_reader(self.state_machine),
            balance_reader=fee_balance_reader(self.state_machine),
            signature_workers=self.config.system.signature_workers,
            parallel_roots=(
                parallel_roots_pay_off()
                if self.config.system.parallel_roots == "auto"
                else self.config.system.parallel_roots
            ),
            state_cache_size=self.config.system.state_cache_size * 1024 * 1024,
            keep_state_diffs_for_heights=self.config.system.keep_state_diffs_for_heights,
            logger=logging.getLogger("klayr_py.engine"),
        )
        try:
            engine.start()
        except BaseException as error:
            foreign = isinstance(error, KlayrError) and _holds_another_chain(engine)
            engine.close()
            if foreign:
                raise KlayrError(
                    f"the data directory {data_path} belongs to another chain (its genesis block "
                    f"is not the configured {genesis_block.id.hex()}): to start this chain "
                    f"afresh, delete it (rm -r {data_path}; its blocks are lost), or set another "
                    f"system.dataPath in {self.config.source} (klayr-py start --data-path DIR)"
                ) from None
            raise
        self.engine = engine
        self.logger.info(
            "chain %s at height %d; forging for %d validator key(s)",
            self.config.genesis.chain_id,
            engine.height,
            len(self._generator_keys),
        )
        return engine

    def forge(self, timestamp: int) -> Block | None:
        """Forge the block of ``timestamp``'s slot if this node holds that validator's key."""
        engine = self._require_engine()
        try:
            generator = engine.generator_of(timestamp)
        except (KlayrError, ValueError) as error:
            self.logger.error("no generator for slot %d: %s", timestamp, error)
            return None
        key = self._generator_keys.get(generator)
        if key is None or engine.slot_of(timestamp) <= engine.slot_of(
            engine.last_block.header.timestamp
        ):
            return None
        try:
            return engine.generate_block(timestamp, key)
        except Exception as error:  # a module's bug must not stop the node: skip the slot
            self.logger.error("could not forge the block of slot %d: %s", timestamp, error)
            return None

    def run(self) -> None:
        """Start, then forge every block time until SIGINT/SIGTERM or :meth:`shutdown`."""
        asyncio.run(self.run_async())

    async def run_async(self) -> None:
        """:meth:`run` inside an existing event loop."""
        engine = self.engine or self.start()
        self._stopping = asyncio.Event()
        methods = self.rpc_methods()
        rpc: RpcServer | None = None
        zmq_ipc: ZmqIpcServer | None = None
        plugins: PluginHost | None = None
        try:  # one clean-up path, whether start-up or the loop fails or a signal arrives
            rpc = self.rpc_server(methods)
            if rpc is not None:
                try:
                    await rpc.start()
                except OSError as error:
                    raise KlayrError(self._rpc_start_failure(error)) from None
            zmq_ipc = self.zmq_ipc_server(methods, rpc.dispatcher if rpc is not None else None)
            if zmq_ipc is not None:
                await zmq_ipc.start()
            plugins = self.plugin_host(methods, rpc)
            if plugins is not None:
                await plugins.start()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                # Not the main thread, or a platform without signal handlers: run without them.
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, self._stopping.set)
            await self._forge_every_slot(engine, self._stopping)
        finally:
            if plugins is not None:
                await plugins.stop()
            if zmq_ipc is not None:
                await zmq_ipc.stop()
            if rpc is not None:
                await rpc.stop()
            self.close()

    async def _forge_every_slot(self, engine: Engine, stopping: asyncio.Event) -> None:
        block_time = self.config.genesis.block_time
        while not stopping.is_set():
            now = engine.clock()
            next_slot = (int(now) // block_time + 1) * block_time
            try:
                await asyncio.wait_for(stopping.wait(), timeout=max(next_slot - now, 0))
                return
            except TimeoutError:
                pass
            engine.pool.expire()
            self.forge(next_slot)

    def _check_plugin_settings(self) -> None:
        """Refuse ``plugins.enabled`` without ``plugins.directory``: the plugins would silently
        not run, and the user would wonder why."""
        settings = self.config.plugins
        if settings.enabled and settings.directory is None:
            raise ConfigError(
                f"{self.config.source}: plugins.enabled lists {', '.join(settings.enabled)} but "
                "plugins.directory is not set, so no plugin would run: set plugins.directory "
                "to the folder holding the plugins (docs/plugins.md)"
            )

    def _rpc_start_failure(self, error: OSError) -> str:
        rpc = self.config.rpc
        if error.errno == errno.EADDRINUSE:
            return (
                f"cannot start the RPC server: {rpc.host}:{rpc.port} is already in use (another "
                f"node?): set another rpc.port in {self.config.source}, or start with --port N"
            )
        return f"cannot start the RPC server on {rpc.host}:{rpc.port}: {error}"

    def rpc_methods(self) -> RpcMethods:
        """The RPC methods over the started engine (shared by the RPC server and plugins)."""
        return RpcMethods(
            self._require_engine(),
            genesis_config=self.config.genesis.model_dump(by_alias=True),
            allowed=tuple(self.config.rpc.allowed_methods),
            max_block_range=self.config.rpc.max_block_range,
        )

    def plugin_host(self, methods: RpcMethods, rpc: RpcServer | None) -> PluginHost | None:
        """The plugin host of ``plugins.directory`` (None when no directory is configured).

        Plugins that cannot load (bad manifest, missing dependency, bad config...) are
        reported in the log and left out; the node runs without them.
        """
        settings = self.config.plugins
        if settings.directory is None:
            return None
        plan = plan_plugins(self.path(settings.directory), settings.enabled, settings.configs)
        for line in plan.report():
            self.logger.warning("%s", line)
        return PluginHost(
            plan.specs,
            engine=self._require_engine(),
            methods=methods,
            data_path=self.data_path,
            rpc=rpc,
            settings=HostSettings(
                heartbeat_timeout=settings.heartbeat_timeout,
                max_restarts=settings.max_restarts,
                event_buffer=settings.event_buffer,
                sandbox=settings.sandbox,
                storage_quota_mb=settings.storage_quota_mb,
                storage_quotas_mb=dict(settings.storage_quotas),
                restarts_reset_after=settings.restarts_reset_after,
            ),
        )

    def rpc_server(self, methods: RpcMethods | None = None) -> RpcServer | None:
        """The RPC server of ``rpc.modes`` over the started engine (None if no mode is on)."""
        modes = self.config.rpc.modes
        if not modes:
            return None
        engine = self._require_engine()
        methods = methods or self.rpc_methods()
        server = RpcServer(
            methods,
            modes=list(modes),
            host=self.config.rpc.host,
            port=self.config.rpc.port,
            ipc_path=self.ipc_path,
            limits=RpcLimits.from_config(self.config.rpc),
            connection_limits=ConnectionLimits.from_config(self.config.rpc),
        )
        server.attach(engine)
        return server

    def zmq_ipc_server(
        self, methods: RpcMethods | None = None, dispatcher: Dispatcher | None = None
    ) -> ZmqIpcServer | None:
        """Klayr's ZeroMQ IPC sockets under ``<dataPath>/tmp/sockets`` when ``rpc.modes`` has
        ``ipc``: what ``@klayr/api-client``'s ``createIPCClient`` and Klayr Commander use."""
        if "ipc" not in self.config.rpc.modes:
            return None
        engine = self._require_engine()
        server = ZmqIpcServer(
            methods or self.rpc_methods(),
            self.data_path,
            RpcLimits.from_config(self.config.rpc),
            dispatcher,
        )
        server.attach(engine)
        return server

    @property
    def ipc_path(self) -> Path:
        """The IPC socket: ``<dataPath>/rpc.sock``."""
        return self.data_path / "rpc.sock"

    def shutdown(self) -> None:
        """Ask :meth:`run` to stop after the current block (thread-safe from the loop only)."""
        if self._stopping is not None:
            self._stopping.set()

    def close(self) -> None:
        """Close the databases; every committed block is already on disk."""
        if self.engine is not None:
            self.engine.close()
            self.engine = None
            self.logger.info("stopped")

    def _require_engine(self) -> Engine:
        if self.engine is None:
            raise KlayrError("the application is not started")
        return self.engine


def _holds_another_chain(engine: Engine) -> bool:
    """Whether the engine's database holds blocks from a genesis block other than its own."""
    genesis = engine.genesis_block
    try:
        if engine.storage.last_height < 0:
            return False
        return bool(engine.storage.get_block_id(genesis.header.height) != genesis.id)
    except KlayrError:
        return False


def auth_nonce_reader(state_machine: StateMachine) -> NonceReader | None:
    """How the pool reads an account's confirmed nonce: the auth module's method, if any
    registered module has it."""
    for module in state_machine.modules:
        method = module.method
        if isinstance(method, AuthMethod):

            def read(ctx: Any, address: bytes, auth: AuthMethod = method) -> int:
                return int(auth.get_auth_account(ctx, address).nonce)

            return read
    return None


def fee_balance_reader(state_machine: StateMachine) -> NonceReader | None:
    """How the pool reads what an account can spend on fees: the token module's available
    balance of the fee module's token, if both modules are registered."""
    fee = token = None
    for module in state_machine.modules:
        if isinstance(module.method, FeeMethod):
            fee = module.method
        elif isinstance(module.method, TokenMethod):
            token = module.method
    if fee is None or token is None:
        return None

    def read(ctx: Any, address: bytes, fee: FeeMethod = fee, token: TokenMethod = token) -> int:
        return int(token.get_available_balance(ctx, address, fee.get_fee_token_id()))

    return read


def load_generator_keys(path: Path) -> dict[bytes, GeneratorKey]:
    """Read Klayr's generator keys file: ``{"keys": [{"address", "plain": {"generatorKey",
    "generatorPrivateKey", ...}}]}``; every key pair is checked."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read generator keys file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    entries = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected an object with a 'keys' list")
    keys: dict[bytes, GeneratorKey] = {}
    for index, entry in enumerate(entries):
        try:
            plain = entry["plain"]
            key = GeneratorKey.from_private_key(bytes.fromhex(plain["generatorPrivateKey"]))
            if key.public_key != bytes.fromhex(plain["generatorKey"]):
                raise ValueError("generatorKey does not match generatorPrivateKey")
            if "address" in entry:  # the validator's account address, not the key's own
                key = replace(key, address=get_address_from_klayr32_address(entry["address"]))
        except (KeyError, TypeError, ValueError, KlayrError) as error:
            raise ConfigError(f"{path}: keys[{index}]: {error}") from None
        keys[key.address] = key
    return keys
