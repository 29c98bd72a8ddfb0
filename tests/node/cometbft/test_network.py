"""A 4-validator klayr_py network on CometBFT, every node a real process on 127.0.0.1:
agreement at every height, a transaction sent to one node read on another, bad input refused,
and the faults BFT tolerates (one of four killed) and does not (two of four)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from klayr_py.node.cometbft.execution import TxCode
from klayr_py.node.dev import dev_account
from klayr_py.node.genesis import read_genesis_block
from tests.node.cometbft.network_env import Network, wait_until
from tests.node.dev_chain import hello, make_app
from tests.node.rpc.test_klayr_api_client import _CLIENT_SCRIPT
from tests.oracle.node import require_oracle, run_node

pytestmark = pytest.mark.usefixtures("cometbft_binary")
ACCOUNT = dev_account(0)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, cometbft_binary: Path) -> Iterator[Network]:
    made = Network(tmp_path_factory.mktemp("net") / "testnet", validators=4)
    for index in range(made.size):
        made.start(index)
    try:
        yield made
    finally:
        made.stop_all()


def _hello_tx(tmp: Path, nonce: int, message: str) -> bytes:
    return hello(make_app(tmp), ACCOUNT, nonce, message).get_bytes()


def test_four_validators_agree_at_every_height(network: Network, tmp_path: Path) -> None:
    wait_until(lambda: min(network.height(i) for i in range(4)) >= 21, 90, "height 21 on all")
    genesis = read_genesis_block(network.directory / "genesis.blob")
    for height in range(1, 21):
        hashes = {network.app_hash_after(i, height) for i in range(4)}
        roots = {network.klayr_block(i, height)["header"]["stateRoot"] for i in range(4)}
        assert len(hashes) == 1 and len(roots) == 1, f"height {height}: {hashes} {roots}"
        assert hashes == {root.upper() for root in roots}  # app hash = Klayr state root
    first = network.klayr_block(0, 1)["header"]
    assert first["previousBlockID"] == genesis.id.hex()
    generators = {network.klayr_block(0, h)["header"]["generatorAddress"] for h in range(1, 21)}
    validators = {dev_account(i, "klayr_py dev validator").klayr32_address for i in range(4)}
    assert generators <= validators and len(generators) > 1  # proposers map to Klayr validators


def test_hello_sent_to_node_1_is_read_on_node_4(network: Network, tmp_path: Path) -> None:
    sent = network.broadcast(0, _hello_tx(tmp_path, 0, "hello across the network"))
    assert sent["code"] == TxCode.OK, sent
    address = {"address": ACCOUNT.klayr32_address}

    def read_on_node_4() -> bool:
        try:
            found = network.query(3, "/endpoint/hello_getHello", address)
        except RuntimeError:
            return False
        return bool(found["message"] == "hello across the network")

    wait_until(read_on_node_4, 30, "the hello on node 4")


def test_bad_transactions_are_refused_with_a_reason(network: Network, tmp_path: Path) -> None:
    garbage = network.broadcast(1, b"\xde\xad\xbe\xef")
    assert garbage["code"] == TxCode.UNDECODABLE and "not a Klayr transaction" in garbage["log"]
    address = {"address": ACCOUNT.klayr32_address}
    wait_until(  # node 2 has the block holding nonce 0 too (it may trail node 4 by a block)
        lambda: network.query(1, "/endpoint/auth_getAuthAccount", address)["nonce"] == "1",
        30,
        "nonce 1 on node 2",
    )
    stale = network.broadcast(1, _hello_tx(tmp_path, 0, "nonce already used"))
    assert stale["code"] == TxCode.INVALID and stale["log"]
    # A malformed ABCI message on the node's ABCI port: refused, logged, the node carries on.
    argv = network.spec["nodes"][1]["start"]
    abci_port = int(argv[argv.index("--abci-port") + 1])
    with socket.create_connection(("127.0.0.1", abci_port), timeout=5) as sock:
        sock.sendall(b"\x04\xff\xff\xff\xff")  # a complete frame that is no Request
        assert b"not an ABCI Request" in sock.recv(4096)
        sock.sendall(b"\xff" * 11)  # no varint: the server closes this connection
        assert sock.recv(4096) == b""
    before = network.height(1)
    wait_until(lambda: network.height(1) >= before + 2, 30, "blocks after bad input")
    log = (network.directory / "node-1.log").read_text()
    assert "ABCI request rejected" in log and "not a varint" in log


def test_klayr_rpc_posts_on_node_2_and_reads_on_node_4(network: Network, tmp_path: Path) -> None:
    sender = dev_account(2)
    tx = hello(make_app(tmp_path), sender, 0, "through the Klayr RPC")
    posted = network.klayr_rpc(1, "txpool_postTransaction", {"transaction": tx.get_bytes().hex()})
    assert posted == {"transactionId": tx.id.hex()}

    def read() -> bool:
        try:
            found = network.klayr_rpc(3, "hello_getHello", {"address": sender.klayr32_address})
        except RuntimeError:
            return False
        return bool(found == {"message": "through the Klayr RPC"})

    wait_until(read, 30, "the hello through node 4's Klayr RPC")
    included = network.klayr_rpc(3, "chain_getTransactionByID", {"id": tx.id.hex()})
    assert included["id"] == tx.id.hex()
    info = network.klayr_rpc(3, "system_getNodeInfo")
    assert info["finalizedHeight"] == info["height"]  # CometBFT's commit is final


def test_klayr_api_client_through_node_3(network: Network) -> None:
    require_oracle("@klayr/api-client")
    account = dev_account(3)
    result = run_node(
        _CLIENT_SCRIPT,
        {
            "url": network.spec["nodes"][2]["rpc_ws"],
            "privateKey": account.private_key.hex(),
            "address": account.klayr32_address,
            "message": "api-client on CometBFT",
        },
        timeout=60,
    )
    assert result["chainID"] == network.spec["chainID"]
    assert result["hello"] == {"message": "api-client on CometBFT"}
    assert result["includedId"] == result["sent"]["transactionId"]


def test_websocket_subscribers_of_node_4_see_a_hello_posted_on_node_1(
    network: Network, tmp_path: Path
) -> None:
    sender = dev_account(1)
    tx = hello(make_app(tmp_path), sender, 0, "seen by a subscriber")

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(network.spec["nodes"][3]["rpc_ws"]) as ws,
        ):
            topics = ["chain_newBlock", "hello_newHello"]
            request = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "subscribe",
                "params": {"topics": topics},
            }
            await ws.send_str(json.dumps(request))
            assert (await ws.receive_json(timeout=10))["result"]["topics"] == topics
            posted = {"transaction": tx.get_bytes().hex()}
            await asyncio.to_thread(network.klayr_rpc, 0, "txpool_postTransaction", posted)
            while "hello_newHello" not in seen:
                message = await ws.receive_json(timeout=30)
                seen[message["method"]] = message["params"]
        return seen

    seen = asyncio.run(scenario())
    assert seen["chain_newBlock"]["blockHeader"]["height"] > 0
    assert seen["hello_newHello"]["data"]["message"] == "seen by a subscriber"


def test_one_of_four_killed_then_restarted_catches_up(network: Network) -> None:
    network.kill(3)  # SIGKILL: no shutdown code runs
    start = network.height(0)
    wait_until(lambda: network.height(0) >= start + 5, 60, "blocks without node 4")
    network.start(3)
    wait_until(lambda: network.height(3) >= network.height(0) - 1, 90, "node 4 catching up")
    height = network.height(3) - 1
    roots = {network.klayr_block(i, height)["header"]["stateRoot"] for i in (0, 3)}
    assert len(roots) == 1


def test_two_of_four_killed_halts_then_one_back_resumes(network: Network) -> None:
    network.kill(2)
    network.kill(3)
    time.sleep(2)  # a block in flight may still commit
    halted = network.height(0)
    time.sleep(4)
    assert network.height(0) == halted == network.height(1)  # no quorum: no block, no fork
    network.start(2)
    wait_until(lambda: network.height(0) >= halted + 3, 90, "blocks after node 3 is back")
    wait_until(lambda: network.height(2) >= halted + 3, 60, "node 3 following")
    height = halted + 2
    roots = {network.klayr_block(i, height)["header"]["stateRoot"] for i in (0, 1, 2)}
    assert len(roots) == 1
    assert network.is_running(2)
