"""``klayr-py`` as a user runs it: init a project, extend it, start it, talk to it, revert it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from klayr_py.cli import cli
from klayr_py.node.dev import dev_accounts
from tests.api_client.node_thread import free_port

ACCOUNT = dev_accounts(1)[0]
_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def klayr_py(*args: str, cwd: Path, check: bool = True) -> Any:
    """Run a CLI command in this process (a fresh interpreter costs seconds on a busy machine);
    the node itself and a few commands run as real subprocesses."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(previous)
    if check and result.exit_code != 0:
        raise AssertionError(f"klayr-py {' '.join(args)} failed: {result.output}")
    result.returncode = result.exit_code
    return result


def klayr_py_process(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter, as the console script would."""
    result = subprocess.run(
        [sys.executable, "-m", "klayr_py.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=_ENV,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"klayr-py {' '.join(args)} failed: {result.stderr}")
    return result


def as_json(result: Any) -> Any:
    return json.loads(result.stdout)


class Node:
    """``klayr-py start`` in the background, stopped with SIGTERM."""

    def __init__(self, cwd: Path, *args: str, ready: Path | int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "klayr_py.cli", "start", "--log-level", "warn", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_ENV,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the node exited: {self.process.communicate()[1]}")
            if (isinstance(ready, Path) and ready.exists()) or (
                isinstance(ready, int) and _listening(ready)
            ):
                return
            time.sleep(0.1)
        self.stop()
        raise AssertionError("the node did not start")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.stdout, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.stdout, _ = self.process.communicate()
        return self.process.returncode


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A project from ``klayr-py init`` with a generated module and commands."""
    root = tmp_path_factory.mktemp("cli") / "e2e-chain"
    port = free_port()
    report = as_json(
        klayr_py_process(
            "init", str(root), "--block-time", "1", "--port", str(port), cwd=root.parent
        )
    )
    assert report["package"] == "e2e_chain"
    assert re.fullmatch(r"04[0-9a-f]{6}", report["chainID"]) and report["chainID"] != "04000000"
    config = json.loads((root / "config" / "config.json").read_text())
    assert config["genesis"]["chainID"] == report["chainID"]
    assert (
        "created e2e_chain/modules/nft/module.py"
        in klayr_py("generate", "module", "nft", cwd=root).stdout
    )
    klayr_py("generate", "command", "nft", "mintNft", cwd=root)
    assert "created e2e_chain/modules/nft/stores/owner_of.py" in (
        klayr_py("generate", "store", "nft", "ownerOf", cwd=root).stdout
    )
    klayr_py("generate", "store", "nft", "supply", cwd=root)
    klayr_py("generate", "event", "nft", "nftMinted", cwd=root)
    klayr_py("generate", "event", "hello", "helloAgain", cwd=root)
    created = klayr_py("generate", "plugin", "block-watch", cwd=root).stdout
    assert "created plugins/block-watch/plugin.toml" in created
    config = json.loads((root / "config" / "config.json").read_text())
    assert config["plugins"]["directory"] == "../plugins"
    module_py = (root / "e2e_chain" / "modules" / "nft" / "module.py").read_text()
    assert "self.stores.register(OwnerOfStore, OwnerOfStore(self.name, 0))" in module_py
    assert "self.stores.register(SupplyStore, SupplyStore(self.name, 1))" in module_py
    assert "self.events.register(NftMintedEvent, NftMintedEvent(self.name))" in module_py
    klayr_py_process("generate", "command", "hello", "say_bye", cwd=root / "e2e_chain")
    again = klayr_py("generate", "command", "nft", "mintNft", cwd=root, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    yield root, port


def test_scaffolded_project_passes_its_own_test(project: tuple[Path, int]) -> None:
    root, _ = project
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env=_ENV,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_start_talk_and_revert(project: tuple[Path, int]) -> None:
    root, port = project
    chain_id = json.loads((root / "config" / "config.json").read_text())["genesis"]["chainID"]
    node = Node(root, ready=root / "data" / "rpc.sock")
    try:
        info = as_json(klayr_py_process("endpoint", "invoke", "system_getNodeInfo", cwd=root))
        assert info["chainID"] == chain_id and info["genesis"]["blockTime"] == 1
        metadata = as_json(
            klayr_py(
                "endpoint",
                "invoke",
                "system_getMetadata",
                cwd=root,
            )
        )
        modules = {m["name"]: m for m in metadata["modules"]}
        assert {c["name"] for c in modules["nft"]["commands"]} == {"mintNft"}
        assert {c["name"] for c in modules["hello"]["commands"]} == {"createHello", "sayBye"}
        assert {e["name"] for e in modules["nft"]["events"]} == {"nftMinted"}
        assert {e["name"] for e in modules["hello"]["events"]} == {"newHello", "helloAgain"}

        created = as_json(
            klayr_py(
                "transaction",
                "create",
                "hello",
                "createHello",
                '{"message": "from the CLI"}',
                "--passphrase",
                ACCOUNT.passphrase,
                "--url",
                f"ws://127.0.0.1:{port}/rpc-ws",
                cwd=root,
            )
        )
        sent = as_json(klayr_py("transaction", "send", created["transaction"], cwd=root))
        assert sent["transactionId"] == created["id"]
        offline = as_json(
            klayr_py(
                "transaction",
                "create",
                "nft",
                "mintNft",
                "{}",
                "--private-key",
                ACCOUNT.private_key.hex(),
                "--offline",
                "--chain-id",
                chain_id,
                "--nonce",
                "1",
                cwd=root,
            )
        )
        klayr_py("transaction", "send", offline["transaction"], "--data-path", "data", cwd=root)
        address = json.dumps({"address": ACCOUNT.klayr32_address})

        def said_hello() -> bool:
            result = klayr_py(
                "endpoint", "invoke", "hello_getHello", address, cwd=root, check=False
            )
            return result.returncode == 0 and as_json(result) == {"message": "from the CLI"}

        wait_for(said_hello)

        def plugin_saw_a_block() -> bool:  # the generated plugin runs and serves its endpoint
            result = klayr_py("endpoint", "invoke", "blockWatch_getStatus", cwd=root, check=False)
            return result.returncode == 0 and (as_json(result)["lastHeight"] or 0) >= 1

        wait_for(plugin_saw_a_block, timeout=30)

        def past_height_one() -> bool:  # the revert below needs a block above height 1
            tip = as_json(klayr_py("block", "get", "last", cwd=root))
            return int(tip["header"]["height"]) >= 2

        wait_for(past_height_one, timeout=30)
        last = as_json(klayr_py("block", "get", "last", cwd=root))
        by_id = as_json(klayr_py("block", "get", last["header"]["id"], cwd=root))
        assert by_id == last
        by_height = as_json(klayr_py("block", "get", str(last["header"]["height"]), cwd=root))
        assert by_height == last
        locked = klayr_py_process(
            "chain", "revert", "--height", "1", "--yes", cwd=root, check=False
        )
        assert locked.returncode == 1
        assert locked.stderr.strip().splitlines()[-1].startswith("Error: the data directory")
        assert "Traceback" not in locked.stderr
    finally:
        assert node.stop() == 0
    sockets = root / "data" / "tmp" / "sockets"
    assert f"klayr-py: Klayr's ZeroMQ IPC in {sockets}" in node.stdout
    reverted = klayr_py("chain", "revert", "--height", "1", "--yes", cwd=root)
    assert "reverted to height 1" in reverted.stdout
    node = Node(root, ready=root / "data" / "rpc.sock")
    try:
        assert as_json(klayr_py("block", "get", "1", cwd=root))["header"]["height"] == 1
    finally:
        node.stop()


def test_every_init_project_gets_its_own_chain_id(tmp_path: Path) -> None:
    first = as_json(klayr_py("init", "one", "--accounts", "1", cwd=tmp_path))
    second = as_json(klayr_py("init", "two", "--accounts", "1", cwd=tmp_path))
    assert first["chainID"] != second["chainID"]
    assert "04000000" not in (first["chainID"], second["chainID"])
    chosen = as_json(klayr_py("init", "three", "--chain-id", "04000abc", cwd=tmp_path))
    assert chosen["chainID"] == "04000abc"
    readme = (tmp_path / "three" / "README.md").read_text()
    assert "refuse a\n  node that runs another chain (chain ID `04000abc`" in readme


def test_dev_chain_without_a_project(tmp_path: Path) -> None:
    port = free_port()
    node = Node(tmp_path, "--dev", "--port", str(port), "--enable-http", ready=port)
    try:
        url = f"http://127.0.0.1:{port}/rpc"
        balance = as_json(
            klayr_py(
                "endpoint",
                "invoke",
                "token_getBalance",
                json.dumps({"address": ACCOUNT.klayr32_address, "tokenID": "0400000000000000"}),
                "--url",
                url,
                cwd=tmp_path,
            )
        )
        assert int(balance["availableBalance"]) > 0
        busy = klayr_py_process("start", "--dev", "--port", str(port), cwd=tmp_path, check=False)
        assert busy.returncode == 1
        assert busy.stderr.strip().splitlines()[-1].startswith("Error: cannot start the RPC server")
    finally:
        assert node.stop() == 0
    assert not list(tmp_path.iterdir())
