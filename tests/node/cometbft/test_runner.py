"""The validator process: a home that is not ours and a CometBFT that dies are errors, not hangs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from klayr_py.errors import KlayrError
from klayr_py.node import Application
from klayr_py.node.cometbft.runner import CometBFTNode
from tests.node.cometbft.network_env import Network
from tests.node.dev_chain import make_app


def _node_app(network: Network) -> tuple[Application, Path]:
    node = network.directory / "node-0"
    config = json.loads((node / "config.json").read_text())
    app = make_app(node)
    app.config = app.config.with_overrides(
        system={"dataPath": str(node / "data")}, rpc={"modes": []}
    )
    assert config["genesis"]["chainID"] == app.config.genesis.chain_id
    return app, node / "cometbft"


def test_cometbft_exiting_stops_the_node_with_an_error(
    cometbft_binary: Path, tmp_path: Path
) -> None:
    network = Network(tmp_path / "net", validators=1)
    app, home = _node_app(network)
    fake = tmp_path / "cometbft"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    node = CometBFTNode(app, home, abci_port=0, cometbft=fake)
    with pytest.raises(KlayrError, match="CometBFT exited with code 3"):
        asyncio.run(node.run(asyncio.Event()))
    assert node.abci_app is None  # databases closed


def test_a_home_without_a_klayr_genesis_is_refused(cometbft_binary: Path, tmp_path: Path) -> None:
    network = Network(tmp_path / "net", validators=1)
    app, home = _node_app(network)
    genesis = home / "config" / "genesis.json"
    document = json.loads(genesis.read_text())
    del document["app_state"]
    genesis.write_text(json.dumps(document))
    node = CometBFTNode(app, home, abci_port=0, cometbft=cometbft_binary)
    with pytest.raises(KlayrError, match="is not a klayr_py CometBFT home"):
        asyncio.run(node.run(asyncio.Event()))
