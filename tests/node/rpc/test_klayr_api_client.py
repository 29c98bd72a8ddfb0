"""Compatibility bar: Klayr's own JavaScript client, @klayr/api-client, drives a klayr_py node.

It connects over WebSocket, reads metadata and schemas, creates, signs and sends a
``hello:createHello`` transaction, and reads the message back through ``hello_getHello`` once the
transaction is in a block. Skipped with the reason when Node.js or the package is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from klayr_py.node.dev import dev_accounts
from tests.oracle.node import require_oracle, run_node

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "hello_module"

_CLIENT_SCRIPT = """
const { createWSClient } = require('@klayr/api-client');
(async () => {
  const client = await createWSClient(input.url);
  const nodeInfo = await client.node.getNodeInfo();
  const metadata = client.metadata.map(m => m.name);
  const schemaKeys = Object.keys(client.schema).sort();
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
  const fromChain = await client.transaction.get(sent.transactionId);
  await client.disconnect();
  output({ chainID: nodeInfo.chainID, metadata, schemaKeys, sent, hello,
           includedId: fromChain.id.toString('hex') });
})().catch(error => { console.error(error); process.exit(1); });
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_klayr_api_client_sends_a_hello_and_reads_it_back(tmp_path: Path) -> None:
    require_oracle("@klayr/api-client")
    config_dir = tmp_path / "config"
    shutil.copytree(EXAMPLE / "config", config_dir)
    config = json.loads((config_dir / "config.json").read_text())
    port = _free_port()
    config["rpc"] = {"modes": ["ws"], "port": port}
    config["genesis"]["blockTime"] = 1
    config["system"]["dataPath"] = str(tmp_path / "data")
    (config_dir / "config.json").write_text(json.dumps(config))
    script = (
        "import sys; sys.path.insert(0, {example!r}); import app; from pathlib import Path;"
        "from klayr_py.node import load_config;"
        "p = Path({config!r}); app.create_app(load_config(p), p.parent).run()"
    ).format(example=str(EXAMPLE), config=str(config_dir / "config.json"))
    node = subprocess.Popen(
        [sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert node.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = node.stderr.readline()
            if "RPC listening" in line or not line:
                break
        account = dev_accounts(1)[0]
        result = run_node(
            _CLIENT_SCRIPT,
            {
                "url": f"ws://127.0.0.1:{port}/rpc-ws",
                "privateKey": account.private_key.hex(),
                "address": account.klayr32_address,
                "message": "Hello from @klayr/api-client",
            },
            timeout=60,
        )
    finally:
        node.terminate()
        node.wait(timeout=30)
    assert result["chainID"] == "04000000"
    assert {"auth", "token", "fee", "validators", "hello"} <= set(result["metadata"])
    assert result["schemaKeys"] == [
        "asset",
        "block",
        "event",
        "header",
        "standardEvent",
        "transaction",
    ]
    assert result["hello"] == {"message": "Hello from @klayr/api-client"}
    assert result["includedId"] == result["sent"]["transactionId"]
