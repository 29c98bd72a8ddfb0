"""Keys from a passphrase: ``klayr-py keys create`` and the ``--passphrase`` options."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from klayr_py.cli._common import echo_json
from klayr_py.crypto.address import get_klayr32_address_from_public_key
from klayr_py.crypto.ed import (
    get_private_and_public_key_from_passphrase,
    get_private_key_from_phrase_and_path,
    get_public_key_from_private_key,
)
from klayr_py.node.secret_file import write_secret_file

__all__ = ["ask_passphrase", "keys", "private_key_from_passphrase"]


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
def create(passphrase: str | None, key_derivation_path: str | None, output: str | None) -> None:
    """Print keys of a passphrase, as Klayr's keys JSON.

    The JSON holds address, publicKey, privateKey and plain generator keys.

    The file serves as generator.keys.fromFile for a validator with this key.

    \b
    klayr-py keys create --passphrase "klayr_py dev account 0"
    """
    if passphrase is None:
        passphrase = ask_passphrase(confirm=True)
    private_key = private_key_from_passphrase(passphrase, key_derivation_path)
    value = {"keys": [keys_json(private_key, key_derivation_path)]}
    if output:
        write_secret_file(output, json.dumps(value, indent=2) + "\n")  # private key: 0600
    echo_json(value)
