"""The pytest plugin of klayr_py (registered as an entry point; active once klayr_py is installed).

Fixtures:

- ``klayr_env`` — a factory: ``klayr_env([MyModule()], **options)`` returns a
  :class:`~klayr_py.testing.BlockProcessingEnv` (closed after the test);
- ``klayr_state_store`` — an empty in-memory state store;
- ``klayr_accounts`` — ten deterministic funded-account key sets (the ones envs fund).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from klayr_py.modules import BaseModule
from klayr_py.node.dev import DevAccount, dev_accounts
from klayr_py.state import StateStore
from klayr_py.testing.contexts import create_state_store
from klayr_py.testing.env import BlockProcessingEnv

EnvFactory = Callable[..., BlockProcessingEnv]


@pytest.fixture
def klayr_env() -> Iterator[EnvFactory]:
    """Build block-processing environments; each is closed when the test ends."""
    created: list[BlockProcessingEnv] = []

    def make(modules: Sequence[BaseModule] = (), **options: Any) -> BlockProcessingEnv:
        env = BlockProcessingEnv(modules, **options)
        created.append(env)
        return env

    yield make
    for env in created:
        env.close()


@pytest.fixture
def klayr_state_store() -> StateStore:
    """An empty on-chain state store over an in-memory database."""
    return create_state_store()


@pytest.fixture
def klayr_accounts() -> list[DevAccount]:
    """The dev accounts a default :class:`BlockProcessingEnv` funds."""
    return dev_accounts(10)
