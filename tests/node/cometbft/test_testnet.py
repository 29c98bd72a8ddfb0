"""``klayr-py testnet``: the files a local network needs, and network.json exactly as documented."""

from __future__ import annotations

import base64
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from klayr_py.cli import cli
from klayr_py.node.cometbft.testnet import NodePorts
from klayr_py.node.dev import dev_account
from klayr_py.node.genesis import read_genesis_block
from tests.node.cometbft.network_env import HELLO_APP


def _testnet(directory: Path, *extra: str) -> CliRunner:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["testnet", "--validators", "3", "--dir", str(directory), "--app", str(HELLO_APP),
         "--base-port", "41000", "--timestamp", "1700000000", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return runner


def test_testnet_writes_homes_genesis_and_network_json(
    cometbft_binary: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "net"
    _testnet(directory)
    network = json.loads((directory / "network.json").read_text())
    assert network["chainID"] == "04000000"
    assert [set(node) for node in network["nodes"]] == [
        {"name", "start", "rpc_http", "rpc_ws", "cometbft_rpc"}
    ] * 3
    ports = [NodePorts.of(41000, i) for i in range(3)]
    assert (
        len({p for node in ports for p in (node.p2p, node.cometbft_rpc, node.abci, node.rpc)}) == 12
    )
    genesis = read_genesis_block(directory / "genesis.blob")
    for index, node in enumerate(network["nodes"]):
        assert node["rpc_http"] == f"http://127.0.0.1:{ports[index].rpc}/rpc"
        assert node["rpc_ws"] == f"ws://127.0.0.1:{ports[index].rpc}/rpc-ws"
        assert node["cometbft_rpc"] == f"http://127.0.0.1:{ports[index].cometbft_rpc}"
        assert Path(node["start"][0]).is_absolute() and "--cometbft" in node["start"]
        home = directory / f"node-{index}" / "cometbft"
        key = json.loads((home / "config" / "priv_validator_key.json").read_text())
        expected = dev_account(index, "klayr_py dev validator").public_key
        assert base64.b64decode(key["pub_key"]["value"]) == expected
        document = json.loads((home / "config" / "genesis.json").read_text())
        assert document["app_state"]["genesisBlock"]["header"]["id"] == genesis.id.hex()
        assert document["app_hash"] == genesis.header.state_root.hex().upper()
        assert len(document["validators"]) == 3
        peers = (home / "config" / "config.toml").read_text()
        assert peers.count("@127.0.0.1:") == 2  # every other node
        with (home / "config" / "config.toml").open("rb") as file:
            settings = tomllib.load(file)
        assert settings["p2p"]["flush_throttle_timeout"] == "10ms"
        assert settings["consensus"]["peer_gossip_sleep_duration"] == "10ms"
        assert settings["consensus"]["timeout_commit"] == "1s"
        assert settings["tx_index"]["indexer"] == "null"
        assert settings["storage"]["discard_abci_responses"] is True
        assert settings["rpc"]["max_request_batch_size"] == 500


def test_testnet_refuses_a_directory_holding_a_network(
    cometbft_binary: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "net"
    _testnet(directory)
    result = CliRunner().invoke(cli, ["testnet", "--dir", str(directory)])
    assert result.exit_code == 1
    assert "already holds a network" in result.output


def test_start_runs_a_validator_from_the_consensus_config_alone(
    cometbft_binary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "net"
    _testnet(directory)
    calls: list[tuple[Path, int]] = []
    monkeypatch.setattr(
        "klayr_py.node.cometbft.runner.run_node",
        lambda app, home, *, abci_port: calls.append((home, abci_port)),
    )
    config = directory / "node-1" / "config.json"
    result = CliRunner().invoke(cli, ["start", "--config", str(config), "--app", str(HELLO_APP)])
    assert result.exit_code == 0, result.output
    assert calls == [((directory / "node-1" / "cometbft").resolve(), NodePorts.of(41000, 1).abci)]
    assert json.loads(config.read_text())["consensus"]["engine"] == "cometbft"
