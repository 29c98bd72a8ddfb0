"""A local network of N validators on loopback ports: one directory per node, network.json.

Layout of ``DIR``::

    network.json            chain ID and, per node, the argv that starts it and its endpoints
    genesis.blob            the Klayr genesis block (the same one CometBFT's app_state carries)
    dev-validators.json     every validator's generator keys (dev keys: public passphrases)
    node-<i>/config.json    the Klayr config of node i (data path node-<i>/data)
    node-<i>/cometbft/      the CometBFT home of node i (its consensus key = validator i's
                            generator key; peers = every other node)

Node i uses four consecutive ports from ``base_port + 10 * i``: p2p, CometBFT RPC, ABCI, Klayr
RPC. Validator i is the dev validator "klayr_py dev validator <i>", funded accounts are those
of ``klayr-py genesis create``.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klayr_py.chain import Block
from klayr_py.node.cometbft.home import (
    GenesisValidator,
    init_home,
    set_config,
    write_genesis,
    write_node_key,
    write_validator_key,
)
from klayr_py.node.dev import DevAccount, dev_account

__all__ = ["NODE_PORTS", "THROUGHPUT_SETTINGS", "NodePorts", "TestnetLayout", "write_testnet"]

NODE_PORTS = 10
THROUGHPUT_SETTINGS: dict[str, dict[str, str | int | bool]] = {
    # A message waits at most 10 ms to be flushed to a peer (CometBFT: 100 ms), and consensus
    # gossip polls every 10 ms (100 ms): each of a round's steps (proposal, block parts,
    # prevotes, precommits) crosses the network sooner, so blocks come closer to
    # timeout_commit (idle, 1 s timeout_commit: 1.1 s blocks instead of 1.4 s).
    "p2p": {"flush_throttle_timeout": "10ms"},
    "consensus": {"peer_gossip_sleep_duration": "10ms"},
    # The Klayr RPC serves transactions, blocks and events from the node's own records:
    # CometBFT indexing every transaction's events and storing every FinalizeBlock answer
    # again is work (and disk) nothing reads. CometBFT's /tx_search and past /block_results
    # are off; docs/network.md.
    "tx_index": {"indexer": "null"},
    "storage": {"discard_abci_responses": True},
}
"""CometBFT settings every testnet node gets, beside its ports and peers (docs/network.md)."""
NODE_KEY_LABEL = "klayr_py dev node"


@dataclass(frozen=True)
class NodePorts:
    """The loopback ports of one node."""

    p2p: int
    cometbft_rpc: int
    abci: int
    rpc: int

    @classmethod
    def of(cls, base_port: int, index: int) -> NodePorts:
        """Node ``index``'s ports from ``base_port``."""
        first = base_port + NODE_PORTS * index
        return cls(first, first + 1, first + 2, first + 3)


@dataclass(frozen=True)
class TestnetLayout:
    """Where things are: the directory, node count, ports, and the app to run."""

    directory: Path
    validators: int
    base_port: int
    app_spec: str | None
    consensus: dict[str, str]
    """CometBFT [consensus] settings (timeouts) for every node."""

    def node_dir(self, index: int) -> Path:
        """Node ``index``'s directory."""
        return self.directory / f"node-{index}"

    def start_argv(self, index: int) -> list[str]:
        """The argv that starts node ``index`` from any working directory."""
        node = self.node_dir(index).resolve()
        argv = [sys.executable, "-m", "klayr_py.cli", "start", "--cometbft"]
        argv += ["--config", str(node / "config.json")]
        argv += ["--cometbft-home", str(node / "cometbft")]
        argv += ["--abci-port", str(NodePorts.of(self.base_port, index).abci)]
        if self.app_spec is not None:
            argv += ["--app", self.app_spec]
        return argv


