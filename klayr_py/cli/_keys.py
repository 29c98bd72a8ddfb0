"""Keys from a passphrase (``klayr-py keys create`` and the ``--passphrase`` options), and keys
files in Klayr Commander's encrypted form (``keys export`` / ``keys import``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from klayr_py import codec
from klayr_py.cli._common import echo_json, read_config
from klayr_py.crypto.address import get_klayr32_address_from_public_key
from klayr_py.crypto.ed import (
    get_private_and_public_key_from_passphrase,
    get_private_key_from_phrase_and_path,
    get_public_key_from_private_key,
)
from klayr_py.crypto.encrypt import (
    ARGON2_MEMORY,
    decrypt_message_with_password,
    encrypt_message_with_password,
)
from klayr_py.errors import CodecError, CryptoError
from klayr_py.node import ConfigError
from klayr_py.node.secret_file import write_secret_file

__all__ = ["ask_passphrase", "ask_password", "keys", "private_key_from_passphrase"]

# Klayr Commander's /commander/plainGeneratorKeys: what its "encrypted" object holds.
PLAIN_GENERATOR_KEYS_SCHEMA: dict[str, Any] = {
    "$id": "/commander/plainGeneratorKeys",
    "type": "object",
    "properties": {
        "generatorKey": {"dataType": "bytes", "fieldNumber": 1},
        "generatorPrivateKey": {"dataType": "bytes", "fieldNumber": 2},
        "blsKey": {"dataType": "bytes", "fieldNumber": 3},
        "blsPrivateKey": {"dataType": "bytes", "fieldNumber": 4},
    },
}
_PLAIN_FIELDS = tuple(PLAIN_GENERATOR_KEYS_SCHEMA["properties"])

_KDF_MEMORY_HELP = (
    "argon2id memory in KiB [default: Klayr's 2097023, about 2 GiB]; lower is faster to "
    "derive and cheaper to guess."
)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def ask_passphrase(*, confirm: bool = False) -> str:
    """The passphrase typed at the terminal (hidden); without a terminal to ask on, a one-line
    error saying which option gives it (rather than a getpass warning and "Aborted!")."""
    if not _stdin_is_terminal():
        raise click.ClickException(
            "no passphrase given and no terminal to ask for it on: give --passphrase "
            "(or --private-key where the command takes one)"
        )
    passphrase: str = click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)
    return passphrase


def ask_password(*, confirm: bool = False) -> str:
    """The keys file password typed at the terminal (hidden); a one-line error without one."""
    if not _stdin_is_terminal():
        raise click.ClickException(
            "no password given and no terminal to ask for it on: give --password"
        )
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return password


def private_key_from_passphrase(passphrase: str, derivation_path: str | None) -> bytes:
    """Klayr's key of a mnemonic and a path, or (no path) the legacy sha256 key the dev
    accounts use."""
    if derivation_path:
        return get_private_key_from_phrase_and_path(passphrase, derivation_path)
    return get_private_and_public_key_from_passphrase(passphrase).private_key


def keys_json(private_key: bytes, derivation_path: str | None) -> dict[str, Any]:
    """Klayr's ``keys:create`` entry; the account key doubles as the generator key (no BLS)."""
    public_key = get_public_key_from_private_key(private_key)
    return {
        "address": get_klayr32_address_from_public_key(public_key),
        "keyPath": derivation_path or "",
        "publicKey": public_key.hex(),
        "privateKey": private_key.hex(),
        "plain": {
            "generatorKeyPath": derivation_path or "",
            "generatorKey": public_key.hex(),
            "generatorPrivateKey": private_key.hex(),
            "blsKeyPath": "",
            "blsKey": "",
            "blsProofOfPossession": "",
            "blsPrivateKey": "",
        },
    }


@click.group()
def keys() -> None:
    """Account and generator keys."""


