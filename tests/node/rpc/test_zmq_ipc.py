"""Klayr's ZeroMQ IPC transport: requests over ROUTER/DEALER, notifications over pub/sub.

The Python tests speak the protocol with pyzmq as Klayr's ``IPCChannel`` does; the oracle test
runs ``@klayr/api-client``'s ``createIPCClient(dataPath)`` itself, unchanged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq

from klayr_py.errors import KlayrError
from klayr_py.node.rpc.zmq_ipc import PUB_SOCKET, RPC_SOCKET, ZmqIpcServer
from tests.api_client.node_thread import ACCOUNTS, CHAIN_ID, NodeThread
from tests.oracle.node import require_oracle, run_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeThread]:
    """A 1-second dev chain (default modules + hello) serving only ``ipc``."""
    running = NodeThread(Path(tmp_path_factory.mktemp("zmq")), modes=["ipc"]).start()
    yield running
    running.stop()


def _sockets(node: NodeThread) -> Path:
    return Path(node.config["system"]["dataPath"]) / "tmp" / "sockets"


def _dealer(context: zmq.Context[Any], node: NodeThread) -> zmq.Socket[Any]:
    dealer = context.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.RCVTIMEO, 10_000)
    dealer.connect(f"ipc://{_sockets(node) / RPC_SOCKET}")
    return dealer


def test_requests_over_router_dealer(node: NodeThread) -> None:
    with zmq.Context() as context, _dealer(context, node) as dealer:
        request = {"jsonrpc": "2.0", "id": 7, "method": "system_getNodeInfo", "params": {}}
        dealer.send(json.dumps(request).encode())
        answer = json.loads(dealer.recv())
        assert answer["id"] == 7
        assert answer["result"]["chainID"] == CHAIN_ID.hex()

        dealer.send(b"{not json")
        assert json.loads(dealer.recv())["error"]["code"] == -32700

        dealer.send(json.dumps({"jsonrpc": "2.0", "id": 8, "method": "nope_nothing"}).encode())
        refused = json.loads(dealer.recv())
        assert refused["id"] == 8
        assert refused["error"]["code"] == -32601
        assert refused["error"]["message"] == "Method nope_nothing does not exist."


def test_new_blocks_are_published_to_subscribers(node: NodeThread) -> None:
    with zmq.Context() as context, context.socket(zmq.SUB) as subscriber:
        subscriber.setsockopt(zmq.LINGER, 0)
        subscriber.setsockopt(zmq.RCVTIMEO, 10_000)
        subscriber.connect(f"ipc://{_sockets(node) / PUB_SOCKET}")
        subscriber.subscribe(b"chain_newBlock")
        topic, payload = subscriber.recv_multipart()
    assert topic == b"chain_newBlock"
    notification = json.loads(payload)
    assert notification["jsonrpc"] == "2.0"
    assert notification["method"] == "chain_newBlock"
    assert notification["params"]["blockHeader"]["height"] >= 1


def test_socket_files_are_where_klayr_clients_look(node: NodeThread) -> None:
    data_path = Path(node.config["system"]["dataPath"])
    assert (data_path / "tmp" / "sockets" / "engine.external.rpc.ipc").is_socket()
    assert (data_path / "tmp" / "sockets" / "external.pub.ipc").is_socket()


def test_too_long_a_socket_path_is_refused_naming_it(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 100)
    server = ZmqIpcServer(methods=None, data_path=deep)  # type: ignore[arg-type]
    with pytest.raises(KlayrError, match=r"longer than the 107 bytes .* system\.dataPath"):
        asyncio.run(server.start())
    assert not deep.exists()


_IPC_CLIENT_SCRIPT = """
const { createIPCClient } = require('@klayr/api-client');
(async () => {
  const client = await createIPCClient(input.dataPath);
  const blocks = [];
  const hellos = [];
  client.subscribe('chain_newBlock', data => blocks.push(data.blockHeader.height));
  client.subscribe('hello_newHello', data => hellos.push(data));
  const nodeInfo = await client.node.getNodeInfo();
  const created = await client.transaction.create(
    { module: 'hello', command: 'createHello', fee: '100000000',
      params: { message: input.message } },
    input.privateKey,
  );
  const signed = await client.transaction.sign(created, [input.privateKey]);
  const sent = await client.transaction.send(signed);
  let hello = null;
  for (let i = 0; i < 100 && hello === null; i += 1) {
    try {
      hello = await client.invoke('hello_getHello', { address: input.address });
    } catch (error) {
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }
  for (let i = 0; i < 50 && (blocks.length === 0 || hellos.length === 0); i += 1) {
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  await client.disconnect();
  output({ chainID: nodeInfo.chainID, sent, hello, blocks, hellos });
})().catch(error => { console.error(error); process.exit(1); });
"""


def test_klayr_create_ipc_client_sends_a_hello_and_hears_new_blocks(node: NodeThread) -> None:
    require_oracle("@klayr/api-client")
    account = ACCOUNTS[1]
    result = run_node(
        _IPC_CLIENT_SCRIPT,
        {
            "dataPath": node.config["system"]["dataPath"],
            "privateKey": account.private_key.hex(),
            "address": account.klayr32_address,
            "message": "Hello over ZeroMQ",
        },
        timeout=60,
    )
    assert result["chainID"] == CHAIN_ID.hex()
    assert len(result["sent"]["transactionId"]) == 64
    assert result["hello"] == {"message": "Hello over ZeroMQ"}
    assert result["blocks"], "no chain_newBlock notification arrived"
    assert result["blocks"] == sorted(result["blocks"])
    assert result["hellos"], "no hello_newHello notification arrived"
    assert result["hellos"][0]["module"] == "hello"
