"""The CometBFT (ABCI 2.0) driver: a klayr_py application as one validator of a BFT network.

CometBFT does consensus, peer-to-peer gossip, the mempool and block sync; it drives the state
machine over ABCI through :class:`~klayr_py.node.cometbft.server.AbciServer`. ``proto/`` holds
the vendored ABCI ``.proto`` files of the pinned release (``binary.COMETBFT_VERSION``) and the
Python code generated from them (``proto/generate.sh``). See docs/network.md.
"""

from klayr_py.node.cometbft.application import CODE_OK, AbciApplication
from klayr_py.node.cometbft.binary import (
    COMETBFT_VERSION,
    CometBFTUnavailableError,
    find_cometbft,
    install_cometbft,
    require_cometbft,
)
from klayr_py.node.cometbft.framing import FramingError, MessageError
from klayr_py.node.cometbft.server import AbciServer, handle_request

__all__ = [
    "CODE_OK",
    "COMETBFT_VERSION",
    "AbciApplication",
    "AbciServer",
    "CometBFTUnavailableError",
    "FramingError",
    "MessageError",
    "find_cometbft",
    "handle_request",
    "install_cometbft",
    "require_cometbft",
]