@keys.command("create")
@click.option("--passphrase", help="The secret passphrase (asked for, twice, when not given).")
@click.option(
    "--key-derivation-path",
    metavar="PATH",
    help="Derive as Klayr does from a mnemonic, e.g. \"m/44'/134'/0'\" [default: the legacy "
    "sha256(passphrase) key of klayr_py's dev accounts].",
)
@click.option("--output", type=click.Path(dir_okay=False), help="Also write the keys file here.")
@click.option(
    "--password",
    help="Also add Klayr's encrypted object of the generator keys, under this password.",
)
@click.option(
    "--kdf-memory", type=click.IntRange(min=32), default=ARGON2_MEMORY, help=_KDF_MEMORY_HELP
)
def create(
    passphrase: str | None,
    key_derivation_path: str | None,
    output: str | None,
    password: str | None,
    kdf_memory: int,
) -> None:
    """Print keys of a passphrase, as Klayr's keys JSON.

    The JSON holds address, publicKey, privateKey and plain generator keys.

    The file serves as generator.keys.fromFile for a validator with this key. With
    --password, each entry also carries Klayr's "encrypted" object (for keys import).

    \b
    klayr-py keys create --passphrase "klayr_py dev account 0"
    """
    if passphrase is None:
        passphrase = ask_passphrase(confirm=True)
    private_key = private_key_from_passphrase(passphrase, key_derivation_path)
    entry = keys_json(private_key, key_derivation_path)
    if password is not None:
        entry["encrypted"] = encrypt_generator_keys(
            entry["plain"], password, memory_size=kdf_memory
        )
    value = {"keys": [entry]}
    if output:
        write_secret_file(output, json.dumps(value, indent=2) + "\n")  # private key: 0600
    echo_json(value)


# -- Klayr Commander's encrypted keys files ----------------------------------------------------


def encrypt_generator_keys(
    plain: Mapping[str, Any], password: str, *, memory_size: int = ARGON2_MEMORY
) -> dict[str, Any]:
    """Klayr's ``encrypted`` object of a ``plain`` entry: its generator and BLS keys, encoded
    with Commander's plainGeneratorKeys schema, then encrypted with ``password``."""
    keys = _plain_keys(plain)
    encoded = codec.encode(
        PLAIN_GENERATOR_KEYS_SCHEMA, {name: bytes.fromhex(keys[name]) for name in _PLAIN_FIELDS}
    )
    return encrypt_message_with_password(encoded, password, memory_size=memory_size)


def decrypt_generator_keys(encrypted: Mapping[str, Any], password: str) -> dict[str, str]:
    """The ``plain`` keys (hex) inside Klayr's ``encrypted`` object."""
    encoded = decrypt_message_with_password(encrypted, password)
    try:
        value = codec.decode(PLAIN_GENERATOR_KEYS_SCHEMA, encoded)
    except CodecError as error:
        raise CryptoError(f"decrypted data is not Klayr's plain generator keys: {error}") from None
    return _plain_keys({name: value[name].hex() for name in _PLAIN_FIELDS})


def _plain_keys(plain: Mapping[str, Any]) -> dict[str, str]:
    """The four hex keys of a ``plain`` entry, checked: the generator key pair must match."""
    if not isinstance(plain, Mapping):
        raise CryptoError("plain must be an object")
    keys: dict[str, str] = {}
    for name in _PLAIN_FIELDS:
        text = plain.get(name, "")
        try:
            if not isinstance(text, str) or len(text) % 2:
                raise ValueError
            bytes.fromhex(text)
        except ValueError:
            raise CryptoError(f"plain.{name} must be a hex string") from None
        keys[name] = text
    if not keys["generatorPrivateKey"]:
        raise CryptoError("plain.generatorPrivateKey is missing")
    public_key = get_public_key_from_private_key(bytes.fromhex(keys["generatorPrivateKey"]))
    if public_key.hex() != keys["generatorKey"]:
        raise CryptoError("plain.generatorKey does not match plain.generatorPrivateKey")
    return keys


def _is_encrypted(entry: Mapping[str, Any]) -> bool:
    """As Commander's ``keys:import``: a non-empty ``encrypted`` object wins over ``plain``."""
    encrypted = entry.get("encrypted")
    return isinstance(encrypted, Mapping) and len(encrypted) > 0


def _has_plain(entry: Mapping[str, Any]) -> bool:
    """Whether an entry carries plain generator keys (then export encrypts those)."""
    plain = entry.get("plain")
    return isinstance(plain, Mapping) and bool(plain.get("generatorPrivateKey"))


def _read_keys_file(path: Path) -> list[Mapping[str, Any]]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    entries = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ConfigError(f"{path}: expected Klayr's keys file, an object with a 'keys' list")
    if not entries:
        raise ConfigError(f"{path}: the 'keys' list is empty")
    return entries


def _configured_keys_file(config_path: str | None) -> Path | None:
    """The node's ``generator.keys.fromFile``, resolved against its config's folder."""
    config, config_dir = read_config(config_path, required=False)
    from_file = config.generator.keys.from_file
    return config.resolve_path(from_file, config_dir) if from_file else None


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists: give --force to overwrite it")


def _config_option(function: Any) -> Any:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="The node's config.json, for generator.keys.fromFile [default: ./config/config.json].",
    )(function)


