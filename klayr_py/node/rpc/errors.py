"""JSON-RPC 2.0 errors: the standard codes and a message a person can act on."""

from __future__ import annotations

from typing import Any

from klayr_py.errors import KlayrError

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "LIMIT_EXCEEDED",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "RpcError",
]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
LIMIT_EXCEEDED = -32005
"""A server limit (response size, time) stopped the request: -32005 as in EIP-1474, from the
range JSON-RPC 2.0 leaves to servers."""


class RpcError(KlayrError):
    """A request failed; ``code`` is a JSON-RPC error code, the message says why."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        """The ``error`` member of a JSON-RPC response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error
