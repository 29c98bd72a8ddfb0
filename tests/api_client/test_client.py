"""APIClient against a real node: every transport, errors, transactions, subscriptions."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from klayr_py.api_client import (
    APIClient,
    APIClientError,
    NodeUnreachableError,
    RpcClientError,
    compute_min_fee,
    connect,
    create_ws_client,
)
from klayr_py.chain import Transaction
from tests.api_client.node_thread import ACCOUNTS, CHAIN_ID, TOKEN_ID, NodeThread, free_port


def test_ws_invoke_and_helpers(node: NodeThread) -> None:
    async def scenario() -> None:
        async with APIClient.from_url(node.ws_url) as client:
            info = await client.get_node_info()
            assert info["chainID"] == CHAIN_ID.hex()
            assert info["genesis"]["blockTime"] == 1
            metadata = await client.get_metadata()
            assert "hello" in {module["name"] for module in metadata["modules"]}
            assert "transaction" in await client.get_schema()
            block = await client.get_block_by_height(0)
            assert (await client.get_block_by_id(block["header"]["id"])) == block
            answer = await client.invoke(
                "token_getBalance",
                {"address": ACCOUNTS[0].klayr32_address, "tokenID": TOKEN_ID.hex()},
            )
            assert int(answer["availableBalance"]) > 0

    asyncio.run(scenario())


@pytest.mark.parametrize("transport", ["http", "ipc", "ipc-dir"])
def test_sync_client_over_http_and_ipc(node: NodeThread, transport: str) -> None:
    target: str | Path = {
        "http": node.http_url,
        "ipc": node.ipc,
        "ipc-dir": node.ipc.parent,
    }[transport]
    with connect(target) as client:
        assert client.get_node_info()["chainID"] == CHAIN_ID.hex()
        assert client.get_last_block()["header"]["height"] >= 0


def test_rpc_errors_carry_code_and_message(node: NodeThread) -> None:
    with connect(node.ws_url) as client:
        with pytest.raises(RpcClientError) as unknown:
            client.invoke("nope_nothing")
        assert unknown.value.code == -32601
        assert "nope_nothing" in unknown.value.message
        with pytest.raises(RpcClientError) as bad:
            client.invoke("chain_getBlockByHeight", {"height": "x"})
        assert bad.value.code == -32602
        assert "height" in str(bad.value)


def test_unreachable_node_is_a_clear_error(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(NodeUnreachableError, match="cannot reach the node"):
        connect(f"ws://127.0.0.1:{port}/rpc-ws", timeout=2)
    with (
        connect(f"http://127.0.0.1:{port}/rpc", timeout=2) as client,
        pytest.raises(NodeUnreachableError, match="is it running"),
    ):
        client.get_node_info()
    with pytest.raises(NodeUnreachableError, match="no IPC socket"):
        connect(tmp_path)
    with pytest.raises(APIClientError, match="unsupported node URL"):
        APIClient.from_url("ftp://example.org")


def test_minimum_fee_is_exactly_what_the_node_asks(node: NodeThread) -> None:
    with connect(node.ipc) as client:
        sender = ACCOUNTS[1]
        transaction = client.create_transaction(
            "hello", "createHello", {"message": "fee check"}, sender.private_key.hex()
        )
        min_fee_per_byte = node.app.config.genesis.min_fee_per_byte
        assert transaction.fee == min_fee_per_byte * len(transaction.get_bytes())
        assert compute_min_fee(transaction, min_fee_per_byte) == transaction.fee
        cheaper = replace(transaction, fee=transaction.fee - 1, signatures=()).sign(
            CHAIN_ID, sender.private_key
        )
        with pytest.raises(RpcClientError, match="Insufficient transaction fee"):
            client.send_transaction(cheaper)
        dry = client.dry_run_transaction(transaction)
        assert dry["result"] == 1


def test_create_send_and_subscribe(node: NodeThread) -> None:
    async def scenario() -> None:
        client = await create_ws_client(node.ws_url)
        try:
            heights: list[int] = []
            hellos: asyncio.Queue[Any] = asyncio.Queue()
            await client.subscribe(
                "chain_newBlock", lambda p: heights.append(p["blockHeader"]["height"])
            )

            async def on_hello(params: Any) -> None:
                await hellos.put(params)

            await client.subscribe("hello_newHello", on_hello)
            sender = ACCOUNTS[0]
            nonce = int((await client.get_auth_account(sender.klayr32_address))["nonce"])
            transaction = await client.create_transaction(
                "hello", "createHello", {"message": "hi from the client"}, sender.private_key
            )
            assert isinstance(transaction, Transaction)
            assert transaction.nonce == nonce
            assert await client.send_transaction(transaction) == transaction.id.hex()
            event = await asyncio.wait_for(hellos.get(), 5)
            assert event["data"]["message"] == "hi from the client"
            assert heights, "a chain_newBlock notification came first"
            stored = await client.invoke("chain_getTransactionByID", {"id": transaction.id.hex()})
            assert stored["id"] == transaction.id.hex()
            again = await client.create_transaction(
                "hello", "createHello", {"message": "second"}, sender.private_key
            )
            assert again.nonce == nonce + 1
            await client.unsubscribe("chain_newBlock")
            await client.unsubscribe("hello_newHello", on_hello)
        finally:
            await client.close()

    asyncio.run(scenario())


def test_sync_subscription_over_ipc(node: NodeThread) -> None:
    arrived = threading.Event()
    with connect(node.ipc) as client:
        client.subscribe("chain_newBlock", lambda _: arrived.set())
        assert arrived.wait(5)
        client.unsubscribe("chain_newBlock")


def test_create_transaction_refuses_bad_input(node: NodeThread) -> None:
    key = ACCOUNTS[0].private_key
    with connect(node.ws_url) as client:
        with pytest.raises(APIClientError, match="no module 'nope'"):
            client.create_transaction("nope", "x", {}, key)
        with pytest.raises(APIClientError, match=r"no command 'nope'.*createHello"):
            client.create_transaction("hello", "nope", {}, key)
        with pytest.raises(APIClientError, match="invalid params"):
            client.create_transaction("hello", "createHello", {"msg": 1}, key)
        with pytest.raises(APIClientError, match="hex"):
            client.create_transaction("hello", "createHello", {"message": "abc"}, "zz")
