"""Transactions reach CometBFT's RPC in JSON-RPC batches, in order, each caller told its outcome."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from aiohttp import web

from klayr_py.node.cometbft.broadcast import BatchBroadcaster, BroadcastError


class _FakeCometBFT:
    """A JSON-RPC endpoint recording each batch; a transaction b"full" is refused."""

    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body: list[dict[str, Any]] = await request.json()
        self.batches.append([base64.b64decode(call["params"]["tx"]) for call in body])
        await asyncio.sleep(0.01)  # a request in flight: later posts queue behind it
        answers = []
        for call in body:
            if base64.b64decode(call["params"]["tx"]) == b"full":
                answers.append({"jsonrpc": "2.0", "id": call["id"], "error": "mempool is full"})
            else:
                answers.append({"jsonrpc": "2.0", "id": call["id"], "result": {"code": 0}})
        return web.json_response(answers[0] if len(answers) == 1 else answers)  # as CometBFT


async def _with_server(scenario: Any, **limits: int) -> Any:
    fake = _FakeCometBFT()
    app = web.Application()
    app.router.add_post("/", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    broadcaster = BatchBroadcaster(f"http://127.0.0.1:{port}", **({"max_batch": 40} | limits))
    try:
        return fake, broadcaster, await scenario(broadcaster)
    finally:
        await broadcaster.close()
        await runner.cleanup()


def test_many_posts_go_in_few_ordered_batches() -> None:
    transactions = [b"tx-%03d" % i for i in range(100)]

    async def scenario(broadcaster: BatchBroadcaster) -> list[object]:
        return await asyncio.gather(*(broadcaster(tx) for tx in transactions))

    fake, broadcaster, results = asyncio.run(_with_server(scenario))
    assert results == [None] * 100
    assert [tx for batch in fake.batches for tx in batch] == transactions  # in posting order
    assert broadcaster.requests == len(fake.batches) <= 4  # 1 + ceil(99 / 40), not 100
    assert max(len(batch) for batch in fake.batches) <= 40


def test_a_batch_stays_within_cometbfts_body_limit() -> None:
    transactions = [bytes([i]) * 300 for i in range(30)]  # ~500 bytes of JSON each

    async def scenario(broadcaster: BatchBroadcaster) -> list[object]:
        return await asyncio.gather(*(broadcaster(tx) for tx in transactions))

    fake, _, results = asyncio.run(_with_server(scenario, max_body_bytes=2_000))
    assert results == [None] * 30
    assert [tx for batch in fake.batches for tx in batch] == transactions
    assert max(len(batch) for batch in fake.batches) == 3


def test_a_batch_of_one_is_answered_as_one_object() -> None:
    async def scenario(broadcaster: BatchBroadcaster) -> None:
        await broadcaster(b"alone")
        with pytest.raises(BroadcastError, match="mempool is full"):
            await broadcaster(b"full")

    fake, _, _ = asyncio.run(_with_server(scenario))
    assert fake.batches == [[b"alone"], [b"full"]]


def test_a_refused_transaction_fails_alone() -> None:
    async def scenario(broadcaster: BatchBroadcaster) -> list[object]:
        return await asyncio.gather(
            *(broadcaster(tx) for tx in [b"a", b"full", b"b"]), return_exceptions=True
        )

    _, _, results = asyncio.run(_with_server(scenario))
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], BroadcastError) and "mempool is full" in str(results[1])


def test_an_unreachable_cometbft_is_an_error_for_each_caller() -> None:
    async def scenario() -> None:
        broadcaster = BatchBroadcaster("http://127.0.0.1:9", timeout=2)  # discard port: closed
        try:
            with pytest.raises(BroadcastError, match="CometBFT RPC"):
                await broadcaster(b"tx")
        finally:
            await broadcaster.close()

    asyncio.run(scenario())
