"""``klayr-py chain reset`` (alias ``blockchain reset``) and ``chain revert``, node stopped."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from klayr_py.cli import cli
from klayr_py.node import load_config
from klayr_py.node.dev import dev_genesis_assets, write_generator_keys
from klayr_py.node.genesis import write_genesis_block
from tests.api_client.node_thread import ACCOUNTS, CHAIN_ID, VALIDATORS, make_app, make_config


def _chain(folder: Path, blocks: int = 1) -> Path:
    """A config file whose chain has forged ``blocks`` blocks in ``folder/data``."""
    config = make_config(folder, 7887, [])
    assets = dev_genesis_assets(CHAIN_ID, VALIDATORS, [(a.address, 10**12) for a in ACCOUNTS])
    block = make_app(config).create_genesis_block(assets, int(time.time()) - 100)
    write_genesis_block(block, folder / "genesis.blob")
    write_generator_keys(folder / "keys.json", VALIDATORS)
    file = folder / "config.json"
    file.write_text(json.dumps(config))
    app = make_app(load_config(file))
    engine = app.start()
    for _ in range(blocks):
        assert app.forge(engine.last_block.header.timestamp + 1) is not None
    assert engine.height == blocks
    app.close()
    return file


def test_reset_deletes_the_chain_and_the_next_start_begins_at_genesis(tmp_path: Path) -> None:
    file = _chain(tmp_path)
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["blockchain", "reset", "--config", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"klayr-py: reset {data}; the next start begins at the genesis block"
    )
    assert not (data / "blockchain.db").exists() and not (data / "offchain.db").exists()
    app = make_app(load_config(file))
    assert app.start().height == 0
    app.close()
    again = CliRunner().invoke(cli, ["chain", "reset", "--config", str(file), "--yes"])
    assert again.exit_code == 0
    assert "klayr-py: reset" in again.output  # the restart above made a chain again


def test_reset_refuses_while_the_node_runs_and_deletes_nothing(tmp_path: Path) -> None:
    file = _chain(tmp_path)
    running = make_app(load_config(file))
    running.start()
    try:
        result = CliRunner().invoke(cli, ["chain", "reset", "--config", str(file), "--yes"])
    finally:
        running.close()
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: the data directory is in use by a running node (its LevelDB is locked); "
        "stop the node first"
    )
    assert (tmp_path / "data" / "blockchain.db").is_dir()


def test_reset_asks_first_without_yes(tmp_path: Path) -> None:
    file = _chain(tmp_path)
    result = CliRunner().invoke(cli, ["chain", "reset", "--config", str(file)], input="n\n")
    assert result.exit_code == 1
    assert "Delete every block and all state in" in result.output
    assert (tmp_path / "data" / "blockchain.db").is_dir()


def test_revert_counts_progress_in_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    file = _chain(tmp_path, blocks=3)
    result = CliRunner().invoke(
        cli, ["chain", "revert", "--height", "0", "--config", str(file), "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Reverting: 1/3 blocks",
        "Reverting: 2/3 blocks",
        "Reverting: 3/3 blocks",
    ]
    assert result.stdout.startswith("klayr-py: reverted to height 0")
