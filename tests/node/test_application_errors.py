"""Start-up errors that say what to do: a port in use, a data directory of another chain."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest

from klayr_py.errors import KlayrError
from klayr_py.node import ConfigError, load_config
from klayr_py.node.dev import dev_genesis_assets, write_generator_keys
from klayr_py.node.genesis import write_genesis_block
from tests.api_client.node_thread import ACCOUNTS, CHAIN_ID, VALIDATORS, make_app, make_config


def _project(folder: Path, port: int, timestamp: int) -> Path:
    """A config file (ws on ``port``) with its own genesis block made at ``timestamp``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = make_config(folder, port, ["ws"])
    assets = dev_genesis_assets(CHAIN_ID, VALIDATORS, [(a.address, 10**12) for a in ACCOUNTS])
    block = make_app(config).create_genesis_block(assets, timestamp)
    write_genesis_block(block, folder / "genesis.blob")
    write_generator_keys(folder / "keys.json", VALIDATORS)
    file = folder / "config.json"
    file.write_text(json.dumps(config))
    return file


def test_a_port_in_use_names_the_setting_and_the_option(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        file = _project(tmp_path, port, int(time.time()) - 5)
        app = make_app(load_config(file))
        with pytest.raises(KlayrError) as refused:
            asyncio.run(app.run_async())
    assert str(refused.value) == (
        f"cannot start the RPC server: 127.0.0.1:{port} is already in use (another node?): "
        f"set another rpc.port in {file}, or start with --port N"
    )


def test_a_data_directory_of_another_chain_says_how_to_reset(tmp_path: Path) -> None:
    first = _project(tmp_path / "first", 7887, int(time.time()) - 50)
    app = make_app(load_config(first))
    app.start()
    app.close()
    second = _project(tmp_path / "second", 7887, int(time.time()) - 5)
    config = json.loads(second.read_text())
    config["system"]["dataPath"] = str(tmp_path / "first" / "data")
    second.write_text(json.dumps(config))
    other = make_app(load_config(second))
    with pytest.raises(KlayrError) as refused:
        other.start()
    data = tmp_path / "first" / "data"
    message = str(refused.value)
    assert message.startswith(f"the data directory {data} belongs to another chain")
    assert f"delete it (rm -r {data}; its blocks are lost)" in message
    assert f"set another system.dataPath in {second} (klayr-py start --data-path DIR)" in message


def test_enabled_plugins_without_a_directory_are_refused(tmp_path: Path) -> None:
    file = _project(tmp_path, 7887, int(time.time()) - 5)
    config = json.loads(file.read_text())
    config["plugins"] = {"enabled": ["hello-stats"]}
    file.write_text(json.dumps(config))
    app = make_app(load_config(file))
    with pytest.raises(ConfigError) as refused:
        app.start()
    assert str(refused.value) == (
        f"{file}: plugins.enabled lists hello-stats but plugins.directory is not set, so no "
        "plugin would run: set plugins.directory to the folder holding the plugins "
        "(docs/plugins.md)"
    )
    assert app.engine is None
