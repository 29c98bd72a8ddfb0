"""Module config: defaults merged with the user's, validated in init, applied to the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app import CONFIG_FILE, create_app
from helpers import Chain, hello_transaction, keys

from klayr_py.db import InMemoryDatabase
from klayr_py.errors import ValidationError
from klayr_py.node import ConfigError, load_config
from klayr_py.state_machine.block_executor import BlockExecutionError


def test_config_lengths_apply_to_params_validation() -> None:
    chain = Chain(InMemoryDatabase(), {"minMessageLength": 5, "maxMessageLength": 8})
    chain.genesis()
    (alice,) = keys(1)
    with pytest.raises(BlockExecutionError, match="message"):
        chain.block([hello_transaction(alice, 0, "hey")])
    with pytest.raises(BlockExecutionError, match="message"):
        chain.block([hello_transaction(alice, 0, "far too long")])
    assert chain.block([hello_transaction(alice, 0, "hello!")]).results


def test_custom_blacklist() -> None:
    chain = Chain(InMemoryDatabase(), {"blacklist": ["spam"]})
    chain.genesis()
    (alice,) = keys(1)
    with pytest.raises(BlockExecutionError, match="spam"):
        chain.block([hello_transaction(alice, 0, "buy spam now")])
    assert chain.block([hello_transaction(alice, 0, "illegalWord1 is fine here")]).results


@pytest.mark.parametrize(
    "config",
    [
        {"maxMessageLength": -1},
        {"blacklist": "spam"},
        {"unknown": 1},
        {"minMessageLength": 9, "maxMessageLength": 3},
    ],
)
def test_invalid_config_is_refused(config: dict[str, object]) -> None:
    with pytest.raises((ValidationError, ValueError)):
        Chain(InMemoryDatabase(), config)


def test_a_config_typo_names_the_file_module_and_key(tmp_path: Path) -> None:
    """The node's start says which setting of which file, not the validator's raw line."""
    config = json.loads(CONFIG_FILE.read_text())
    config["modules"]["hello"]["maxMessageLen"] = 10
    config["modules"]["hello"]["minMessageLength"] = "3"
    file = tmp_path / "config.json"
    file.write_text(json.dumps(config))
    app = create_app(load_config(file), CONFIG_FILE.parent)
    with pytest.raises(ConfigError) as refused:
        app.init_modules()
    assert str(refused.value) == (
        f"{file}: modules.hello.maxMessageLen: unknown setting; "
        "modules.hello.minMessageLength: should be of type 'integer'"
    )
