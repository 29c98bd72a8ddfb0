"""The CometBFT binary for the network tests: found, or built once with ``go install``.

Without Go (and no binary) the tests that need it skip with the reason; with
KLAYR_PY_REQUIRE_COMETBFT=1 (set by .ci/run) they fail instead, so CI cannot skip them silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from klayr_py.node.cometbft.binary import CometBFTUnavailableError, require_cometbft


@pytest.fixture(scope="session")
def cometbft_binary() -> Path:
    """The pinned CometBFT binary (installing it on first use)."""
    try:
        return require_cometbft()
    except CometBFTUnavailableError as error:
        if os.environ.get("KLAYR_PY_REQUIRE_COMETBFT"):
            pytest.fail(str(error))
        pytest.skip(str(error))
