"""After a crash: events published while a plugin was down reach it once it is back (at least
once, from the last it acknowledged), and a plugin that ran stably gets its restart budget
back."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest

from klayr_py.node.plugin_host.host import PluginSpec
from tests.node.plugin_host.host_env import FAST, FIXTURES, hello_stats_spec, running_node
from tests.node.plugin_host.test_host import _top_count


def test_hellos_forged_while_the_plugin_was_down_are_counted_after_its_restart(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        settings = replace(FAST, event_buffer=64)  # room for every event of the outage
        async with running_node(tmp_path, [hello_stats_spec()], settings=settings) as node:
            status = node.host.status["hello-stats"]
            await node.wait_for(lambda: status.endpoints)
            node.forge(["before the kill"])
            await node.wait_for(lambda: _counted(node, 1))
            await node.wait_for(lambda: status.acknowledged == node.host.events.sequence)
            first_pid = status.pid
            assert first_pid is not None
            os.kill(first_pid, signal.SIGKILL)
            for index in range(3):  # six hellos while it is down or still starting
                node.forge([f"outage {index}a", f"outage {index}b"])
                await asyncio.sleep(0.1)
            await node.wait_for(  # back, and serving its endpoints again (a loaded machine
                # reports "running" before the plugin has re-registered them)
                lambda: status.status == "running" and status.pid != first_pid and status.endpoints
            )
            node.forge(["after the restart"])
            await node.wait_for(lambda: _counted(node, 8), timeout=30)
            await asyncio.sleep(0.5)  # nothing more arrives: no hello counted twice either
            assert await _top_count(node) == 8
            assert status.acknowledged == node.host.events.sequence

    asyncio.run(scenario())


async def _counted(node: object, expected: int) -> bool:
    return await _top_count(node) == expected


@pytest.mark.parametrize(("reset_after", "expected"), [(0.5, "running"), (60.0, "failed")])
def test_a_plugin_that_runs_stably_between_crashes_gets_its_restart_budget_back(
    tmp_path: Path, reset_after: float, expected: str
) -> None:
    """Each run lasts 1 s: past a 0.5 s stable period the budget (2 restarts) is whole again
    at every crash, and the plugin is never given up; without the reset it is, at the third."""
    spec = PluginSpec(
        name="crash-later",
        version="0.1.0",
        plugin_dir=FIXTURES / "misbehaving",
        entry_point="misbehaving:CrashLater",
    )
    settings = replace(FAST, restarts_reset_after=reset_after, backoff_initial=0.1)

    async def scenario() -> None:
        async with running_node(tmp_path, [spec], settings=settings) as node:
            status = node.host.status["crash-later"]
            await node.wait_for(
                lambda: len(status.crashes) >= 4 or status.status == "failed", timeout=45
            )
            await asyncio.sleep(0.3)
            assert status.status in ("running", "starting", "restarting") if expected == "running" \
                else status.status == "failed"  # fmt: skip
            assert all(reason == "exited with code 3" for reason in status.crashes)

    asyncio.run(scenario())


def test_a_plugin_that_never_connects_is_stopped_after_the_handshake_timeout(
    tmp_path: Path,
) -> None:
    """Starting is judged by ``handshake_timeout``, not by the (shorter) heartbeat timeout: a
    slow start on a loaded machine is not a missed heartbeat."""
    spec = PluginSpec(
        name="silent",
        version="0.1.0",
        plugin_dir=FIXTURES / "silent",
        entry_point="run.sh",
        executable=True,
    )
    settings = replace(FAST, heartbeat_timeout=0.5, handshake_timeout=2.0, max_restarts=0)

    async def scenario() -> None:
        async with running_node(tmp_path, [spec], settings=settings) as node:
            status = node.host.status["silent"]
            started = asyncio.get_running_loop().time()
            await node.wait_for(lambda: status.status == "failed")
            assert asyncio.get_running_loop().time() - started >= 2.0
            assert status.crashes[0].startswith("did not connect within 2.")

    asyncio.run(scenario())
