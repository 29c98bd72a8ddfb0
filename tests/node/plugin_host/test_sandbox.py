"""Each way out of a plugin's process that the IPC capability checks cannot see — reading the
validator's key, signalling the node, writing the chain database, opening a socket — fails
inside the bubblewrap sandbox, and (the same plugin, sandbox off) succeeds without it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from klayr_py.node.plugin_host.host import PluginSpec
from tests.node.plugin_host.host_env import FAST, FIXTURES, require_bubblewrap, running_node

ESCAPES = FIXTURES / "escapes"


def _escaper(config: dict[str, Any], *capabilities: str) -> PluginSpec:
    return PluginSpec(
        name="escaper",
        version="0.1.0",
        plugin_dir=ESCAPES,
        entry_point="escapes:Escaper",
        capabilities=frozenset(capabilities),
        config=config,
    )


async def _report(node: Any, name: str) -> dict[str, str]:
    path = node.host.data_path / "plugins" / name / "report.json"
    await node.wait_for(path.exists)
    report: dict[str, str] = json.loads(path.read_text())
    return report


def _run_escaper(tmp_path: Path, sandbox: str, *capabilities: str) -> tuple[dict[str, str], int]:
    """The escaper's report and how many SIGUSR2 the node (this process) received."""
    signals: list[int] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        config = {
            "keyFile": str(tmp_path / "keys.json"),
            "nodePid": os.getpid(),
            "chainDb": str(tmp_path / "data" / "blockchain.db"),
            "port": listener.getsockname()[1],
        }

        async def scenario() -> dict[str, str]:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR2, signals.append, signal.SIGUSR2)
            try:
                settings = replace(FAST, sandbox=sandbox)
                spec = _escaper(config, *capabilities)
                async with running_node(tmp_path, [spec], settings=settings) as node:
                    report = await _report(node, "escaper")
                    assert node.host.status["escaper"].sandboxed is (sandbox != "off")
                    await asyncio.sleep(0.2)  # a signal, had it been sent, has arrived
                    return report
            finally:
                loop.remove_signal_handler(signal.SIGUSR2)

        return asyncio.run(scenario()), len(signals)


def test_every_escape_succeeds_without_the_sandbox(tmp_path: Path) -> None:
    """The control: the probes are real; without bubblewrap each one gets out."""
    report, signals = _run_escaper(tmp_path, "off")
    assert report == dict.fromkeys(
        ["read_key", "signal_node", "write_chain_db", "open_socket"], "escaped"
    )
    assert signals == 1
    assert (tmp_path / "data" / "blockchain.db" / "ESCAPED").exists()


def test_every_escape_fails_inside_the_sandbox(tmp_path: Path) -> None:
    require_bubblewrap()
    report, signals = _run_escaper(tmp_path, "required")
    assert report["read_key"].startswith("FileNotFoundError")  # the key file does not exist
    assert report["signal_node"].startswith("ProcessLookupError")  # nor does the node's pid
    assert report["write_chain_db"].startswith(("FileNotFoundError", "OSError: [Errno 30]"))
    assert report["open_socket"].startswith("ConnectionRefusedError")  # its own loopback
    assert signals == 0
    assert not (tmp_path / "data" / "blockchain.db" / "ESCAPED").exists()
    assert (tmp_path / "keys.json").exists()


def test_the_network_capability_gives_the_sandbox_the_hosts_network(tmp_path: Path) -> None:
    require_bubblewrap()
    report, _ = _run_escaper(tmp_path, "required", "network")
    assert report["open_socket"] == "escaped"
    assert report["read_key"].startswith("FileNotFoundError")  # the rest stays closed


@pytest.mark.parametrize("sandbox", ["required", "off"])
def test_the_storage_quota_refuses_storage_files_and_directories(
    tmp_path: Path, sandbox: str
) -> None:
    """1 MiB: the second 512 KiB value is refused, a 1.5 MiB file stops at EFBIG, and two
    files of 768 KiB (each allowed) get the plugin stopped with the quota as the reason."""
    if sandbox != "off":
        require_bubblewrap()
    spec = PluginSpec(
        name="hoarder",
        version="0.1.0",
        plugin_dir=ESCAPES,
        entry_point="escapes:Hoarder",
        capabilities=frozenset({"plugin_storage"}),
        config={"values": 8, "fileKib": 1536, "smallFiles": 2},
    )
    settings = replace(
        FAST, sandbox=sandbox, storage_quota_mb=1, quota_check_interval=0.2, heartbeat_timeout=30.0
    )

    async def scenario() -> None:
        async with running_node(tmp_path, [spec], settings=settings) as node:
            report = await _report(node, "hoarder")
            assert report["storage"].startswith("refused after 1 values: -32002: storage quota")
            assert "plugins.storageQuotaMb" in report["storage"]
            assert report["big_file"] == "OSError: [Errno 27] File too large"
            status = node.host.status["hoarder"]
            await node.wait_for(lambda: status.crashes)
            assert status.crashes[0].startswith("exceeded its storage quota: ")
            assert "of 1048576 (plugins.storageQuotaMb)" in status.crashes[0]

    asyncio.run(scenario())


@pytest.mark.parametrize("mode", ["required", "optional"])
def test_without_bubblewrap_the_node_says_so_and_runs_plugins_only_if_the_operator_opted_out(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # no bwrap to be found
    spec = _escaper({"keyFile": "", "nodePid": 2**31 - 1, "chainDb": "", "port": 1})  # no one

    async def scenario() -> None:
        settings = replace(FAST, sandbox=mode)
        async with running_node(tmp_path, [spec], settings=settings, check_sandbox=False) as node:
            status = node.host.status["escaper"]
            if mode == "required":
                assert status.status == "refused" and status.pid is None
                assert "bubblewrap (bwrap) is not installed" in status.reason
                assert 'set plugins.sandbox to "optional"' in status.reason
                assert any(r.levelname == "ERROR" and "no plugin is started" in r.message
                           for r in caplog.records)  # fmt: skip
            else:
                await node.wait_for(lambda: status.status == "running")
                assert not status.sandboxed
                assert any(r.levelname == "WARNING" and "WITHOUT a sandbox" in r.message
                           for r in caplog.records)  # fmt: skip

    asyncio.run(scenario())

