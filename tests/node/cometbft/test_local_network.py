"""``klayr-py testnet start`` / ``stop``: every node of a local network up, then down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.node.cometbft.network_env import Network, wait_until


def _cli(*args: str) -> dict[str, object]:
    # A separate process, as a user runs it: the nodes it starts are not this test's children.
    done = subprocess.run(
        [sys.executable, "-m", "klayr_py.cli", "testnet", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_testnet_start_and_stop(cometbft_binary: Path, tmp_path: Path) -> None:
    network = Network(tmp_path / "net", validators=2)
    directory = str(network.directory)
    started = _cli("start", "--dir", directory)
    assert set(started) == {"node-0", "node-1"}
    try:
        wait_until(lambda: min(network.height(i) for i in range(2)) >= 3, 60, "height 3")
        assert _cli("start", "--dir", directory) == started  # already running: unchanged
    finally:
        stopped = _cli("stop", "--dir", directory)
    assert stopped == {"stopped": ["node-0", "node-1"]}
    assert network.height(0) == -1  # nothing answers any more
    assert not (network.directory / "pids.json").exists()
