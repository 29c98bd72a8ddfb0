"""One validator node: the application's ABCI server plus the CometBFT process it serves.

:func:`open_abci_app` builds the ABCI application of an :class:`~klayr_py.node.Application`
over its data path (the same LevelDB layout as the single-node engine: ``blockchain.db`` and
``offchain.db``), through the ABI only. :class:`CometBFTNode` starts the ABCI server, then
``cometbft start`` for a home whose ``proxy_app`` names that server, and stops both together:
if CometBFT exits, the node stops (and the other way round, CometBFT stops when its application
connection drops).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from klayr_py.chain import Block
from klayr_py.db import LevelDB
from klayr_py.errors import KlayrError
from klayr_py.node.application import _LOG_LEVELS
from klayr_py.node.cometbft.binary import require_cometbft
from klayr_py.node.cometbft.broadcast import BatchBroadcaster
from klayr_py.node.cometbft.klayr_app import KlayrAbciApp
from klayr_py.node.cometbft.rpc_backend import CometBFTBackend
from klayr_py.node.cometbft.server import AbciServer
from klayr_py.node.pool import PoolConfig
from klayr_py.node.rpc import RpcMethods, RpcServer
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine.abi_handler import ABIHandler

if TYPE_CHECKING:
    from klayr_py.node.application import Application

__all__ = ["CometBFTNode", "open_abci_app", "run_node"]


def open_abci_app(app: Application) -> KlayrAbciApp:
    """The ABCI application of ``app`` over its data path (modules initialised here)."""
    app.init_modules()
    data_path = app.data_path
    data_path.mkdir(parents=True, exist_ok=True)
    db = LevelDB(data_path / "blockchain.db")
    offchain = LevelDB(data_path / "offchain.db")
    logger = logging.getLogger("klayr_py.cometbft")
    chain_id = app.config.genesis.chain_id_bytes
    state = StateStore(db, keep_heights=app.config.system.keep_state_diffs_for_heights)
    abi = ABIHandler(app.state_machine, state, OffchainStore(offchain), chain_id, logger)
    try:
        return KlayrAbciApp(
            abi=abi,
            db=db,
            chain_id=chain_id,
            max_transactions_size=app.config.genesis.max_transactions_size,
            logger=logger,
        )
    except BaseException:
        db.close()
        offchain.close()
        raise


class CometBFTNode:
    """``app`` as one validator: its ABCI server on ``abci_port`` and ``cometbft`` for ``home``."""

    def __init__(
        self,
        app: Application,
        home: Path,
        *,
        abci_port: int,
        cometbft: Path | None = None,
    ) -> None:
        self.app = app
        self.home = home
        self.abci_port = abci_port
        self.cometbft = cometbft
        self.logger = logging.getLogger("klayr_py.cometbft")
        self.abci_app: KlayrAbciApp | None = None
        self.backend: CometBFTBackend | None = None
        self._broadcaster: BatchBroadcaster | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Serve until ``stopping`` is set, then stop CometBFT too; if CometBFT exits first,
        stop and raise :class:`KlayrError` saying so."""
        abci_app = self.abci_app = open_abci_app(self.app)
        server = AbciServer(abci_app, port=self.abci_port, logger=self.logger)
        rpc: RpcServer | None = None
        log = (self.home / "cometbft.log").open("ab")
        try:
            self.backend = self._backend(abci_app)
            rpc = self._rpc_server(self.backend)
            try:
                await server.start()
                if rpc is not None:
                    await rpc.start()
            except OSError as error:
                raise KlayrError(f"cannot listen: {error}") from None
            binary = self.cometbft or await asyncio.to_thread(require_cometbft)
            self._process = await asyncio.create_subprocess_exec(
                str(binary), "start", "--home", str(self.home), stdout=log, stderr=log
            )
            await self._wait(self._process, stopping)
        finally:
            log.close()
            if self._broadcaster is not None:
                await self._broadcaster.close()
            if rpc is not None:
                await rpc.stop()
            await server.close()
            self._close_databases()

    async def _wait(self, process: asyncio.subprocess.Process, stopping: asyncio.Event) -> None:
        exited = asyncio.ensure_future(process.wait())
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({exited, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if exited.done():  # a supervisor should see the node fail, not stop cleanly
            raise KlayrError(
                f"CometBFT exited with code {exited.result()} (see {self.home / 'cometbft.log'})"
            )
        process.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(exited), 10)
        if process.returncode is None:
            process.kill()
            await exited

    def _backend(self, abci_app: KlayrAbciApp) -> CometBFTBackend:
        genesis_file = self.home / "config" / "genesis.json"
        try:
            document = json.loads(genesis_file.read_text(encoding="utf-8"))
            genesis_block = Block.from_json(document["app_state"]["genesisBlock"])
            with (self.home / "config" / "config.toml").open("rb") as file:
                rpc_config = tomllib.load(file)["rpc"]
            laddr = str(rpc_config["laddr"])
            batch = int(rpc_config.get("max_request_batch_size", 10))
            body_bytes = int(rpc_config.get("max_body_bytes", 1_000_000))
        except (OSError, KeyError, ValueError, KlayrError) as error:
            raise KlayrError(f"{self.home} is not a klayr_py CometBFT home: {error}") from None
        self._broadcaster = BatchBroadcaster(
            "http://" + laddr.removeprefix("tcp://"),
            max_batch=batch if batch > 0 else 1000,  # 0: CometBFT sets no limit
            max_body_bytes=body_bytes,
        )
        config = self.app.config
        pool = config.transaction_pool
        return CometBFTBackend(
            abci_app,
            genesis_block=genesis_block,
            block_time=config.genesis.block_time,
            broadcast=self._broadcaster,
            pool_config=PoolConfig(  # as the single-node engine reads the same settings
                max_transactions=pool.max_transactions,
                max_transactions_per_account=pool.max_transactions_per_account,
                transaction_expiry_seconds=pool.transaction_expiry_time / 1000,
                min_entrance_fee_priority=pool.min_entrance_fee_priority,
                min_replacement_fee_difference=pool.min_replacement_fee_difference,
                max_transaction_size=config.genesis.max_transactions_size,
            ),
        )

    def _rpc_server(self, backend: CometBFTBackend) -> RpcServer | None:
        config = self.app.config
        if not config.rpc.modes:
            return None
        methods = RpcMethods(
            backend,
            genesis_config=config.genesis.model_dump(by_alias=True),
            allowed=tuple(config.rpc.allowed_methods),
        )
        server = RpcServer(
            methods,
            modes=list(config.rpc.modes),
            host=config.rpc.host,
            port=config.rpc.port,
            ipc_path=self.app.ipc_path,
        )
        server.attach(backend)
        return server

    def _close_databases(self) -> None:
        abci_app, self.abci_app = self.abci_app, None
        if abci_app is None:
            return
        abci_app.db.close()
        if isinstance(abci_app.abi, ABIHandler):
            abci_app.abi.offchain_store.db.close()


def run_node(app: Application, home: Path, *, abci_port: int) -> None:
    """Run ``app`` as a CometBFT validator until SIGINT/SIGTERM or CometBFT exits."""
    logging.basicConfig(
        level=_LOG_LEVELS[app.config.system.log_level],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stopping.set)
        await CometBFTNode(app, home, abci_port=abci_port).run(stopping)

    asyncio.run(main())
