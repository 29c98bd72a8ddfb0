"""JSON-RPC 2.0 framing: parse a message, run each request within its limits, build the reply.

Transport-independent (HTTP, WebSocket and the IPC socket share it). Malformed JSON, a bad
request object, an unknown method or bad params become JSON-RPC errors; an unexpected exception
in a method becomes an internal error with its message, and is logged — the node keeps running.

Block production must never queue behind RPC work, so the :class:`Dispatcher` keeps the event
loop (where blocks are forged and committed) for what only it may touch, one request at a time:
reads of the live state and the pool, which would be inconsistent mid-block. Everything else —
block and transaction reads from the committed chain storage, and the encoding of every response
to JSON — runs on ``rpc.workers`` threads. A message is refused, with an error naming the
limit, when it is a batch of more than ``rpc.maxBatchLength`` requests, takes more than
``rpc.requestTimeout`` seconds, or answers more than ``rpc.maxResponseSize`` bytes.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klayr_py.node.rpc.errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    PARSE_ERROR,
    RpcError,
)
from klayr_py.node.rpc.methods import RpcMethods

if TYPE_CHECKING:
    from klayr_py.node.config import RpcConfig

__all__ = ["COMMITTED_READS", "Dispatcher", "RpcLimits", "error_response", "parse_message"]

COMMITTED_READS = frozenset(
    {
        "chain_getBlockByHeight",
        "chain_getBlockByID",
        "chain_getBlocksByHeightBetween",
        "chain_getEvents",
        "chain_getLastBlock",
        "chain_getTransactionByID",
        "system_getMetadata",
        "system_getSchema",
    }
)
"""Methods that read only committed, immutable data (LevelDB reads are thread-safe; a block is
written in one batch and the last block is swapped in one assignment): they run on a worker."""

_LOGGER = logging.getLogger("klayr_py.rpc")


@dataclass(frozen=True, kw_only=True)
class RpcLimits:
    """What one message may cost; the defaults are ``rpc.*``'s."""

    max_request_size: int = 1 << 20
    max_batch_length: int = 100
    max_response_size: int = 4 << 20
    request_timeout: float = 5.0
    workers: int = 2

    @classmethod
    def from_config(cls, rpc: RpcConfig) -> RpcLimits:
        """The limits set in a node's ``rpc`` section."""
        return cls(
            max_request_size=rpc.max_request_size,
            max_batch_length=rpc.max_batch_length,
            max_response_size=rpc.max_response_size,
            request_timeout=rpc.request_timeout,
            workers=rpc.workers,
        )


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    """A JSON-RPC error response."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_json()}


def parse_message(text: str | bytes) -> Any:
    """The JSON of a message; :class:`RpcError` (parse error) if it is not JSON.

    Python's parser reads ``NaN``, ``Infinity`` and ``1e400`` as floats; an ``id`` that is one
    is then refused as an invalid request, and no reply ever carries one.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # bad JSON or encoding, huge numbers, nesting
        raise RpcError(PARSE_ERROR, f"Parse error: {error}") from None


def _valid_id(request_id: Any) -> bool:
    """A string, an integer, or null: what can be echoed back as JSON (not 1e400, not 1.5)."""
    if request_id is None or isinstance(request_id, str):
        return True
    if isinstance(request_id, float):
        return False  # fractions, and 1e400 which Python reads as infinity
    return isinstance(request_id, int) and not isinstance(request_id, bool)


