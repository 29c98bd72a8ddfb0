"""A node with a plugin host in one event loop, for the plugin tests."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from klayr_py.node.application import Application
from klayr_py.node.engine import Engine
from klayr_py.node.plugin_host.host import HostSettings, PluginHost, PluginSpec
from klayr_py.node.plugin_host.sandbox import Bubblewrap, SandboxUnavailableError
from klayr_py.node.rpc import RpcMethods
from tests.node.dev_chain import ACCOUNTS, VALIDATORS, create_chain, hello, make_app, slot_timestamp

ROOT = Path(__file__).resolve().parents[3]
HELLO_STATS = ROOT / "examples" / "plugins" / "hello-stats"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

FAST = HostSettings(
    heartbeat_interval=0.2,
    heartbeat_timeout=1.5,
    max_restarts=2,
    backoff_initial=0.2,
    backoff_max=1.0,
    event_buffer=8,
    requests_per_second=200.0,
    request_burst=300.0,
    call_timeout=5.0,
)


@dataclass
class Node:
    """What a test drives: the app, its engine, the RPC methods and the plugin host."""

    app: Application
    engine: Engine
    methods: RpcMethods
    host: PluginHost
    slot: int = 0

    def forge(self, hellos: Sequence[str] = ()) -> None:
        """Forge the next block with hellos from dev account 0."""
        account = ACCOUNTS[0]
        nonce = self.engine._account_nonce(account.address)
        for offset, message in enumerate(hellos):
            self.engine.add_transaction(hello(self.app, account, nonce + offset, message))
        self.slot += 1
        timestamp = slot_timestamp(self.slot)
        validator = next(v for v in VALIDATORS if v.address == self.engine.generator_of(timestamp))
        self.engine.generate_block(timestamp, validator.generator_key)

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        result = self.methods.call(method, params or {})
        if asyncio.iscoroutine(result):
            result = await result
        return result

    async def wait_for(self, condition: Any, timeout: float = 15.0) -> None:
        """Poll ``condition()`` (sync or async) until true."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = condition()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.05)


def hello_stats_spec(**changes: Any) -> PluginSpec:
    """The example plugin's spec, as its manifest describes it."""
    values: dict[str, Any] = {
        "name": "hello-stats",
        "version": "1.0.0",
        "plugin_dir": HELLO_STATS,
        "entry_point": "hello_stats.plugin:HelloStatsPlugin",
        "capabilities": frozenset(
            {"subscribe_events", "plugin_storage", "register_rpc_endpoint", "read_chain"}
        ),
        "config": {"topLimit": 10},
        "rpc_namespace": "helloStats",
    }
    values.update(changes)
    return PluginSpec(**values)


@functools.cache
def _bubblewrap_problem() -> str | None:
    if shutil.which("bwrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        install = ["apt-get", "install", "-y", "-qq", "bubblewrap"]
        if subprocess.run(install, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
            subprocess.run(install, capture_output=True, check=False)
    try:
        Bubblewrap.find()
    except SandboxUnavailableError as error:
        return str(error)
    return None


def require_bubblewrap() -> None:
    """Install bubblewrap when missing (as root, through apt-get); skip the test, with the
    reason, only where it cannot run at all."""
    problem = _bubblewrap_problem()
    if problem is not None:
        pytest.skip(f"the plugin sandbox cannot run here: {problem}")


@asynccontextmanager
async def running_node(
    tmp: Path,
    specs: Sequence[PluginSpec],
    settings: HostSettings = FAST,
    *,
    check_sandbox: bool = True,
) -> AsyncIterator[Node]:
    """A started engine and plugin host over a dev chain in ``tmp`` (skipped where the
    sandbox ``settings`` ask for cannot run, unless ``check_sandbox`` is false)."""
    if check_sandbox and settings.sandbox != "off":
        require_bubblewrap()
    create_chain(tmp)
    app = make_app(tmp)
    engine = app.start()
    methods = RpcMethods(engine, genesis_config={})
    host = PluginHost(
        specs, engine=engine, methods=methods, data_path=tmp / "data", settings=settings
    )
    await host.start()
    try:
        yield Node(app, engine, methods, host)
    finally:
        await host.stop()
        app.close()
