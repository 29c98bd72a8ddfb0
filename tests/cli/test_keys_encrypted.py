"""``keys export`` / ``keys import`` / ``keys create --password``: Klayr Commander's encrypted
keys files, checked against ``@klayr/cryptography`` and ``@klayr/codec``."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from klayr_py.cli import cli
from klayr_py.cli._keys import decrypt_generator_keys
from klayr_py.node.application import load_generator_keys
from klayr_py.node.dev import dev_accounts, write_generator_keys
from tests.oracle.node import require_oracle, run_node

ACCOUNTS = dev_accounts(2)
PASSWORD = "a keys password"
CHEAP = ["--kdf-memory", "64"]  # fast argon2id for tests; the default is Klayr's ~2 GiB


def _run(args: list[str], input: str | None = None) -> Result:
    return CliRunner().invoke(cli, args, input=input)


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    """A node folder whose config names a plain generator keys file of two validators."""
    config = tmp_path / "config"
    config.mkdir()
    write_generator_keys(config / "dev-validators.json", ACCOUNTS)
    (config / "config.json").write_text(
        json.dumps({"generator": {"keys": {"fromFile": "./dev-validators.json"}}})
    )
    return tmp_path


def _plain_of(path: Path) -> list[dict[str, Any]]:
    return [entry["plain"] for entry in json.loads(path.read_text())["keys"]]


def test_export_then_import_round_trip(node_dir: Path) -> None:
    config = str(node_dir / "config" / "config.json")
    backup = node_dir / "backup.json"
    exported = _run(
        [
            "keys",
            "export",
            "--config",
            config,
            "--output",
            str(backup),
            "--password",
            PASSWORD,
            *CHEAP,
        ]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["keys"] == [a.klayr32_address for a in ACCOUNTS]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    text = backup.read_text()
    assert all(account.private_key.hex() not in text for account in ACCOUNTS)
    entries = json.loads(text)["keys"]
    assert [set(entry) for entry in entries] == [{"address", "encrypted"}] * 2
    assert entries[0]["encrypted"]["kdfparams"]["memorySize"] == 64

    restored = node_dir / "restored.json"
    imported = _run(
        ["keys", "import", "--file", str(backup), "--output", str(restored)],
        input=None,
    )
    assert imported.exit_code == 1  # no password, no terminal
    imported = _run(
        ["keys", "import", "-f", str(backup), "--output", str(restored), "--password", PASSWORD]
    )
    assert imported.exit_code == 0, imported.output
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
    assert _plain_of(restored) == _plain_of(node_dir / "config" / "dev-validators.json")
    keys = load_generator_keys(restored)  # the node reads what import wrote
    assert sorted(keys) == sorted(account.address for account in ACCOUNTS)


def test_import_writes_the_configured_keys_file_only_with_force(node_dir: Path) -> None:
    config = str(node_dir / "config" / "config.json")
    keys_file = node_dir / "config" / "dev-validators.json"
    backup = node_dir / "backup.json"
    args = ["keys", "export", "--config", config, "--output", str(backup), "--password", PASSWORD]
    assert _run(args + CHEAP).exit_code == 0
    again = _run(args + CHEAP)
    assert again.exit_code == 1
    assert again.output.strip() == f"Error: {backup} already exists: give --force to overwrite it"
    assert _run([*args, *CHEAP, "--force"]).exit_code == 0

    original = keys_file.read_text()
    keys_file.write_text('{"keys": []}')
    refused = _run(["keys", "import", "--config", config, "-f", str(backup), "--password", "x"])
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"Error: {keys_file} already exists: give --force to overwrite it"
    )
    done = _run(
        ["keys", "import", "--config", config, "-f", str(backup), "--password", PASSWORD, "--force"]
    )
    assert done.exit_code == 0, done.output
    assert _plain_of(keys_file) == [entry["plain"] for entry in json.loads(original)["keys"]]


def test_import_wrong_password_is_one_error_line_and_writes_nothing(node_dir: Path) -> None:
    backup = node_dir / "backup.json"
    keys_file = node_dir / "config" / "dev-validators.json"
    args = ["--keys-file", str(keys_file), "--output", str(backup), "--password", PASSWORD]
    assert _run(["keys", "export", *args, *CHEAP]).exit_code == 0
    restored = node_dir / "restored.json"
    result = _run(["keys", "import", "-f", str(backup), "--output", str(restored)], input="")
    assert result.output.strip().splitlines() == [
        "Error: no password given and no terminal to ask for it on: give --password"
    ]
    result = _run(
        ["keys", "import", "-f", str(backup), "--output", str(restored), "--password", "nope"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {backup}: keys[0] ({ACCOUNTS[0].klayr32_address}): cannot decrypt: wrong "
        "password (or the encrypted message was altered)"
    ]
    assert not restored.exists()


def test_export_needs_a_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run(["keys", "export", "--output", "out.json", "--password", PASSWORD])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: nothing to export: give --keys-file or --passphrase, or --config of a node "
        "with generator.keys.fromFile"
    )
    result = _run(["keys", "import", "-f", "out.json"])
    assert result.exit_code == 2  # click: the file does not exist


def test_export_refuses_a_mismatched_key_pair(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    plain = {"generatorKey": "00" * 32, "generatorPrivateKey": ACCOUNTS[0].private_key.hex()}
    keys_file.write_text(json.dumps({"keys": [{"address": "klayr1x", "plain": plain}]}))
    result = _run(
        [
            "keys",
            "export",
            "--keys-file",
            str(keys_file),
            "--output",
            str(tmp_path / "o.json"),
            "--password",
            PASSWORD,
            *CHEAP,
        ]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {keys_file}: keys[0]: plain.generatorKey does not match plain.generatorPrivateKey"
    )


def test_create_with_password_and_export_from_passphrase(tmp_path: Path) -> None:
    account = ACCOUNTS[1]
    created = _run(
        ["keys", "create", "--passphrase", account.passphrase, "--password", PASSWORD, *CHEAP]
    )
    assert created.exit_code == 0, created.output
    entry = json.loads(created.output)["keys"][0]
    assert decrypt_generator_keys(entry["encrypted"], PASSWORD) == {
        "generatorKey": account.public_key.hex(),
        "generatorPrivateKey": account.private_key.hex(),
        "blsKey": "",
        "blsPrivateKey": "",
    }
    plain_only = _run(["keys", "create", "--passphrase", account.passphrase])
    assert "encrypted" not in json.loads(plain_only.output)["keys"][0]

    backup = tmp_path / "backup.json"
    exported = _run(
        [
            "keys",
            "export",
            "--passphrase",
            account.passphrase,
            "--output",
            str(backup),
            "--password",
            PASSWORD,
            *CHEAP,
        ]
    )
    assert exported.exit_code == 0, exported.output
    (only,) = json.loads(backup.read_text())["keys"]
    assert only["address"] == account.klayr32_address
    assert decrypt_generator_keys(only["encrypted"], PASSWORD)["generatorKey"] == (
        account.public_key.hex()
    )


def test_export_encrypts_plain_keys_under_its_password_and_keeps_encrypted_only_entries(
    tmp_path: Path,
) -> None:
    created = _run(
        ["keys", "create", "--passphrase", ACCOUNTS[0].passphrase, "--password", "old", *CHEAP]
    )
    both = json.loads(created.output)["keys"][0]  # plain, and encrypted under "old"
    only_encrypted = {"address": ACCOUNTS[1].klayr32_address, "encrypted": both["encrypted"]}
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"keys": [both, only_encrypted]}))
    backup = tmp_path / "backup.json"
    args = ["--keys-file", str(keys_file), "--output", str(backup), "--password", "new"]
    assert _run(["keys", "export", *args, *CHEAP]).exit_code == 0
    first, second = json.loads(backup.read_text())["keys"]
    assert decrypt_generator_keys(first["encrypted"], "new")["generatorKey"] == (
        ACCOUNTS[0].public_key.hex()
    )
    assert second["encrypted"] == both["encrypted"]


# -- oracle: Klayr Commander's format, through @klayr/cryptography and @klayr/codec -------------

_COMMANDER_SCHEMA = """
// Klayr Commander's plainGeneratorKeysSchema (commander/src/constants.ts), written out here so
// the oracle does not take klayr_py's copy on trust.
const schema = {
  $id: '/commander/plainGeneratorKeys', type: 'object',
  properties: {
    generatorKey: { dataType: 'bytes', fieldNumber: 1 },
    generatorPrivateKey: { dataType: 'bytes', fieldNumber: 2 },
    blsKey: { dataType: 'bytes', fieldNumber: 3 },
    blsPrivateKey: { dataType: 'bytes', fieldNumber: 4 },
  },
};
"""

_KLAYR_DECRYPT_KEYS = (
    _COMMANDER_SCHEMA
    + """
