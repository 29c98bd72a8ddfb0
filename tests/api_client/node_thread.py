"""A real node (default modules + hello, block time 1 s) running in a background thread."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from klayr_py.node import Application
from klayr_py.node.dev import (
    dev_accounts,
    dev_genesis_assets,
    native_token_id,
    write_generator_keys,
)
from klayr_py.node.genesis import write_genesis_block

_HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello_module"
if str(_HELLO) not in sys.path:
    sys.path.insert(0, str(_HELLO))

from hello import HelloModule  # noqa: E402

CHAIN_ID = bytes.fromhex("04000000")
TOKEN_ID = native_token_id(CHAIN_ID)
ACCOUNTS = dev_accounts(2)
VALIDATORS = dev_accounts(1, "klayr_py dev validator")


def free_port() -> int:
    """A TCP port nobody listens on (for a moment)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_config(folder: Path, port: int, modes: list[str]) -> dict[str, Any]:
    """Config of a 1-second dev chain in ``folder``."""
    return {
        "system": {"dataPath": str(folder / "data"), "logLevel": "warn"},
        "rpc": {"modes": modes, "port": port},
        "genesis": {
            "block": {"fromFile": str(folder / "genesis.blob")},
            "chainID": CHAIN_ID.hex(),
            "blockTime": 1,
        },
        "generator": {"keys": {"fromFile": str(folder / "keys.json")}},
    }


def make_app(config: dict[str, Any]) -> Application:
    """Default modules + hello."""
    app, _ = Application.default_application(config)
    app.register_module(HelloModule())
    return app


class NodeThread:
    """Start with :meth:`start`, stop with :meth:`stop`; ``ws_url``, ``http_url``, ``ipc``."""

    def __init__(self, folder: Path, modes: list[str] | None = None) -> None:
        self.port = free_port()
        self.config = make_config(folder, self.port, modes or ["ipc", "ws", "http"])
        app = make_app(self.config)
        assets = dev_genesis_assets(CHAIN_ID, VALIDATORS, [(a.address, 10**12) for a in ACCOUNTS])
        timestamp = int(time.time()) - 5
        write_genesis_block(app.create_genesis_block(assets, timestamp), folder / "genesis.blob")
        write_generator_keys(folder / "keys.json", VALIDATORS)
        self.app = make_app(self.config)
        self.ws_url = f"ws://127.0.0.1:{self.port}/rpc-ws"
        self.http_url = f"http://127.0.0.1:{self.port}/rpc"
        self.ipc = folder / "data" / "rpc.sock"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self.app.run_async())
        except BaseException as error:  # surfaced by start()
            self.error = error

    def start(self) -> NodeThread:
        """Run the node and wait until its RPC answers."""
        self._thread.start()
        modes = self.config["rpc"]["modes"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            if (self.ipc.exists() or "ipc" not in modes) and (
                not {"ws", "http"} & set(modes) or _listening(self.port)
            ):
                return self
            time.sleep(0.05)
        raise TimeoutError("the node did not start")

    def stop(self) -> None:
        """Stop the node and close its databases."""
        self._loop.call_soon_threadsafe(self.app.shutdown)
        self._thread.join(10)
        self._loop.close()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
