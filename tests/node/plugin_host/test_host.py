"""The plugin host: the example plugin end to end, capabilities, and containment of plugins that
crash, are killed, hang, flood, or lag — while the node keeps forging."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from klayr_py.node.plugin_host.host import PluginSpec
from klayr_py.node.rpc import RpcError
from tests.node.plugin_host.host_env import FAST, FIXTURES, hello_stats_spec, running_node

MISBEHAVING = FIXTURES / "misbehaving"


def _spec(name: str, cls: str, *capabilities: str, **changes: Any) -> PluginSpec:
    return PluginSpec(
        name=name,
        version="0.1.0",
        plugin_dir=MISBEHAVING,
        entry_point=f"misbehaving:{cls}",
        capabilities=frozenset(capabilities),
        **changes,
    )


def test_hello_stats_counts_hellos_and_serves_them(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_node(tmp_path, [hello_stats_spec()]) as node:
            await node.wait_for(lambda: node.host.status["hello-stats"].endpoints)
            node.forge(["hello one", "hello two"])
            node.forge(["hello three"])
            await node.wait_for(lambda: node.call("helloStats_getTop", {}))
            await node.wait_for(lambda: _has_count(node, 3))  # events arrive asynchronously
            top = await node.call("helloStats_getTop", {"limit": 1})
            assert len(top) == 1 and top[0]["hellos"] == 3
            assert node.host.status["hello-stats"].status == "running"
            with pytest.raises(RpcError, match="no endpoint"):
                await node.host.call_plugin_endpoint("hello-stats", "missing", {})

    asyncio.run(scenario())


async def _top_count(node: Any) -> int:
    top = await node.call("helloStats_getTop", {})
    return int(top[0]["hellos"]) if top else 0


async def _has_count(node: Any, expected: int) -> bool:
    return await _top_count(node) == expected


def test_a_request_without_the_capability_is_refused_and_the_plugin_keeps_running(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        spec = _spec("refused", "Refused", "register_rpc_endpoint", rpc_namespace="refused")
        async with running_node(tmp_path, [spec]) as node:
            await node.wait_for(lambda: node.host.status["refused"].endpoints)
            answer = await node.call("refused_lastAnswer", {})
            assert answer.startswith("-32001") and "plugin_storage" in answer
            assert node.host.status["refused"].refused_requests == 1
            node.forge()
            await asyncio.sleep(0.5)
            assert node.host.status["refused"].status == "running"

    asyncio.run(scenario())


def test_a_plugin_killed_mid_stream_is_restarted_while_the_node_forges(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_node(tmp_path, [hello_stats_spec()]) as node:
            status = node.host.status["hello-stats"]
            await node.wait_for(lambda: status.endpoints)
            crashed: list[Any] = []
            node.host.rpc = _Recorder(crashed)
            node.forge(["before the kill"])
            first_pid = status.pid
            assert first_pid is not None
            os.kill(first_pid, signal.SIGKILL)
            for _ in range(3):  # the chain goes on while the plugin is down
                node.forge(["during the outage"])
                await asyncio.sleep(0.1)
            await node.wait_for(lambda: status.status == "running" and status.pid != first_pid)
            assert crashed and crashed[0][0] == "pluginCrashed"
            assert crashed[0][1]["name"] == "hello-stats" and "-9" in crashed[0][1]["reason"]
            assert status.restarts == 1
            assert node.engine.height == 4
            await node.wait_for(lambda: status.endpoints)
            node.forge(["after the restart"])
            await node.wait_for(lambda: _top_count(node))

    asyncio.run(scenario())


class _Recorder:
    """Stands in for the RPC server: records what the host publishes."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    def publish(self, topic: str, payload: Any) -> None:
        self.seen.append((topic, payload))


def test_a_plugin_that_keeps_crashing_is_restarted_with_backoff_up_to_the_limit(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running_node(tmp_path, [_spec("crasher", "CrashOnLoad")]) as node:
            status = node.host.status["crasher"]
            started = asyncio.get_running_loop().time()
            await node.wait_for(lambda: status.status == "failed", timeout=30)
            elapsed = asyncio.get_running_loop().time() - started
            assert len(status.crashes) == 3  # the first run and max_restarts (2) restarts
            assert all("exited with code 1" in reason for reason in status.crashes)
            assert elapsed >= 0.2 + 0.4  # backoff 0.2 s then 0.4 s
            node.forge()
            assert node.engine.height == 1

    asyncio.run(scenario())


def test_a_flooding_plugin_is_stopped(tmp_path: Path) -> None:
    async def scenario() -> None:
        spec = _spec("flooder", "Flooder", "read_chain")
        async with running_node(tmp_path, [spec]) as node:
            status = node.host.status["flooder"]
            await node.wait_for(lambda: status.crashes)
            assert "flooded" in status.crashes[0]
            node.forge()
            assert node.engine.height == 1

    asyncio.run(scenario())


def test_a_hanging_plugin_is_stopped_after_missed_heartbeats(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_node(tmp_path, [_spec("hanger", "Hanger")]) as node:
            status = node.host.status["hanger"]
            await node.wait_for(lambda: status.crashes, timeout=20)
            assert "missed heartbeats" in status.crashes[0]
            node.forge()
            assert node.engine.height == 1

    asyncio.run(scenario())


def test_events_for_a_slow_plugin_are_dropped_and_counted_never_blocking(tmp_path: Path) -> None:
    async def scenario() -> None:
        spec = _spec("sleeper", "Sleeper", "subscribe_events", "plugin_storage")
        async with running_node(tmp_path, [spec]) as node:
            status = node.host.status["sleeper"]
            running = node.host.running["sleeper"]
            await node.wait_for(lambda: "bulk" in running.subscriptions)
            payload = {"blob": "x" * 100_000}
            loop = asyncio.get_running_loop()
            started = loop.time()
            for _ in range(60):
                node.host.publish("bulk", payload)  # never waits for the plugin
                await asyncio.sleep(0.01)
            assert loop.time() - started < 3
            await node.wait_for(lambda: status.dropped_events > 0, timeout=20)

            async def lag_recorded() -> bool:
                storage = node.host.storage
                lagged = b"sleeper\x00lagged"
                return storage is not None and storage.database.get_or_none(lagged) is not None

            await node.wait_for(lag_recorded, timeout=20)
            assert status.status == "running"

    asyncio.run(scenario())


def test_resource_limits_apply_to_the_plugin_process(tmp_path: Path) -> None:
    async def scenario() -> None:
        spec = _spec("burner", "Burner", cpu_seconds=4)
        patient = replace(FAST, heartbeat_timeout=60.0)  # only the rlimit may stop it
        async with running_node(tmp_path, [spec], settings=patient) as node:
            status = node.host.status["burner"]
            await node.wait_for(lambda: status.crashes, timeout=30)
            assert status.crashes[0] == f"exited with code {-signal.SIGXCPU}"

    asyncio.run(scenario())
