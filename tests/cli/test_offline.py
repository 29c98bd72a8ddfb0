"""Commands that need no running node, through click's CliRunner."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.cli import cli
from klayr_py.crypto.ed import verify_data
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA
from klayr_py.node.dev import dev_accounts
from klayr_py.node.genesis import read_genesis_block
from tests.api_client.node_thread import free_port

ACCOUNT = dev_accounts(1)[0]
OTHER = dev_accounts(2)[1]


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("words", _commands(cli), ids=lambda w: " ".join(w) or "klayr-py")
def test_every_command_has_help(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert "``" not in result.output  # reStructuredText quoting is for docstrings, not --help
    if "Commands:" in result.output:  # a group: its summaries end whole, not cut with "..."
        listing = result.output.split("Commands:", 1)[1]
        assert "..." not in listing, listing


def test_keys_create_matches_the_dev_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keys.json"
    result = CliRunner().invoke(
        cli, ["keys", "create", "--passphrase", ACCOUNT.passphrase, "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    entry = json.loads(result.output)["keys"][0]
    assert entry["address"] == ACCOUNT.klayr32_address
    assert entry["publicKey"] == ACCOUNT.public_key.hex()
    assert entry["plain"]["generatorPrivateKey"] == ACCOUNT.private_key.hex()
    assert json.loads(out.read_text()) == {"keys": [entry]}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    monkeypatch.setattr("klayr_py.cli._keys._stdin_is_terminal", lambda: True)
    derived = CliRunner().invoke(
        cli,
        ["keys", "create", "--key-derivation-path", "m/44'/134'/0'"],
        input="a secret\na secret\n",
    )
    assert derived.exit_code == 0, derived.output
    assert json.loads(derived.output[derived.output.index("{") :])["keys"][0]["keyPath"]


@pytest.mark.parametrize(
    "args",
    [
        ["keys", "create"],
        ["transaction", "create", "hello", "createHello", "{}", "--url", "ws://127.0.0.1:1/x"],
        ["transaction", "sign", "UNSIGNED", "--chain-id", "04000000"],
    ],
)
def test_a_passphrase_prompt_without_a_terminal_is_one_error_line(args: list[str]) -> None:
    unsigned = Transaction(
        module="hello", command="createHello", nonce=0, fee=0,
        sender_public_key=ACCOUNT.public_key, params=b"",
    )  # fmt: skip
    args = [unsigned.get_bytes().hex() if arg == "UNSIGNED" else arg for arg in args]
    result = CliRunner().invoke(cli, args, input="")
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        "Error: no passphrase given and no terminal to ask for it on: give --passphrase "
        "(or --private-key where the command takes one)"
    ]


def test_genesis_create_is_deterministic(tmp_path: Path) -> None:
    args = [
        "genesis",
        "create",
        "--validators",
        "2",
        "--accounts",
        "3",
        "--timestamp",
        "1700000000",
        "--output",
        str(tmp_path / "g.blob"),
        "--keys-output",
        str(tmp_path / "keys.json"),
        "--config",
        str(tmp_path / "none.json"),
    ]
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code == 1 and "no config file" in missing.output
    args = args[:-2]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    block = read_genesis_block(tmp_path / "g.blob")
    assert report["genesisBlockID"] == block.id.hex()
    assert len(report["accounts"]) == 3 and len(report["validators"]) == 2
    assert len(json.loads((tmp_path / "keys.json").read_text())["keys"]) == 2
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600  # private keys inside
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"Error: {tmp_path / 'g.blob'} and {tmp_path / 'keys.json'} already exist: a new genesis "
        "block starts a new chain (a data directory of the old one will not start with it); "
        "give --force to overwrite, or --output/--keys-output elsewhere"
    )
    again = CliRunner().invoke(cli, [*args, "--force"])
    assert json.loads(again.output)["genesisBlockID"] == report["genesisBlockID"]


def _transfer_params() -> str:
    return json.dumps(
        {
            "tokenID": "0400000000000000",
            "amount": "100",
            "recipientAddress": OTHER.klayr32_address,
            "data": "",
        }
    )


def test_offline_create_then_sign(tmp_path: Path) -> None:
    runner = CliRunner()
    common = [
        "--offline",
        "--chain-id",
        "04000000",
        "--nonce",
        "7",
        "--config",
        str(tmp_path / "missing.json"),
    ]
    result = runner.invoke(
        cli,
        [
            "transaction",
            "create",
            "token",
            "transfer",
            _transfer_params(),
            "--private-key",
            ACCOUNT.private_key.hex(),
            *common[:-2],
        ],
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    tx = Transaction.from_bytes(bytes.fromhex(created["transaction"]))
    assert tx.nonce == 7 and tx.fee == 1000 * len(tx.get_bytes())
    assert created["json"]["params"]["amount"] == "100"
    assert codec.decode(TRANSFER_PARAMS_SCHEMA, tx.params)["recipientAddress"] == OTHER.address

    unsigned = runner.invoke(
        cli,
        [
            "transaction",
            "create",
            "token",
            "transfer",
            _transfer_params(),
            "--sender-public-key",
            ACCOUNT.public_key.hex(),
            *common[:-2],
        ],
    )
    assert unsigned.exit_code == 0, unsigned.output
    unsigned_hex = json.loads(unsigned.output)["transaction"]
    assert Transaction.from_bytes(bytes.fromhex(unsigned_hex)).signatures == ()
    signed = runner.invoke(
        cli,
        [
            "transaction",
            "sign",
            unsigned_hex,
            "--passphrase",
            ACCOUNT.passphrase,
            "--chain-id",
            "04000000",
        ],
    )
    assert signed.exit_code == 0, signed.output
    signed_tx = Transaction.from_bytes(bytes.fromhex(json.loads(signed.output)["transaction"]))
    assert signed_tx.get_bytes() == tx.get_bytes()
    assert verify_data(
        "KLY_TX_",
        bytes.fromhex("04000000"),
        signed_tx.get_signing_bytes(),
        signed_tx.signatures[0],
        ACCOUNT.public_key,
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["endpoint", "invoke", "system_getNodeInfo", "{bad"], 2, "not valid JSON"),
        (["endpoint", "invoke", "system_getNodeInfo", "[1]"], 2, "must be a JSON object"),
        (["nope"], 2, "No such command"),
        (["block", "get", "xyz", "--url", "ws://127.0.0.1:1/rpc-ws"], 2, "a height"),
        (
            [
                "transaction",
                "create",
                "token",
                "transfer",
                "{}",
                "--offline",
                "--private-key",
                ACCOUNT.private_key.hex(),
            ],
            2,
            "--chain-id and --nonce",
        ),
        (
            [
                "transaction",
                "create",
                "token",
                "nope",
                "{}",
                "--offline",
                "--chain-id",
                "04000000",
                "--nonce",
                "0",
                "--private-key",
                ACCOUNT.private_key.hex(),
            ],
            1,
            "no command 'nope'",
        ),
        (
            [
                "transaction",
                "create",
                "token",
                "transfer",
                '{"amount": "x"}',
                "--offline",
                "--chain-id",
                "04000000",
                "--nonce",
                "0",
                "--private-key",
                ACCOUNT.private_key.hex(),
            ],
            1,
            "invalid params",
        ),
        (["transaction", "send", "zz", "--url", "ws://127.0.0.1:1/rpc-ws"], 2, "not hex"),
        (["generate", "module", "nft"], 1, "not inside a klayr-py project"),
        (["generate", "module", "9bad"], 2, "letters and digits"),
        (["start", "--config", "missing.json"], 1, "no config file"),
        (["chain", "revert", "--height", "1"], 1, "no config file"),
    ],
)
def test_bad_input_is_one_line(
    args: list[str], code: int, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.count("Error:") == 1


def test_node_not_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    for args in (
        ["endpoint", "invoke", "system_getNodeInfo", "--url", f"ws://127.0.0.1:{port}/rpc-ws"],
        ["block", "get", "1", "--url", f"http://127.0.0.1:{port}/rpc"],
        ["transaction", "send", "00", "--data-path", str(tmp_path)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (1, 2), result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 or "Usage" in result.output, result.output
    result = CliRunner().invoke(
        cli, ["endpoint", "invoke", "system_getNodeInfo", "--data-path", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot reach the node: no IPC socket at {tmp_path / 'rpc.sock'} (is it "
        'running with rpc.modes including "ipc"?)'
    ]