@keys.command("export")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@click.option(
    "--keys-file",
    type=click.Path(exists=True, dir_okay=False),
    help="The plain keys file to export [default: generator.keys.fromFile of the config].",
)
@_config_option
@click.option("--passphrase", help="Export the keys of this passphrase instead of a keys file.")
@click.option(
    "--key-derivation-path", metavar="PATH", help="With --passphrase: as for keys create."
)
@click.option("--password", help="The password to encrypt with (asked for, twice, when not given).")
@click.option(
    "--kdf-memory", type=click.IntRange(min=32), default=ARGON2_MEMORY, help=_KDF_MEMORY_HELP
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def export(
    output: str,
    keys_file: str | None,
    config_path: str | None,
    passphrase: str | None,
    key_derivation_path: str | None,
    password: str | None,
    kdf_memory: int,
    force: bool,
) -> None:
    """Encrypt generator keys to a file (Klayr's keys:export).

    The file ({"keys": [{"address", "encrypted"}]}) holds no plain private key; keys import
    (here or in Klayr Commander) turns it back into the keys file a node reads.

    \b
    klayr-py keys export --output backup.json
    klayr-py keys export --passphrase "..." --password "..." --output backup.json
    """
    target = Path(output)
    _refuse_overwrite(target, force)
    if passphrase is not None:
        private_key = private_key_from_passphrase(passphrase, key_derivation_path)
        entries: list[Mapping[str, Any]] = [keys_json(private_key, key_derivation_path)]
        source = "--passphrase"
    else:
        source_file = Path(keys_file) if keys_file else _configured_keys_file(config_path)
        if source_file is None:
            raise click.ClickException(
                "nothing to export: give --keys-file or --passphrase, or --config of a node "
                "with generator.keys.fromFile"
            )
        entries = _read_keys_file(source_file)
        source = str(source_file)
    if password is None:
        password = ask_password(confirm=True)
    exported = []
    for index, entry in enumerate(entries):
        address = entry.get("address")
        if not isinstance(address, str):
            raise click.ClickException(f"{source}: keys[{index}]: address (klayr32) is missing")
        try:
            if _is_encrypted(entry) and not _has_plain(entry):  # kept, under its own password
                encrypted = dict(entry["encrypted"])
            else:
                encrypted = encrypt_generator_keys(
                    entry.get("plain", {}), password, memory_size=kdf_memory
                )
        except CryptoError as error:
            raise click.ClickException(f"{source}: keys[{index}]: {error}") from None
        exported.append({"address": address, "encrypted": encrypted})
    write_secret_file(target, json.dumps({"keys": exported}, indent=2) + "\n")
    echo_json({"output": str(target), "keys": [entry["address"] for entry in exported]})


@keys.command("import")
@click.option(
    "--file",
    "-f",
    "--file-path",
    "file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A keys file in Klayr's form, encrypted (keys export) or plain.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="The plain keys file to write [default: generator.keys.fromFile of the config].",
)
@_config_option
@click.option("--password", help="The password it is encrypted with (asked for when not given).")
@click.option("--force", is_flag=True, help="Overwrite the keys file if it exists.")
def import_(
    file: str, output: str | None, config_path: str | None, password: str | None, force: bool
) -> None:
    """Decrypt an exported keys file for the node (Klayr's keys:import).

    Writes {"keys": [{"address", "plain"}]} (mode 0600) to generator.keys.fromFile of the
    config, or to --output.

    \b
    klayr-py keys import --file backup.json
    klayr-py keys import --file backup.json --output config/dev-validators.json --force
    """
    target = Path(output) if output else _configured_keys_file(config_path)
    if target is None:
        raise click.ClickException(
            "where to? give --output, or --config of a node with generator.keys.fromFile"
        )
    _refuse_overwrite(target, force)
    entries = _read_keys_file(Path(file))
    if password is None and any(_is_encrypted(entry) for entry in entries):
        password = ask_password()
    imported = []
    for index, entry in enumerate(entries):
        address = entry.get("address")
        if not isinstance(address, str):
            raise click.ClickException(f"{file}: keys[{index}]: address (klayr32) is missing")
        try:
            if _is_encrypted(entry):
                plain = decrypt_generator_keys(entry["encrypted"], password or "")
            else:
                plain = _plain_keys(entry.get("plain", {}))
        except CryptoError as error:
            raise click.ClickException(f"{file}: keys[{index}] ({address}): {error}") from None
        imported.append({"address": address, "plain": plain})
    write_secret_file(target, json.dumps({"keys": imported}, indent=2) + "\n")
    echo_json({"output": str(target), "keys": [entry["address"] for entry in imported]})