def klayr_config(layout: TestnetLayout, index: int, base: dict[str, Any]) -> dict[str, Any]:
    """Node ``index``'s Klayr config: ``base`` with its own data path, keys file and RPC port."""
    ports = NodePorts.of(layout.base_port, index)
    config: dict[str, Any] = json.loads(json.dumps(base))
    config.setdefault("system", {})["dataPath"] = "data"
    config.setdefault("genesis", {})["block"] = {"fromFile": "../genesis.blob"}
    rpc = config.setdefault("rpc", {})
    rpc.update({"modes": ["http", "ws"], "host": "127.0.0.1", "port": ports.rpc})
    config["consensus"] = {"engine": "cometbft", "cometbftHome": "cometbft", "abciPort": ports.abci}
    return config


def write_testnet(
    layout: TestnetLayout,
    *,
    cometbft: Path,
    genesis: Block,
    chain_id: str,
    validators: Sequence[DevAccount],
    base_config: dict[str, Any],
) -> dict[str, Any]:
    """Write every node's Klayr config and CometBFT home, and network.json; its content."""
    directory = layout.directory
    directory.mkdir(parents=True, exist_ok=True)
    node_ids = [
        write_node_key_for(cometbft, layout.node_dir(i) / "cometbft", i)
        for i in range(layout.validators)
    ]
    seconds = genesis.header.timestamp
    genesis_time = datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # CometBFT voting power = Klayr BFT weight (InitChain returns the same set).
    genesis_validators = [
        GenesisValidator(v.public_key, 1, f"validator-{i}") for i, v in enumerate(validators)
    ]
    nodes = []
    for index in range(layout.validators):
        node = layout.node_dir(index)
        home = node / "cometbft"
        ports = NodePorts.of(layout.base_port, index)
        write_validator_key(home, validators[index].private_key)
        write_genesis(
            home,
            chain_id=f"klayr-{chain_id}",
            genesis_time=genesis_time,
            validators=genesis_validators,
            app_state={"genesisBlock": genesis.to_json()},
            app_hash=genesis.header.state_root,
            initial_height=genesis.header.height + 1,
        )
        peers = ",".join(
            f"{node_ids[other]}@127.0.0.1:{NodePorts.of(layout.base_port, other).p2p}"
            for other in range(layout.validators)
            if other != index
        )
        set_config(
            home,
            {
                "": {
                    "proxy_app": f"tcp://127.0.0.1:{ports.abci}",
                    "moniker": f"node-{index}",
                    "log_level": "error",
                },
                "rpc": {
                    "laddr": f"tcp://127.0.0.1:{ports.cometbft_rpc}",
                    "max_request_batch_size": 500,  # transactions reach the mempool in batches
                },
                "p2p": {
                    "laddr": f"tcp://127.0.0.1:{ports.p2p}",
                    "persistent_peers": peers,
                    "addr_book_strict": False,
                    "allow_duplicate_ip": True,
                    "pex": False,
                    **THROUGHPUT_SETTINGS["p2p"],
                },
                "consensus": {**THROUGHPUT_SETTINGS["consensus"], **layout.consensus},
                "tx_index": dict(THROUGHPUT_SETTINGS["tx_index"]),
                "storage": dict(THROUGHPUT_SETTINGS["storage"]),
            },
        )
        config = klayr_config(layout, index, base_config)
        (node / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        nodes.append(
            {
                "name": f"node-{index}",
                "start": layout.start_argv(index),
                "rpc_http": f"http://127.0.0.1:{ports.rpc}/rpc",
                "rpc_ws": f"ws://127.0.0.1:{ports.rpc}/rpc-ws",
                "cometbft_rpc": f"http://127.0.0.1:{ports.cometbft_rpc}",
            }
        )
    network = {"chainID": chain_id, "nodes": nodes}
    (directory / "network.json").write_text(json.dumps(network, indent=2) + "\n", encoding="utf-8")
    return network


def write_node_key_for(cometbft: Path, home: Path, index: int) -> str:
    """Initialise node ``index``'s home and give it its dev node key; its node ID."""
    init_home(cometbft, home)
    return write_node_key(home, dev_account(index, NODE_KEY_LABEL).private_key)