const { encrypt } = require('@klayr/cryptography');
const { codec } = require('@klayr/codec');
(async () => {
  const out = [];
  for (const k of input.file.keys) {
    const bytes = await encrypt.decryptMessageWithPassword(k.encrypted, input.password);
    out.push(codec.decode(schema, bytes));
  }
  output(out);
})().catch((e) => { console.error(e); process.exit(1); });
"""
)

_KLAYR_ENCRYPT_KEYS = (
    _COMMANDER_SCHEMA
    + """
const { encrypt } = require('@klayr/cryptography');
const { codec } = require('@klayr/codec');
(async () => {
  const keys = [];
  for (const k of input.keys) {
    const plain = {};
    for (const name of Object.keys(k.plain)) plain[name] = Buffer.from(k.plain[name], 'hex');
    const encoded = codec.encode(schema, plain);
    const encrypted = await encrypt.encryptMessageWithPassword(encoded, input.password,
      { kdfparams: { memorySize: 64 } });
    keys.push({ address: k.address, encrypted });
  }
  output({ keys });
})().catch((e) => { console.error(e); process.exit(1); });
"""
)


def test_klayr_reads_what_export_writes(node_dir: Path) -> None:
    require_oracle("@klayr/cryptography")
    keys_file = node_dir / "config" / "dev-validators.json"
    backup = node_dir / "backup.json"
    result = _run(
        [
            "keys",
            "export",
            "--keys-file",
            str(keys_file),
            "--output",
            str(backup),
            "--password",
            PASSWORD,
            *CHEAP,
        ]
    )
    assert result.exit_code == 0, result.output
    decoded = run_node(
        _KLAYR_DECRYPT_KEYS,
        {
            "file": json.loads(backup.read_text()),
            "password": PASSWORD,
        },
    )
    assert decoded == _plain_of(keys_file)


def test_import_reads_what_klayr_writes(node_dir: Path) -> None:
    require_oracle("@klayr/cryptography")
    keys_file = node_dir / "config" / "dev-validators.json"
    klayr_file = run_node(
        _KLAYR_ENCRYPT_KEYS,
        {
            "keys": json.loads(keys_file.read_text())["keys"],
            "password": PASSWORD,
        },
    )
    backup = node_dir / "from_klayr.json"
    backup.write_text(json.dumps(klayr_file))
    restored = node_dir / "restored.json"
    result = _run(
        ["keys", "import", "-f", str(backup), "--output", str(restored), "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert _plain_of(restored) == _plain_of(keys_file)


def test_passwords_are_asked_for_at_a_terminal(
    node_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("klayr_py.cli._keys._stdin_is_terminal", lambda: True)
    keys_file = node_dir / "config" / "dev-validators.json"
    backup, restored = node_dir / "backup.json", node_dir / "restored.json"
    mismatch = _run(
        ["keys", "export", "--keys-file", str(keys_file), "--output", str(backup), *CHEAP],
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output  # asked twice, and again on a mismatch
    assert not backup.read_text().count(ACCOUNTS[0].private_key.hex())
    imported = _run(
        ["keys", "import", "-f", str(backup), "--output", str(restored)], input=f"{PASSWORD}\n"
    )
    assert imported.exit_code == 0, imported.output
    assert _plain_of(restored) == _plain_of(keys_file)
