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
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from klayr_py.db import LevelDB
from klayr_py.errors import KlayrError
from klayr_py.node.cometbft.binary import require_cometbft
from klayr_py.node.cometbft.klayr_app import KlayrAbciApp
from klayr_py.node.cometbft.server import AbciServer
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
    abi = ABIHandler(app.state_machine, StateStore(db), OffchainStore(offchain), chain_id, logger)
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
        self._process: asyncio.subprocess.Process | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Serve until ``stopping`` is set or CometBFT exits; then stop both."""
        abci_app = self.abci_app = open_abci_app(self.app)
        server = AbciServer(abci_app, port=self.abci_port, logger=self.logger)
        try:
            await server.start()
        except OSError as error:
            self._close_databases()
            raise KlayrError(
                f"cannot listen for CometBFT on port {self.abci_port}: {error}"
            ) from None
        binary = self.cometbft or await asyncio.to_thread(require_cometbft)
        log = (self.home / "cometbft.log").open("ab")
        try:
            self._process = await asyncio.create_subprocess_exec(
                str(binary), "start", "--home", str(self.home), stdout=log, stderr=log
            )
            exited = asyncio.ensure_future(self._process.wait())
            stop = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({exited, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if exited.done():
                self.logger.error(
                    "CometBFT exited with code %s (see %s)",
                    exited.result(),
                    self.home / "cometbft.log",
                )
            else:
                self._process.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(exited, 10)
                if self._process.returncode is None:
                    self._process.kill()
                    await exited
        finally:
            log.close()
            await server.close()
            self._close_databases()

    def _close_databases(self) -> None:
        if self.abi_app_open:
            assert self.abci_app is not None
            self.abci_app.db.close()
            handler = self.abci_app.abi
            if isinstance(handler, ABIHandler):
                handler.offchain_store.db.close()
            self.abci_app = None

    @property
    def abi_app_open(self) -> bool:
        """Whether the databases are open."""
        return self.abci_app is not None


def run_node(app: Application, home: Path, *, abci_port: int) -> None:
    """Run ``app`` as a CometBFT validator until SIGINT/SIGTERM or CometBFT exits."""

    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stopping.set)
        await CometBFTNode(app, home, abci_port=abci_port).run(stopping)

    asyncio.run(main())
