"""Fixtures of the token tests."""

from __future__ import annotations

import pytest

from klayr_py.db import InMemoryDatabase
from klayr_py.modules.token import TokenModule
from klayr_py.state import StateStore
from klayr_py.state_machine import EventQueue, MethodContext
from tests.modules.token.chain import GENESIS_CONFIG


@pytest.fixture
def token() -> TokenModule:
    module = TokenModule()
    module.init({}, GENESIS_CONFIG)
    return module


@pytest.fixture
def state() -> StateStore:
    return StateStore(InMemoryDatabase())


@pytest.fixture
def ctx(state: StateStore) -> MethodContext:
    """A writable method context over a fresh in-memory state, with its own event queue."""
    return MethodContext(state, EventQueue(1), {})
