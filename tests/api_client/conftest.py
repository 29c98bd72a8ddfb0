"""One node for the whole module: starting one costs ~0.3 s, but blocks come every second."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api_client.node_thread import NodeThread


@pytest.fixture(scope="package")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeThread]:
    """A running 1-second dev chain with RPC on ipc, ws and http."""
    running = NodeThread(Path(tmp_path_factory.mktemp("node"))).start()
    yield running
    running.stop()
