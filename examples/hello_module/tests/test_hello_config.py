"""Module config: defaults merged with the user's, validated in init, applied to the command."""

from __future__ import annotations

import pytest
from helpers import Chain, hello_transaction, keys

from klayr_py.db import InMemoryDatabase
from klayr_py.errors import ValidationError
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