def _encode(value: Any) -> str:
    """Compact JSON; a NaN or infinity from a method is a bug, not a reply."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class Dispatcher:
    """Answers parsed messages with ``methods`` within ``limits`` (see the module docstring)."""

    def __init__(self, methods: RpcMethods, limits: RpcLimits | None = None) -> None:
        self.methods = methods
        self.limits = limits or RpcLimits()
        self._executor = ThreadPoolExecutor(
            max_workers=self.limits.workers, thread_name_prefix="klayr-rpc"
        )
        self._loop_gate: asyncio.Lock | None = None

    def close(self) -> None:
        """Stop the worker threads: queued reads are dropped, running ones finish first (the
        node closes its databases next, which must not happen under a read)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def respond(self, data: str | bytes) -> str | None:
        """The JSON text answering a raw message, or None when nothing is owed."""
        try:
            message = parse_message(data)
        except RpcError as error:
            return _encode(error_response(None, error))
        return await self.dispatch(message)

    async def dispatch(self, message: Any) -> str | None:
        """The JSON text answering a parsed message (one object or a batch), or None."""
        limits = self.limits
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limits.request_timeout
        if not isinstance(message, list):
            reply = await self._run_one(message, deadline, limits.max_response_size)
            return reply
        if not message:
            return _encode(
                error_response(None, RpcError(INVALID_REQUEST, "Invalid request: empty batch."))
            )
        if len(message) > limits.max_batch_length:
            return _encode(
                error_response(
                    None,
                    RpcError(
                        INVALID_REQUEST,
                        f"Batch of {len(message)} requests exceeds rpc.maxBatchLength "
                        f"({limits.max_batch_length}).",
                    ),
                )
            )
        replies: list[str] = []
        budget = limits.max_response_size - 2  # the brackets
        for request in message:
            reply = await self._run_one(request, deadline, budget)
            if reply is not None:
                budget -= len(reply) + 1
                replies.append(reply)
        return f"[{','.join(replies)}]" if replies else None

    async def _run_one(self, request: Any, deadline: float, budget: int) -> str | None:
        """One request's reply text (None for a notification), within ``budget`` bytes."""
        request_id = request.get("id") if isinstance(request, dict) else None
        if not _valid_id(request_id):
            request_id = None  # never echo what cannot be written back as JSON
        try:
            method, params = _checked(request)
            if budget <= 0:
                raise _response_too_large(self.limits)
            text = await self._call(method, params, deadline)
        except RpcError as error:
            reply = _encode(error_response(request_id, error))
        except Exception as error:  # a module's bug must not take the node down
            _LOGGER.exception("RPC method %s failed", request.get("method"))
            internal = RpcError(INTERNAL_ERROR, f"Internal error: {error}")
            reply = _encode(error_response(request_id, internal))
        else:
            if "id" not in request:
                return None  # a notification: no response
            reply = f'{{"jsonrpc":"2.0","id":{_encode(request_id)},"result":{text}}}'
        if len(reply) > budget:
            reply = _encode(error_response(request_id, _response_too_large(self.limits)))
        return reply

    async def _call(self, method: str, params: dict[str, Any], deadline: float) -> str:
        """Run the method where it is safe and encode its result, before ``deadline``."""
        loop = asyncio.get_running_loop()
        limits = self.limits
        result: Any = None
        try:
            async with asyncio.timeout_at(deadline):
                if method in COMMITTED_READS:
                    return await loop.run_in_executor(
                        self._executor, self._call_and_encode, method, params
                    )
                # Live state and pool: on the loop, between blocks, one request at a time so a
                # block waiting to be forged runs after at most one of them.
                if self._loop_gate is None:
                    self._loop_gate = asyncio.Lock()
                async with self._loop_gate:
                    result = self.methods.call(method, params)
                    await asyncio.sleep(0)  # let a due block go first
                if inspect.isawaitable(result):  # a plugin's endpoint, answered in its process
                    result = await result  # outside the gate: it touches no state here
                return await loop.run_in_executor(self._executor, _encode, result)
        except TimeoutError:
            if inspect.iscoroutine(result):
                result.close()  # a plugin's answer no one will read
            raise RpcError(
                LIMIT_EXCEEDED,
                f"Request {method} took longer than rpc.requestTimeout "
                f"({_seconds(limits.request_timeout)} s).",
            ) from None

    def _call_and_encode(self, method: str, params: dict[str, Any]) -> str:
        return _encode(self.methods.call(method, params))


def _checked(request: Any) -> tuple[str, dict[str, Any]]:
    """The method and params of a well-formed request; :class:`RpcError` says what is wrong."""
    if not isinstance(request, dict):
        raise RpcError(INVALID_REQUEST, "Invalid request: expected a JSON object.")
    if request.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0".')
    method = request.get("method")
    if not isinstance(method, str) or not method:
        raise RpcError(INVALID_REQUEST, 'Invalid request: "method" must be a string.')
    if not _valid_id(request.get("id")):
        raise RpcError(
            INVALID_REQUEST, 'Invalid request: "id" must be a string, an integer or null.'
        )
    params = request.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, 'Invalid params: "params" must be a JSON object.')
    return method, params


def _response_too_large(limits: RpcLimits) -> RpcError:
    return RpcError(
        LIMIT_EXCEEDED,
        f"Response larger than rpc.maxResponseSize ({limits.max_response_size} bytes): "
        "ask for less (a smaller range, fewer requests in the batch).",
    )


def _seconds(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and value == int(value) else str(value)
