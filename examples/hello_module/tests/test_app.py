"""The example application as shipped: its config, genesis and keys start a chain that takes
hellos (a subprocess test of ``python app.py`` lives in tests/node/rpc/test_klayr_api_client.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app import CONFIG_FILE, create_app, example_config

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.node import load_config
from klayr_py.node.dev import dev_accounts


def test_the_shipped_config_starts_and_forges_hellos(tmp_path: Path) -> None:
    config = load_config(CONFIG_FILE).with_overrides(
        system={"dataPath": str(tmp_path / "data")}, rpc={"modes": []}
    )
    app = create_app(config, CONFIG_FILE.parent)
    engine = app.start()
    assert engine.height == 0
    assert engine.genesis_block.id.hex() == (
        "0b1c08fe9ad67cf3d4deeb15abcdcd66a84bf560b4bfb024b5ed43d53bb87b6d"
    )
    account = dev_accounts(1)[0]
    schema = app.state_machine.get_command("hello", "createHello").schema
    tx = Transaction(
        module="hello",
        command="createHello",
        nonce=0,
        fee=10_000_000,
        sender_public_key=account.public_key,
        params=codec.encode(schema, {"message": "Hello from the example"}),
    ).sign(config.genesis.chain_id_bytes, account.private_key)
    assert engine.add_transaction(tx).accepted
    block = app.forge(engine.last_block.header.timestamp + config.genesis.block_time)
    assert block is not None and block.transactions == (tx,)
    reply = engine.call_endpoint("hello_getHello", {"address": account.klayr32_address})
    assert reply == {"message": "Hello from the example"}
    app.close()


def test_port_option_moves_the_rpc_port() -> None:
    assert example_config([]).rpc.port == 7887
    assert example_config(["--port", "7889"]).rpc.port == 7889


def test_port_option_out_of_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        example_config(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "--port must be between 1 and 65535, got 70000" in capsys.readouterr().err
