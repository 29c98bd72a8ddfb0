"""Start and stop every node of a local network written by ``klayr-py testnet``.

A convenience for development, not a supervisor: each node runs detached in its own session
(its CometBFT child with it), its output in ``DIR/<name>.log``, its process ID in
``DIR/pids.json``; ``stop`` sends SIGTERM to each node's process group and waits for it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from klayr_py.errors import KlayrError

__all__ = ["start_network", "stop_network"]

_PIDS = "pids.json"


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _read_pids(directory: Path) -> dict[str, int]:
    file = directory / _PIDS
    if not file.is_file():
        return {}
    return {str(name): int(pid) for name, pid in json.loads(file.read_text()).items()}


def start_network(directory: Path) -> dict[str, int]:
    """Start every node of ``directory/network.json`` not already running; name -> pid."""
    try:
        network = json.loads((directory / "network.json").read_text(encoding="utf-8"))
    except OSError as error:
        raise KlayrError(f"{directory} holds no network ({error.strerror})") from None
    pids = {name: pid for name, pid in _read_pids(directory).items() if _alive(pid)}
    for node in network["nodes"]:
        name = str(node["name"])
        if name in pids:
            continue
        with (directory / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                node["start"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        pids[name] = process.pid
    (directory / _PIDS).write_text(json.dumps(pids, indent=2) + "\n", encoding="utf-8")
    return pids


def stop_network(directory: Path, timeout: float = 30.0) -> list[str]:
    """SIGTERM every node started by :func:`start_network` and wait; the names stopped."""
    stopped = []
    pids = _read_pids(directory)
    for name, pid in pids.items():
        if _alive(pid):
            try:
                os.killpg(pid, signal.SIGTERM)  # the node and its CometBFT child
            except ProcessLookupError:
                continue
            stopped.append(name)
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids.values()):
        if time.monotonic() > deadline:
            running = [name for name, pid in pids.items() if _alive(pid)]
            raise KlayrError(f"nodes still running after {timeout:.0f} s: {', '.join(running)}")
        time.sleep(0.2)
    (directory / _PIDS).unlink(missing_ok=True)
    return stopped
