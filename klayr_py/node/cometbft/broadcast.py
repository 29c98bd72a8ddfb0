"""Handing transactions to the local CometBFT's mempool, many per HTTP request.

``txpool_postTransaction`` on a CometBFT node admits a transaction and then hands its bytes to
CometBFT (``broadcast_tx_async``). With one HTTP request per transaction, a validator under load
spent 11% of its Python samples in that HTTP client (py-spy), and CometBFT served as many HTTP
requests. :class:`BatchBroadcaster` sends what is waiting as one JSON-RPC batch: while one
request is in flight the next transactions queue, and the next request takes them all (up to
``max_batch``), in the order they were posted; CometBFT runs a batch's calls in order, so a
sender's nonces reach its mempool in order. Each caller still learns its own transaction's
outcome.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

import aiohttp

from klayr_py.errors import KlayrError

__all__ = ["BatchBroadcaster", "BroadcastError"]


class BroadcastError(KlayrError):
    """CometBFT did not take a transaction; the message says why."""


class BatchBroadcaster:
    """``await broadcaster(tx)`` hands ``tx`` to CometBFT at ``url`` (its RPC address)."""

    def __init__(
        self,
        url: str,
        *,
        max_batch: int = 10,
        max_body_bytes: int = 1_000_000,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.max_batch = max_batch
        """CometBFT's ``rpc.max_request_batch_size`` (10 by default)."""
        self.max_body_bytes = max_body_bytes
        """CometBFT's ``rpc.max_body_bytes``: a batch's JSON stays below it."""
        self.timeout = timeout
        self.requests = 0
        """HTTP requests sent so far (each a batch)."""
        self.logger = logging.getLogger("klayr_py.cometbft")
        self._waiting: list[tuple[bytes, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, transaction: bytes) -> None:
        """Return once CometBFT took ``transaction``; :class:`BroadcastError` if it refused."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((transaction, future))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_waiting())
        await future

    async def close(self) -> None:
        """Send what is waiting, then close the HTTP session."""
        if self._sender is not None:
            await asyncio.gather(self._sender, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send_waiting(self) -> None:
        while self._waiting:
            count, size = 0, 2
            for tx, _ in self._waiting[: self.max_batch]:
                size += _CALL_BYTES + 4 * (len(tx) + 2) // 3
                if count and size > self.max_body_bytes:
                    break
                count += 1
            batch = self._waiting[:count]
            del self._waiting[:count]
            try:
                answers = await self._post([tx for tx, _ in batch])
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
                failure = BroadcastError(f"CometBFT RPC {self.url}: {error or type(error)}")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(failure)
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if future.done():
                    continue
                if answer is None:
                    future.set_result(None)
                else:
                    future.set_exception(BroadcastError(answer))

    async def _post(self, transactions: list[bytes]) -> list[str | None]:
        """One JSON-RPC batch of ``broadcast_tx_async``; per transaction None or the error."""
        if self._session is None:  # one keep-alive connection for every batch
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        body = [
            {
                "jsonrpc": "2.0",
                "id": index,
                "method": "broadcast_tx_async",
                "params": {"tx": base64.b64encode(tx).decode()},
            }
            for index, tx in enumerate(transactions)
        ]
        self.requests += 1
        async with self._session.post(self.url, json=body) as reply:
            document = await reply.json(content_type=None)
        return _outcomes(document, len(transactions))


_CALL_BYTES = 100
"""The JSON of one call in a batch, besides its base64 transaction (at most)."""


def _outcomes(document: Any, count: int) -> list[str | None]:
    """Each call's error text (None for success), by id, from a JSON-RPC batch answer."""
    if isinstance(document, dict) and "id" in document:  # CometBFT answers a batch of one so
        document = [document]
    if isinstance(document, dict):  # the whole batch refused (a JSON-RPC error object)
        return [str(document.get("error", document))] * count
    if not isinstance(document, list):
        raise ValueError(f"not a JSON-RPC batch answer: {document!r:.200}")
    outcomes: list[str | None] = ["no answer from CometBFT"] * count
    for answer in document:
        index = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(index, int) or not 0 <= index < count:
            continue
        error = answer.get("error")
        outcomes[index] = None if error is None else str(error)
    return outcomes
