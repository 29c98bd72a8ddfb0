"""JSON-RPC 2.0 framing: parse a message, run each request, build the responses.

Transport-independent (HTTP, WebSocket and the IPC socket share it). Malformed JSON, a bad
request object, an unknown method or bad params become JSON-RPC errors; an unexpected exception
in a method becomes an internal error with its message, and is logged — the node keeps running.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

from klayr_py.node.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
)
from klayr_py.node.rpc.methods import RpcMethods

__all__ = ["MAX_BATCH", "dispatch", "error_response", "parse_message"]

MAX_BATCH = 100
"""Requests in one batch; more is an invalid request."""

_LOGGER = logging.getLogger("klayr_py.rpc")


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    """A JSON-RPC error response."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


def parse_message(text: str | bytes) -> Any:
    """The JSON of a message; :class:`RpcError` (parse error) if it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # bad JSON or encoding, huge numbers, nesting
        raise RpcError(PARSE_ERROR, f"Parse error: {error}") from None


async def _run_one(methods: RpcMethods, request: Any) -> dict[str, Any] | None:
    request_id = request.get("id") if isinstance(request, dict) else None
    try:
        if not isinstance(request, dict):
            raise RpcError(INVALID_REQUEST, "Invalid request: expected a JSON object.")
        if request.get("jsonrpc") != "2.0":
            raise RpcError(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0".')
        method = request.get("method")
        if not isinstance(method, str) or not method:
            raise RpcError(INVALID_REQUEST, 'Invalid request: "method" must be a string.')
        if request_id is not None and (
            not isinstance(request_id, (str, int)) or isinstance(request_id, bool)
        ):
            raise RpcError(INVALID_REQUEST, 'Invalid request: "id" must be a string or number.')
        params = request.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, 'Invalid params: "params" must be a JSON object.')
        result = methods.call(method, params)
        if inspect.isawaitable(result):  # a plugin's endpoint answers asynchronously
            result = await result
    except RpcError as error:
        return error_response(request_id, error)
    except Exception as error:  # a module's bug must not take the node down
        _LOGGER.exception("RPC method %s failed", request.get("method"))
        return error_response(request_id, RpcError(INTERNAL_ERROR, f"Internal error: {error}"))
    if "id" not in request:
        return None  # a notification: no response
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


async def dispatch(methods: RpcMethods, message: Any) -> Any:
    """The response(s) to a parsed message: one object, a list for a batch, or None."""
    if isinstance(message, list):
        if not message:
            return error_response(None, RpcError(INVALID_REQUEST, "Invalid request: empty batch."))
        if len(message) > MAX_BATCH:
            return error_response(
                None,
                RpcError(INVALID_REQUEST, f"Invalid request: more than {MAX_BATCH} in a batch."),
            )
        responses = [await _run_one(methods, request) for request in message]
        return [response for response in responses if response is not None] or None
    return await _run_one(methods, message)
