"""Heavy reads flooding the RPC while the node forges: no slot goes without its block, and the
node's memory stays bounded (issue #17, item 1)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

from klayr_py.node.application import Application
from tests.node.dev_chain import ACCOUNTS, VALIDATORS, create_chain, hello, make_app
from tests.node.rpc.test_rpc_server import _free_port

_BLOCKS = 100
_TRANSACTIONS_PER_BLOCK = 8
_FLOOD_SECONDS = 10.0
_BLOCK_TIME = 2  # a stall of RPC work shows as a missed slot; a busy machine's jitter does not

# The client runs in its own process, so its JSON parsing does not share the node's loop.
_FLOOD = """
import asyncio, json, sys, time
import aiohttp

URL, SECONDS, BLOCKS = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])

def batch(worker, round_):
    requests = []
    for index in range(100):
        if index % 4 == 3:
            requests.append({"jsonrpc": "2.0", "id": index,
                             "method": "txpool_getTransactionsFromPool"})
        else:
            start = (worker * 7 + round_ + index) % (BLOCKS - 99)
            requests.append({"jsonrpc": "2.0", "id": index,
                             "method": "chain_getBlocksByHeightBetween",
                             "params": {"from": start, "to": start + 99}})
    return requests

async def worker(session, number, stop, counts):
    round_ = 0
    while time.monotonic() < stop:
        try:
            async with session.post(URL, json=batch(number, round_)) as response:
                body = await response.read()
            counts["bytes"] += len(body)
            counts["messages"] += 1
        except aiohttp.ClientError as error:
            counts["errors"] += 1
        round_ += 1

async def main():
    counts = {"messages": 0, "bytes": 0, "errors": 0}
    stop = time.monotonic() + SECONDS
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session, n, stop, counts) for n in range(8)))
    print(json.dumps(counts))

asyncio.run(main())
"""


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _fill_chain(app: Application) -> None:
    """Blocks with transactions to read, at past slots (the live loop forges at the clock's)."""
    engine = app._require_engine()
    nonces = [0] * len(ACCOUNTS)
    timestamp = engine.last_block.header.timestamp
    for _ in range(_BLOCKS):
        for number in range(_TRANSACTIONS_PER_BLOCK):
            account = number % len(ACCOUNTS)
            message = f"flood filler {nonces[account]:04d} " + "x" * 200
            engine.add_transaction(hello(app, ACCOUNTS[account], nonces[account], message))
            nonces[account] += 1
        timestamp += _BLOCK_TIME
        validator = next(v for v in VALIDATORS if v.address == engine.generator_of(timestamp))
        engine.generate_block(timestamp, validator.generator_key)


def test_heavy_reads_do_not_stall_forging_or_grow_memory(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path)
    port = _free_port()
    app.config = app.config.with_overrides(
        genesis={"blockTime": _BLOCK_TIME}, rpc={"modes": ["http"], "port": port}
    )
    engine = app.start()
    _fill_chain(app)
    filled = engine.height
    for account in ACCOUNTS:  # a pool to read as well: future nonces wait there
        for nonce in range(200, 240):
            engine.add_transaction(hello(app, account, nonce, "pooled " + "y" * 200))
    assert len(engine.pool) > 100

    async def scenario() -> tuple[dict[str, int], int, float]:
        node = asyncio.create_task(app.run_async())
        await asyncio.sleep(0.5)
        baseline = _rss_bytes()
        flood = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _FLOOD,
            f"http://127.0.0.1:{port}/rpc",
            str(_FLOOD_SECONDS),
            str(filled),
            stdout=subprocess.PIPE,
        )
        peak = baseline
        started = time.monotonic()
        while flood.returncode is None and time.monotonic() - started < 60:
            peak = max(peak, _rss_bytes())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(flood.wait(), timeout=0.1)
        output = await flood.stdout.read() if flood.stdout else b""
        app.shutdown()
        await node
        return json.loads(output), peak - baseline, baseline

    counts, growth, _ = asyncio.run(scenario())
    assert counts["messages"] >= 4 and counts["errors"] == 0, counts  # the flood happened

    reopened = make_app(tmp_path)
    reopened.config = reopened.config.with_overrides(genesis={"blockTime": _BLOCK_TIME})
    live = reopened.start()
    try:
        timestamps = [
            block.header.timestamp
            for block in live.storage.get_blocks_between(filled + 1, live.height)
        ]
    finally:
        reopened.close()
    assert len(timestamps) >= int(_FLOOD_SECONDS) // _BLOCK_TIME - 1, timestamps
    gaps = [later - earlier for earlier, later in itertools.pairwise(timestamps)]
    assert gaps == [_BLOCK_TIME] * len(gaps), f"missed slots while flooded: {gaps}"
    assert growth < 150 * 1024 * 1024, f"the node grew by {growth / 2**20:.0f} MiB"
