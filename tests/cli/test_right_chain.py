"""The CLI never acts on the wrong chain, and ``--send`` says what the node did.

A node of chain 04000000 runs in a thread; configs that expect another chain ID or another
genesis block are refused with a message naming both sides.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from klayr_py.cli import cli
from klayr_py.node.dev import dev_genesis_assets
from klayr_py.node.genesis import write_genesis_block
from tests.api_client.node_thread import (
    ACCOUNTS,
    CHAIN_ID,
    VALIDATORS,
    NodeThread,
    make_app,
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeThread]:
    running = NodeThread(Path(tmp_path_factory.mktemp("right-chain")), modes=["ws"]).start()
    yield running
    running.stop()


def _config_file(folder: Path, config: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "config.json"
    file.write_text(json.dumps(config))
    return file


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_a_config_of_the_right_chain_is_accepted(node: NodeThread, tmp_path: Path) -> None:
    file = _config_file(tmp_path, node.config)
    result = _run("endpoint", "invoke", "system_getNodeInfo", "--config", str(file))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["chainID"] == CHAIN_ID.hex()


def test_another_chain_id_is_refused_naming_both(node: NodeThread, tmp_path: Path) -> None:
    config = {**node.config, "genesis": {**node.config["genesis"], "chainID": "04abcdef"}}
    file = _config_file(tmp_path, config)
    result = _run("endpoint", "invoke", "system_getNodeInfo", "--config", str(file))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Error: the node at {node.ws_url} runs chain 04000000, but {file} expects chain "
        "04abcdef: refusing to act on the wrong chain (is another chain's node on that "
        "address? start the right node, or point --url/--config at it)"
    )


def test_another_genesis_block_is_refused_naming_both(node: NodeThread, tmp_path: Path) -> None:
    other = tmp_path / "other.blob"
    app = make_app(node.config)
    assets = dev_genesis_assets(CHAIN_ID, VALIDATORS, [(a.address, 10**12) for a in ACCOUNTS])
    block = app.create_genesis_block(assets, int(time.time()) - 1000)
    write_genesis_block(block, other)
    genesis = {**node.config["genesis"], "block": {"fromFile": str(other)}}
    config = {**node.config, "genesis": genesis}
    file = _config_file(tmp_path, config)
    result = _run("block", "get", "last", "--config", str(file))
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.startswith(f"Error: the node at {node.ws_url} runs chain 04000000 from genesis")
    assert f"but {file} expects genesis block {block.id.hex()}: refusing" in message


def test_chain_id_option_is_checked_before_signing(node: NodeThread) -> None:
    result = _run(
        "transaction", "create", "hello", "createHello", '{"message": "hi"}',
        "--private-key", ACCOUNTS[0].private_key.hex(), "--url", node.ws_url,
        "--chain-id", "04000001", "--send",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "runs chain 04000000, but --chain-id expects chain 04000001" in result.stderr


def test_send_says_accepted_and_two_quick_sends_take_two_nonces(node: NodeThread) -> None:
    sent = []
    for message in ("first", "second"):
        result = _run(
            "transaction", "create", "hello", "createHello", json.dumps({"message": message}),
            "--private-key", ACCOUNTS[1].private_key.hex(), "--url", node.ws_url, "--send",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        created = json.loads(result.stdout)
        assert result.stderr.strip() == (
            f"transaction {created['id']} (nonce {created['json']['nonce']}) accepted into the "
            "pool; it is final once a block includes it"
        )
        sent.append(int(created["json"]["nonce"]))
    assert sent[1] == sent[0] + 1


def test_send_prints_the_nodes_reason_for_a_refusal(node: NodeThread) -> None:
    result = _run(
        "transaction", "create", "hello", "createHello", '{"message": "cheap"}',
        "--private-key", ACCOUNTS[0].private_key.hex(), "--url", node.ws_url,
        "--fee", "1", "--send",
    )  # fmt: skip
    assert result.exit_code == 1
    created = json.loads(result.stdout)
    line = result.stderr.strip()
    assert line.startswith(
        f"Error: the node refused transaction {created['id']} (nonce {created['json']['nonce']}): "
    )
    assert "fee" in line.lower()


def test_unknown_params_are_refused_naming_the_property(node: NodeThread) -> None:
    result = _run(
        "transaction", "create", "hello", "createHello", '{"message": "hi", "x": 1}',
        "--private-key", ACCOUNTS[0].private_key.hex(), "--url", node.ws_url,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: invalid params: unknown property 'x' (declared: message)"
    )


def test_block_events_shows_command_results_decoded(node: NodeThread) -> None:
    created = json.loads(
        _run(
            "transaction", "create", "hello", "createHello", '{"message": "with events"}',
            "--private-key", ACCOUNTS[0].private_key.hex(), "--url", node.ws_url, "--send",
        ).stdout
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = _run("endpoint", "invoke", "chain_getTransactionByID",
                     json.dumps({"id": created["id"]}), "--url", node.ws_url)  # fmt: skip
        if found.exit_code == 0:
            break
        time.sleep(0.2)
    last = json.loads(_run("block", "get", "last", "--url", node.ws_url).stdout)
    for height in range(last["header"]["height"], 0, -1):
        result = _run("block", "events", str(height), "--url", node.ws_url)
        assert result.exit_code == 0, result.output
        events = json.loads(result.stdout)
        mine = [e for e in events if created["id"] in e["topics"][0]]
        if mine:
            break
    names = {event["name"]: event["data"] for event in mine}
    assert names["commandExecutionResult"] == {"success": True}
    assert names["newHello"]["message"] == "with events"


def test_endpoint_list_names_module_endpoints_and_their_params(node: NodeThread) -> None:
    result = _run("endpoint", "list", "--url", node.ws_url)
    assert result.exit_code == 0, result.output
    listed = {entry["name"]: entry["params"] for entry in json.loads(result.stdout)}
    assert listed["hello_getHello"] == ["address"]
    assert listed["token_getBalance"] == ["address", "tokenID"]
    assert "hello_getHelloCounter" in listed


def test_transaction_get_finds_it_in_the_pool_then_in_a_block(node: NodeThread) -> None:
    created = json.loads(
        _run(
            "transaction", "create", "hello", "createHello", '{"message": "find me"}',
            "--private-key", ACCOUNTS[1].private_key.hex(), "--url", node.ws_url, "--send",
        ).stdout
    )  # fmt: skip
    statuses = set()
    deadline = time.monotonic() + 15
    while "in a block" not in statuses and time.monotonic() < deadline:
        result = _run("transaction", "get", created["id"], "--url", node.ws_url)
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        statuses.add(shown["status"])
        assert shown["transaction"]["params"] == {"message": "find me"}
        time.sleep(0.1)
    assert "in a block" in statuses
    missing = _run("transaction", "get", "00" * 32, "--url", node.ws_url)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == (
        f"Error: no transaction {'00' * 32} on the chain or in the node's pool"
    )


def test_console_holds_a_connected_client_and_the_schemas(node: NodeThread) -> None:
    lines = [
        "print('chain', client.get_node_info()['chainID'])",
        "print('schema', sorted(params_schema('hello', 'createHello')['properties']))",
        "print('encoded', encode_params(params_schema('hello', 'createHello'), "
        "{'message': 'hey'}).hex())",
    ]
    typed = "\n".join(lines) + "\n"
    result = CliRunner().invoke(cli, ["console", "--url", node.ws_url], input=typed)
    assert result.exit_code == 0, result.output
    assert f"klayr-py console: chain {CHAIN_ID.hex()} at height" in result.stderr
    assert "chain 04000000" in result.stdout
    assert "schema ['message']" in result.stdout
    assert "encoded 0a03686579" in result.stdout, result.stderr
