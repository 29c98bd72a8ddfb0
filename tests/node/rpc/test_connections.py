"""Connections: a limit, header and idle timeouts, accept failures logged once per interval, and
the warning for a non-loopback host (issue #17, item 2)."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from klayr_py.api_client import create_ws_client
from klayr_py.node.application import Application
from klayr_py.node.rpc.connections import RateLimitedLog, install_accept_error_log
from klayr_py.node.rpc.server import is_loopback
from tests.node.dev_chain import create_chain, make_app
from tests.node.rpc.test_rpc_server import _call, _forge, _free_port, _run

ROOT = Path(__file__).resolve().parents[3]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_rate_limited_log_writes_one_line_per_interval_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = _Clock()
    log = RateLimitedLog(logging.getLogger("test.rate"), "accept failed", interval=10, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.rate"):
        for step in range(10_000):
            clock.now = step * 0.003  # 10,000 failures over 30 s
            log.record("EMFILE")
        log.flush()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 4  # at 0 s, 10 s and 20 s, and the flush of the rest
    assert lines[0].startswith("accept failed: 1 time(s) in the last 10 s")
    assert sum(int(line.split(": ")[1].split(" ")[0]) for line in lines) == 10_000


def test_accept_failures_reach_the_rate_limited_log_not_a_traceback_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        log = RateLimitedLog(logging.getLogger("test.accept"), "RPC accept() failed")
        install_accept_error_log(loop, log)
        error = OSError(errno.EMFILE, "Too many open files")
        for _ in range(5000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": error}
            )
        log.flush()

    with caplog.at_level(logging.WARNING):
        asyncio.run(run())
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages  # the first at once, the other 4,999 at the flush
    assert "4999 time(s)" in messages[1] and "Too many open files" in messages[1]
    assert all(record.exc_info is None for record in caplog.records)


class _LateRetry:
    def __repr__(self) -> str:
        return "<TimerHandle when=1218.4 BaseSelectorEventLoop._start_serving(...)>"


def test_asyncios_accept_retry_after_the_server_closed_is_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        install_accept_error_log(loop, RateLimitedLog(logging.getLogger("test.late"), "accept"))
        loop.call_exception_handler(
            {
                "message": "Exception in callback BaseSelectorEventLoop._start_serving(...)",
                "exception": ValueError("Invalid file descriptor: -1"),
                "handle": _LateRetry(),
            }
        )
        loop.call_exception_handler({"message": "something else", "exception": KeyError("k")})

    with caplog.at_level(logging.WARNING):
        asyncio.run(run())
    assert [record.getMessage() for record in caplog.records] == ["something else"]


_OUT_OF_FILES = """
import asyncio, resource, sys
sys.path[:0] = [{root!r}, {hello!r}]
from pathlib import Path
from tests.node.dev_chain import make_app
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
app = make_app(Path({tmp!r}), logLevel="warn")
app.config = app.config.with_overrides(
    rpc={{"modes": ["http"], "port": {port}, "maxConnections": 1000}},
    generator={{"keys": {{"fromFile": None}}}},
)
async def main():
    node = asyncio.create_task(app.run_async())
    await asyncio.sleep(6)
    app.shutdown()
    await node
