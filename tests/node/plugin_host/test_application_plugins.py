"""Plugins through the Application: discovered from plugins.directory, served over RPC."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import aiohttp

from tests.node.dev_chain import ACCOUNTS, create_chain, hello, make_app
from tests.node.plugin_host.host_env import HELLO_STATS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_example_plugin_runs_beside_the_node_and_serves_rpc(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    shutil.copytree(HELLO_STATS, plugins / "hello-stats")
    broken = plugins / "broken"
    broken.mkdir()
    (broken / "plugin.toml").write_text('name = "broken"\nversion = "one"\n')
    create_chain(tmp_path)
    app = make_app(tmp_path)
    port = _free_port()
    app.config = app.config.with_overrides(
        rpc={"modes": ["http"], "port": port},
        genesis={"blockTime": 1},
        plugins={"directory": str(plugins), "hello-stats": {"topLimit": 3}},
    )

    async def scenario() -> None:
        node = asyncio.create_task(app.run_async())
        url = f"http://127.0.0.1:{port}/rpc"
        async with aiohttp.ClientSession() as session:

            async def call(method: str, params: dict[str, object]) -> dict[str, object]:
                body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
                while True:
                    try:
                        async with session.post(url, json=body) as response:
                            reply: dict[str, object] = await response.json()
                            return reply
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)

            for _ in range(100):
                if "result" in await call("helloStats_getTop", {}):
                    break
                await asyncio.sleep(0.1)
            engine = app._require_engine()
            engine.add_transaction(hello(app, ACCOUNTS[1], 0, "hello plugin"))
            top: object = []
            for _ in range(100):
                top = (await call("helloStats_getTop", {})).get("result")
                if top:
                    break
                await asyncio.sleep(0.1)
            assert top == [{"address": ACCOUNTS[1].klayr32_address, "hellos": 1}]
        app.shutdown()
        await node

    asyncio.run(scenario())
    assert not (tmp_path / "data" / "plugins.sock").exists()
