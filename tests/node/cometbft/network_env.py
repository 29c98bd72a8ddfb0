"""A local CometBFT network of klayr_py validators for the tests: made by ``klayr-py testnet``,
each node a real process (``klayr-py start --cometbft`` and its CometBFT child)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from klayr_py.cli import cli
from klayr_py.node.cometbft.testnet import NODE_PORTS

HELLO_APP = Path(__file__).resolve().parents[3] / "examples" / "hello_module" / "app.py"


def _free_base_port(validators: int) -> int:
    """A base port whose ``validators * NODE_PORTS`` following ports are all free now."""
    for _ in range(50):
        base = random.randrange(30000, 60000 - validators * NODE_PORTS, NODE_PORTS)
        try:
            for port in range(base, base + validators * NODE_PORTS):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range on 127.0.0.1")


class Network:
    """The nodes of ``directory/network.json`` as processes the test starts and kills."""

    def __init__(self, directory: Path, validators: int, app: str = str(HELLO_APP)) -> None:
        self.directory = directory
        result = CliRunner().invoke(
            cli,
            [
                "testnet",
                "--validators", str(validators),
                "--dir", str(directory),
                "--app", app,
                "--base-port", str(_free_base_port(validators)),
                "--timeout-commit", "200ms",
                "--timeout-propose", "1s",
                "--timestamp", "1700000000",
                "--accounts", "4",
            ],
        )  # fmt: skip
        if result.exit_code != 0:
            raise RuntimeError(f"klayr-py testnet failed: {result.output}")
        self.spec: dict[str, Any] = json.loads((directory / "network.json").read_text())
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def size(self) -> int:
        return len(self.spec["nodes"])

    def start(self, index: int, app: str | None = None) -> None:
        """Start node ``index`` with its network.json argv (``app`` replaces its ``--app``)."""
        node = self.spec["nodes"][index]
        argv = list(node["start"])
        if app is not None:
            argv[argv.index("--app") + 1] = app
        log = (self.directory / f"{node['name']}.log").open("ab")
        self.processes[index] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Signal node ``index``'s process group (klayr-py and its CometBFT) and reap it."""
        process = self.processes.pop(index)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(30)

    def stop_all(self) -> None:
        for index in list(self.processes):
            self.kill(index, signal.SIGTERM)

    def is_running(self, index: int) -> bool:
        return index in self.processes and self.processes[index].poll() is None

    # -- CometBFT RPC -------------------------------------------------------------------------

    def rpc(self, index: int, method: str, **params: str) -> Any:
        url = f"{self.spec['nodes'][index]['cometbft_rpc']}/{method}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]

    def height(self, index: int) -> int:
        try:
            return int(self.rpc(index, "status")["sync_info"]["latest_block_height"])
        except OSError:
            return -1

    def app_hash_after(self, index: int, height: int) -> str:
        """The app hash CometBFT recorded for the state after ``height`` (in header height+1)."""
        return str(self.rpc(index, "block", height=str(height + 1))["block"]["header"]["app_hash"])

    def broadcast(self, index: int, tx: bytes) -> dict[str, Any]:
        result: dict[str, Any] = self.rpc(index, "broadcast_tx_sync", tx="0x" + tx.hex())
        return result

    def query(self, index: int, path: str, params: object = None) -> Any:
        data = json.dumps(params if params is not None else {}).encode()
        response = self.rpc(index, "abci_query", path=json.dumps(path), data="0x" + data.hex())
        answer = response["response"]
        if int(answer.get("code", 0)) != 0:
            raise RuntimeError(f"query {path}: {answer.get('log')}")
        return json.loads(base64.b64decode(answer["value"]))

    def klayr_rpc(self, index: int, method: str, params: object = None) -> Any:
        """A Klayr JSON-RPC call over HTTP to node ``index``; its result."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}})
        request = urllib.request.Request(
            self.spec["nodes"][index]["rpc_http"],
            data=body.encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def klayr_block(self, index: int, height: int) -> dict[str, Any]:
        block: dict[str, Any] = self.query(index, f"/chain/block/{height}")
        return block


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not within {timeout} s")