asyncio.run(main())
"""


def test_a_node_out_of_file_descriptors_logs_a_few_lines_not_a_flood(tmp_path: Path) -> None:
    create_chain(tmp_path)
    port = _free_port()
    script = _OUT_OF_FILES.format(
        root=str(ROOT), hello=str(ROOT / "examples" / "hello_module"), tmp=str(tmp_path), port=port
    )
    node = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(held) < 150:
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=1))
            except OSError:
                time.sleep(0.05)
        assert len(held) >= 100  # beyond the node's 64 descriptors: accept() fails
        time.sleep(3)
    finally:
        for connection in held:
            connection.close()
        _, stderr = node.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr[-3000:]
    accept_lines = [line for line in stderr.splitlines() if "accept() failed" in line]
    assert 1 <= len(accept_lines) <= 3, stderr[-3000:]
    assert "Too many open files" in accept_lines[0]


def test_connections_past_the_limit_are_refused_with_503(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        port = int(base.rsplit(":", 1)[1])
        await asyncio.sleep(0.2)  # the probe's connection is released
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        assert answer.startswith(b"HTTP/1.1 503")
        assert b"rpc.maxConnections is 3" in answer
        writer.close()
        # Meanwhile the IPC socket has its own limit: a TCP flood does not lock it.
        connector = aiohttp.UnixConnector(path=str(app.ipc_path))
        async with aiohttp.ClientSession(connector=connector) as ipc:
            assert "result" in await _call(ipc, "http://localhost", "system_getNodeInfo")
        for _, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.2)
        fresh = aiohttp.ClientSession()  # the session's own connection was refused too
        try:
            assert "result" in await _call(fresh, base, "system_getNodeInfo")
        finally:
            await fresh.close()

    _run(tmp_path, scenario, maxConnections=3)


def test_a_half_sent_request_is_closed_after_the_header_timeout(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        port = int(base.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Le")  # and nothing more
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # closed by the node
        assert 0.9 <= time.monotonic() - started < 5
        writer.close()
        assert "result" in await _call(session, base, "system_getNodeInfo")

    _run(tmp_path, scenario, headerTimeout=1)


def test_a_silent_websocket_is_closed_unless_it_subscribed(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        url = base.replace("http", "ws") + "/rpc-ws"
        # Pings (every 0.2 s here) keep a connection alive, not busy: the idle one still goes.
        async with (
            session.ws_connect(url, heartbeat=0.2) as idle,
            session.ws_connect(url, heartbeat=0.2) as subscribed,
        ):
            request = {"jsonrpc": "2.0", "id": 1, "method": "subscribe"}
            await subscribed.send_str(json.dumps({**request, "params": {"topics": ["chain_"]}}))
            assert "result" in await subscribed.receive_json(timeout=5)
            frame = await idle.receive(timeout=5)
            assert frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            await asyncio.sleep(1.2)  # past another idle period: the subscriber stays
            assert not subscribed.closed
            await subscribed.send_str(json.dumps({**request, "method": "system_getNodeInfo"}))
            assert "result" in await subscribed.receive_json(timeout=5)

    _run(tmp_path, scenario, idleTimeout=1)


def test_allowed_methods_govern_websocket_subscriptions(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        async with session.ws_connect(base.replace("http", "ws") + "/rpc-ws") as ws:

            async def subscribe(topics: list[str]) -> dict[str, Any]:
                request = {"jsonrpc": "2.0", "id": 1, "method": "subscribe"}
                await ws.send_str(json.dumps({**request, "params": {"topics": topics}}))
                reply: dict[str, Any] = await ws.receive_json(timeout=5)
                return reply

            refused = await subscribe(["chain_newBlock"])
            assert refused["error"]["code"] == -32601
            assert "chain_newBlock" in refused["error"]["message"]
            assert "rpc.allowedMethods" in refused["error"]["message"]
            # "new" passes the allow-list, and is a substring of chain_newBlock, which does not.
            assert (await subscribe(["new"]))["result"]["topics"] == ["new"]
            _forge(app, 1)
            with pytest.raises(TimeoutError):
                await ws.receive_json(timeout=0.5)

    _run(tmp_path, scenario, allowedMethods=["system_*", "new*"])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.4", False), ("node.example", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_non_loopback_host_logs_that_the_rpc_has_no_authentication(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path)
    app.config = app.config.with_overrides(
        rpc={"modes": ["http"], "host": "0.0.0.0", "port": _free_port()},
        generator={"keys": {"fromFile": None}},
    )

    async def main() -> None:
        node = asyncio.create_task(app.run_async())
        await asyncio.sleep(0.5)
        app.shutdown()
        await node

    with caplog.at_level(logging.WARNING, logger="klayr_py.rpc"):
        asyncio.run(main())
    warnings = [record.getMessage() for record in caplog.records if record.name == "klayr_py.rpc"]
    assert any("0.0.0.0" in line and "no authentication" in line for line in warnings), warnings


def test_klayr_pys_client_reconnects_after_the_idle_timeout(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        client = await create_ws_client(base.replace("http", "ws") + "/rpc-ws")
        try:
            assert (await client.get_node_info())["height"] == 0
            await asyncio.sleep(1.6)  # the node closes the silent socket
            assert (await client.get_node_info())["height"] == 0
        finally:
            await client.close()

    _run(tmp_path, scenario, idleTimeout=1)
