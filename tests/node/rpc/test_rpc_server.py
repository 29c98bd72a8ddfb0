"""The RPC server end to end: HTTP, WebSocket and IPC; Klayr's methods; errors; subscriptions."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from klayr_py.chain import Transaction
from klayr_py.node.application import Application
from klayr_py.node.rpc import MAX_REQUEST_BYTES
from tests.node.dev_chain import (
    ACCOUNTS,
    CHAIN_ID,
    FEE,
    VALIDATORS,
    create_chain,
    hello,
    make_app,
    slot_timestamp,
)


def _forge(app: Application, slot: int) -> None:
    engine = app._require_engine()
    timestamp = slot_timestamp(slot)
    validator = next(v for v in VALIDATORS if v.address == engine.generator_of(timestamp))
    engine.generate_block(timestamp, validator.generator_key)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


Scenario = Callable[[Application, aiohttp.ClientSession, str], Awaitable[None]]


def _run(tmp_path: Path, scenario: Scenario, **rpc: Any) -> None:
    """Run ``scenario(app, session, base_url)`` against a started node with every RPC mode."""
    create_chain(tmp_path)
    app = make_app(tmp_path)
    port = _free_port()
    app.config = app.config.with_overrides(
        rpc={"modes": ["http", "ws", "ipc"], "port": port, **rpc},
        generator={"keys": {"fromFile": None}},  # the loop forges nothing: the tests do
    )

    async def main() -> None:
        node = asyncio.create_task(app.run_async())
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.post(f"{base}/rpc", json={}) as response:
                        await response.read()
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            try:
                await scenario(app, session, base)
            finally:
                app.shutdown()
                await node

    asyncio.run(main())


async def _call(
    session: aiohttp.ClientSession, base: str, method: str, params: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    async with session.post(f"{base}/rpc", json=body) as response:
        result: dict[str, Any] = await response.json()
        return result


def test_system_methods(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        info = (await _call(session, base, "system_getNodeInfo"))["result"]
        assert info["chainID"] == CHAIN_ID.hex()
        assert info["height"] == 0
        assert info["genesis"]["blockTime"] == 10
        assert info["lastBlockID"] == app._require_engine().last_block.id.hex()
        metadata = (await _call(session, base, "system_getMetadata"))["result"]["modules"]
        names = [module["name"] for module in metadata]
        assert names == sorted(names) and "hello" in names and "token" in names
        hello_module = next(m for m in metadata if m["name"] == "hello")
        assert hello_module["commands"][0]["name"] == "createHello"
        assert hello_module["commands"][0]["params"]["properties"]["message"]
        schema = (await _call(session, base, "system_getSchema"))["result"]
        assert set(schema) == {"block", "header", "asset", "transaction", "event", "standardEvent"}

    _run(tmp_path, scenario)


def test_transactions_blocks_and_events(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        tx = hello(app, ACCOUNTS[0], 0, "hello over rpc")
        posted = await _call(
            session, base, "txpool_postTransaction", {"transaction": tx.get_bytes().hex()}
        )
        assert posted["result"] == {"transactionId": tx.id.hex()}
        pool = (await _call(session, base, "txpool_getTransactionsFromPool"))["result"]
        assert [entry["id"] for entry in pool] == [tx.id.hex()]
        dry = (
            await _call(
                session, base, "txpool_dryRunTransaction", {"transaction": tx.get_bytes().hex()}
            )
        )["result"]
        assert dry["result"] == 1 and any(e["name"] == "newHello" for e in dry["events"])
        _forge(app, 1)
        last = (await _call(session, base, "chain_getLastBlock"))["result"]
        assert last["header"]["height"] == 1
        assert [t["id"] for t in last["transactions"]] == [tx.id.hex()]
        by_height = (await _call(session, base, "chain_getBlockByHeight", {"height": 1}))["result"]
        assert by_height == last
        by_id = (await _call(session, base, "chain_getBlockByID", {"id": last["header"]["id"]}))[
            "result"
        ]
        assert by_id == last
        between = (
            await _call(session, base, "chain_getBlocksByHeightBetween", {"from": 0, "to": 1})
        )["result"]
        assert [b["header"]["height"] for b in between] == [0, 1]
        found = (await _call(session, base, "chain_getTransactionByID", {"id": tx.id.hex()}))[
            "result"
        ]
        assert found["params"] == tx.to_json()["params"]
        events = (await _call(session, base, "chain_getEvents", {"height": 1}))["result"]
        assert any(e["module"] == "hello" and e["name"] == "newHello" for e in events)
        message = await _call(
            session, base, "hello_getHello", {"address": ACCOUNTS[0].klayr32_address}
        )
        assert message["result"] == {"message": "hello over rpc"}
        auth = await _call(
            session, base, "auth_getAuthAccount", {"address": ACCOUNTS[0].klayr32_address}
        )
        assert auth["result"]["nonce"] == "1"

    _run(tmp_path, scenario)


def test_bad_requests_get_json_rpc_errors_and_the_server_keeps_going(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        async def raw(body: bytes) -> tuple[int, Any]:
            async with session.post(f"{base}/rpc", data=body) as response:
                return response.status, await response.json()

        status, reply = await raw(b"{not json")
        assert reply["error"]["code"] == -32700
        _, reply = await raw(b'{"jsonrpc": "1.0", "id": 1, "method": "system_getNodeInfo"}')
        assert reply["error"]["code"] == -32600
        _, reply = await raw(b'{"jsonrpc": "2.0", "id": 1, "method": 5}')
        assert reply["error"]["code"] == -32600
        reply = await _call(session, base, "nope_nothing")
        assert reply["error"]["code"] == -32601 and "nope_nothing" in reply["error"]["message"]
        reply = await _call(session, base, "chain_getBlockByHeight", {"height": "one"})
        assert reply["error"]["code"] == -32602 and "height" in reply["error"]["message"]
        reply = await _call(session, base, "chain_getBlockByHeight", {"height": 99})
        assert reply["error"]["code"] == -32602 and "99" in reply["error"]["message"]
        reply = await _call(session, base, "hello_getHello", {"address": "not-an-address"})
        assert reply["error"]["code"] == -32602 and "address" in reply["error"]["message"]
        reply = await _call(session, base, "txpool_postTransaction", {"transaction": "zz"})
        assert reply["error"]["code"] == -32602
        reply = await _call(session, base, "txpool_postTransaction", {"transaction": "0a0b"})
        assert (
            reply["error"]["code"] == -32602 and "transaction" in reply["error"]["message"].lower()
        )
        bad_fee = hello(app, ACCOUNTS[0], 0, "cheap", fee=1)
        reply = await _call(
            session, base, "txpool_postTransaction", {"transaction": bad_fee.get_bytes().hex()}
        )
        assert reply["error"]["code"] == -32602 and "fee" in reply["error"]["message"].lower()
        reply = await _call(session, base, "system_getNodeInfo", [1, 2])
        assert reply["error"]["code"] == -32602
        status, reply = await raw(b" " * (MAX_REQUEST_BYTES + 10))
        assert status == 413 and reply["error"]["code"] == -32600
        # A batch, with a notification (no id) that gets no response.
        batch = [
            {"jsonrpc": "2.0", "id": "a", "method": "system_getNodeInfo"},
            {"jsonrpc": "2.0", "method": "system_getNodeInfo"},
            {"jsonrpc": "2.0", "id": "b", "method": "missing_method"},
        ]
        _, reply = await raw(json.dumps(batch).encode())
        assert [r["id"] for r in reply] == ["a", "b"] and "error" in reply[1]
        # Still serving.
        assert (await _call(session, base, "system_getNodeInfo"))["result"]["height"] == 0

    _run(tmp_path, scenario)


def test_allowed_methods_filter(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        assert "result" in await _call(session, base, "system_getNodeInfo")
        refused = await _call(session, base, "txpool_getTransactionsFromPool")
        assert (
            refused["error"]["code"] == -32601 and "allowedMethods" in refused["error"]["message"]
        )

    _run(tmp_path, scenario, allowedMethods=["system_*", "hello_*"])


async def _messages(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[dict[str, Any]]:
    while True:
        frame = await asyncio.wait_for(ws.receive(), timeout=5)
        yield json.loads(frame.data)


def test_websocket_requests_and_subscriptions(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        async with session.ws_connect(base.replace("http", "ws") + "/rpc-ws") as ws:
            await ws.send_str(
                json.dumps({"jsonrpc": "2.0", "id": 7, "method": "system_getNodeInfo"})
            )
            reply = await ws.receive_json(timeout=5)
            assert reply["id"] == 7 and reply["result"]["height"] == 0
            await ws.send_str("{broken")
            assert (await ws.receive_json(timeout=5))["error"]["code"] == -32700
            topics = [
                "chain_newBlock",
                "txpool_newTransaction",
                "hello_newHello",
                "chain_deleteBlock",
            ]
            await ws.send_str(
                json.dumps(
                    {"jsonrpc": "2.0", "id": 8, "method": "subscribe", "params": {"topics": topics}}
                )
            )
            assert (await ws.receive_json(timeout=5))["result"]["topics"] == sorted(topics)
            tx = hello(app, ACCOUNTS[1], 0, "subscribed hello")
            engine = app._require_engine()
            engine.add_transaction(tx)
            _forge(app, 1)
            engine.delete_last_block()
            seen: dict[str, Any] = {}
            async for message in _messages(ws):
                seen[message["method"]] = message["params"]
                if len(seen) == 4:
                    break
            assert seen["txpool_newTransaction"]["transaction"]["id"] == tx.id.hex()
            assert seen["chain_newBlock"]["blockHeader"]["height"] == 1
            assert seen["chain_deleteBlock"]["blockHeader"]["height"] == 1
            assert seen["hello_newHello"]["data"]["message"] == "subscribed hello"
            await ws.send_str(
                json.dumps(
                    {"jsonrpc": "2.0", "id": 9, "method": "subscribe", "params": {"topics": []}}
                )
            )
            assert (await ws.receive_json(timeout=5))["error"]["code"] == -32600

    _run(tmp_path, scenario)


def test_ipc_socket_serves_the_same_methods(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        connector = aiohttp.UnixConnector(path=str(app.ipc_path))
        async with aiohttp.ClientSession(connector=connector) as ipc:
            reply = await _call(ipc, "http://localhost", "system_getNodeInfo")
            assert reply["result"]["chainID"] == CHAIN_ID.hex()
            async with ipc.ws_connect("http://localhost/rpc-ws") as ws:
                await ws.send_str(
                    json.dumps({"jsonrpc": "2.0", "id": 1, "method": "chain_getLastBlock"})
                )
                assert (await ws.receive_json(timeout=5))["result"]["header"]["height"] == 0

    _run(tmp_path, scenario)
    assert not (tmp_path / "data" / "rpc.sock").exists()  # removed on stop


@pytest.mark.parametrize("mode", ["http"])
def test_a_busy_port_is_a_clear_error(tmp_path: Path, mode: str) -> None:
    create_chain(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        app = make_app(tmp_path)
        app.config = app.config.with_overrides(
            rpc={"modes": [mode], "port": taken.getsockname()[1]}
        )
        with pytest.raises(Exception, match="cannot start the RPC server"):
            asyncio.run(app.run_async())


def test_pathological_json_and_huge_heights_are_clean_errors(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        for body in (b"1" * 5000, b"[" * 100_000):
            async with session.post(f"{base}/rpc", data=body) as response:
                assert (await response.json())["error"]["code"] == -32700
        reply = await _call(session, base, "chain_getBlockByHeight", {"height": 2**40})
        assert reply["error"]["code"] == -32602

    _run(tmp_path, scenario)


def test_tcp_serves_only_the_configured_modes(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path)
    port = _free_port()
    app.config = app.config.with_overrides(
        rpc={"modes": ["ipc", "ws"], "port": port},
        generator={"keys": {"fromFile": None}},  # a slot passing mid-test must not forge block 1
    )

    async def main() -> None:
        node = asyncio.create_task(app.run_async())
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(100):
                    try:
                        async with session.ws_connect(f"ws://127.0.0.1:{port}/rpc-ws"):
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
                async with session.post(f"http://127.0.0.1:{port}/rpc", json={}) as response:
                    assert response.status in (404, 405)  # no HTTP mode on TCP
                connector = aiohttp.UnixConnector(path=str(app.ipc_path))
                async with aiohttp.ClientSession(connector=connector) as ipc:
                    reply = await _call(ipc, "http://localhost", "system_getNodeInfo")
                    assert reply["result"]["height"] == 0
        finally:
            app.shutdown()
            await node

    asyncio.run(main())


def test_bad_transaction_bytes_in_an_endpoint_are_invalid_params_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        for method in ("auth_isValidSignature", "auth_isValidNonce"):
            for transaction in ("00", "0a0b", "zz"):
                reply = await _call(session, base, method, {"transaction": transaction})
                assert reply["error"]["code"] == -32602, reply
                assert reply["error"]["message"].startswith("Invalid parameters."), reply

    with caplog.at_level(logging.ERROR, logger="klayr_py.rpc"):
        _run(tmp_path, scenario)
    assert not [record for record in caplog.records if record.exc_info], caplog.text


def test_hex_parameters_are_exactly_as_strict_as_klayrs_hex_format(tmp_path: Path) -> None:
    # @klayr/validator's isHexString: /^([0-9a-f]{2})+$/i, or the empty string.
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        tx = hello(app, ACCOUNTS[0], 0, "hex").get_bytes().hex()
        for refused in (tx[:10] + " " + tx[10:], "0x" + tx, tx + "0", tx[:-2] + "\n0a"):
            reply = await _call(session, base, "txpool_dryRunTransaction", {"transaction": refused})
            assert reply["error"]["code"] == -32602
            assert "transaction must be a valid hex string" in reply["error"]["message"], refused
        reply = await _call(session, base, "txpool_dryRunTransaction", {"transaction": tx.upper()})
        assert reply["result"]["result"] == 1  # Klayr's format ignores case
        reply = await _call(session, base, "chain_getBlockByID", {"id": "ab cd"})
        assert "id must be a valid hex string" in reply["error"]["message"]

    _run(tmp_path, scenario)


def test_one_message_size_limit_on_every_transport(tmp_path: Path) -> None:
    limit = 4096

    def message(size: int) -> str:
        text = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "system_getNodeInfo"})
        return text + " " * (size - len(text))

    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        connector = aiohttp.UnixConnector(path=str(app.ipc_path))
        async with aiohttp.ClientSession(connector=connector) as ipc:
            for client, url in ((session, base), (ipc, "http://localhost")):
                async with client.post(f"{url}/rpc", data=message(limit)) as response:
                    assert "result" in await response.json()
                async with client.post(f"{url}/rpc", data=message(limit + 1)) as response:
                    assert response.status == 413
                    error = (await response.json())["error"]
                    assert "rpc.maxRequestSize (4096 bytes)" in error["message"]
                async with client.ws_connect(f"{url.replace('http', 'ws')}/rpc-ws") as ws:
                    await ws.send_str(message(limit))
                    assert "result" in await ws.receive_json(timeout=5)
                    await ws.send_str(message(limit + 1))
                    frame = await ws.receive(timeout=5)
                    assert frame.type == aiohttp.WSMsgType.CLOSE and frame.data == 1009

    _run(tmp_path, scenario, maxRequestSize=limit)


def test_the_block_range_limit_is_configured_and_named(tmp_path: Path) -> None:
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        for slot in (1, 2, 3):
            _forge(app, slot)
        reply = await _call(session, base, "chain_getBlocksByHeightBetween", {"from": 0, "to": 2})
        assert [block["header"]["height"] for block in reply["result"]] == [0, 1, 2]
        reply = await _call(session, base, "chain_getBlocksByHeightBetween", {"from": 0, "to": 3})
        assert reply["error"]["code"] == -32602
        assert "4 blocks asked, more than rpc.maxBlockRange (3)" in reply["error"]["message"]

    _run(tmp_path, scenario, maxBlockRange=3)


def test_a_same_nonce_transaction_needs_klayrs_replacement_fee_difference(tmp_path: Path) -> None:
    # Klayr's transaction pool: minReplacementFeeDifference, 10 beddows by default.
    async def scenario(app: Application, session: aiohttp.ClientSession, base: str) -> None:
        first = hello(app, ACCOUNTS[0], 0, "first", fee=FEE)
        same_fee = hello(app, ACCOUNTS[0], 0, "second", fee=FEE + 9)
        higher = hello(app, ACCOUNTS[0], 0, "third", fee=FEE + 10)

        async def post(tx: Transaction) -> dict[str, Any]:
            params = {"transaction": tx.get_bytes().hex()}
            return await _call(session, base, "txpool_postTransaction", params)

        assert (await post(first))["result"] == {"transactionId": first.id.hex()}
        refused = await post(same_fee)
        assert refused["error"]["code"] == -32602
        message = refused["error"]["message"]
        assert "replacement_fee_too_low" in message and f"at least {FEE + 10}" in message
        pool = (await _call(session, base, "txpool_getTransactionsFromPool"))["result"]
        assert [entry["id"] for entry in pool] == [first.id.hex()]  # the first one stays
        assert (await post(higher))["result"] == {"transactionId": higher.id.hex()}
        pool = (await _call(session, base, "txpool_getTransactionsFromPool"))["result"]
        assert [entry["id"] for entry in pool] == [higher.id.hex()]

    _run(tmp_path, scenario)
