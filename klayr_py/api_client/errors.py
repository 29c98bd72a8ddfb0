"""The client's errors: a node that answered with an error, or a node that cannot be reached."""

from __future__ import annotations

from typing import Any

from klayr_py.errors import KlayrError

__all__ = ["APIClientError", "NodeUnreachableError", "RpcClientError", "WrongChainError"]


class APIClientError(KlayrError):
    """Something between the client and the node went wrong; the message says what."""


class RpcClientError(APIClientError):
    """The node answered a request with a JSON-RPC error (``code``, ``message``, ``data``)."""

    def __init__(self, code: int, message: str, data: Any = None, method: str = "") -> None:
        self.code = code
        self.message = message
        self.data = data
        self.method = method
        prefix = f"{method}: " if method else ""
        super().__init__(f"{prefix}{message} (code {code})")


class NodeUnreachableError(APIClientError, ConnectionError):
    """No connection to the node: it is not running, or not on this address or socket."""


class WrongChainError(APIClientError):
    """The node runs another chain (chain ID or genesis block) than the one the caller expects:
    acting on it would read or sign for the wrong chain."""
