"""Helpers of the network tests: CometBFT homes on loopback ports and processes to drive."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from klayr_py.node.cometbft.home import init_home, set_config

FAST_CONSENSUS = {
    "timeout_propose": "1s",
    "timeout_prevote": "300ms",
    "timeout_precommit": "300ms",
    "timeout_commit": "200ms",
}


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports."""
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def single_home(cometbft: Path, home: Path, proxy_port: int) -> int:
    """A one-validator CometBFT home with fast consensus; its RPC port."""
    rpc_port, p2p_port = free_ports(2)
    init_home(cometbft, home)
    set_config(
        home,
        {
            "": {"proxy_app": f"tcp://127.0.0.1:{proxy_port}", "log_level": "error"},
            "rpc": {"laddr": f"tcp://127.0.0.1:{rpc_port}"},
            "p2p": {"laddr": f"tcp://127.0.0.1:{p2p_port}"},
            "consensus": FAST_CONSENSUS,
        },
    )
    return rpc_port


def start_cometbft(cometbft: Path, home: Path) -> subprocess.Popen[bytes]:
    """``cometbft start`` for ``home``, its output in home/cometbft.log."""
    log = (home / "cometbft.log").open("ab")
    return subprocess.Popen(
        [str(cometbft), "start", "--home", str(home)], stdout=log, stderr=subprocess.STDOUT
    )


def rpc_get(port: int, path: str) -> Any:
    """A CometBFT RPC GET's ``result``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
        return json.loads(response.read())["result"]


async def wait_for_height(port: int, height: int, timeout: float = 60.0) -> int:
    """Wait until the node's latest block height reaches ``height``; that height."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = -1
    while loop.time() < deadline:
        try:
            status = await loop.run_in_executor(None, rpc_get, port, "status")
            last = int(status["sync_info"]["latest_block_height"])
            if last >= height:
                return last
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"height {height} not reached in {timeout} s (last {last})")
