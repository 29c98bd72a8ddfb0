"""A CometBFT home directory: config.toml settings, the validator key, node key and genesis.

A Klayr validator's generator key IS its CometBFT consensus key (both Ed25519), so the home's
``priv_validator_key.json`` is written from the Klayr generator private key; CometBFT's address of
a validator is the first 20 bytes of SHA-256 of that public key (:func:`consensus_address`).
The node key (p2p identity) is written from a given seed too, so a node's ID is known before
CometBFT starts and peers can be listed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klayr_py.crypto import ed
from klayr_py.errors import KlayrError

__all__ = [
    "GenesisValidator",
    "consensus_address",
    "init_home",
    "node_id",
    "set_config",
    "write_genesis",
    "write_node_key",
    "write_validator_key",
]


class HomeError(KlayrError, ValueError):
    """A CometBFT home cannot be written as asked."""


def consensus_address(public_key: bytes) -> bytes:
    """CometBFT's address of an Ed25519 key: the first 20 bytes of its SHA-256."""
    return hashlib.sha256(public_key).digest()[:20]


def node_id(public_key: bytes) -> str:
    """The p2p node ID of a node key (its consensus address in lowercase hex)."""
    return consensus_address(public_key).hex()


def _key_json(private_key: bytes) -> tuple[dict[str, str], dict[str, str], bytes]:
    public_key = ed.get_public_key_from_private_key(private_key)
    full = private_key[:32] + public_key  # Go's ed25519.PrivateKey: seed then public key
    pub = {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(public_key).decode()}
    priv = {"type": "tendermint/PrivKeyEd25519", "value": base64.b64encode(full).decode()}
    return pub, priv, public_key


def init_home(cometbft: Path, home: Path) -> None:
    """Run ``cometbft init`` (default config, keys, genesis) unless ``home`` has a config."""
    if (home / "config" / "config.toml").is_file():
        return
    done = subprocess.run(
        [str(cometbft), "init", "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise HomeError(f"cometbft init --home {home} failed: {done.stderr.strip()}")


def write_validator_key(home: Path, private_key: bytes) -> bytes:
    """Make ``private_key`` (Klayr's 64-byte form or a seed) the node's consensus key; the
    public key. The signing state restarts at height 0 (a new home only)."""
    pub, priv, public_key = _key_json(private_key)
    document = {
        "address": consensus_address(public_key).hex().upper(),
        "pub_key": pub,
        "priv_key": priv,
    }
    _write_json(home / "config" / "priv_validator_key.json", document)
    _write_json(home / "data" / "priv_validator_state.json", {"height": "0", "round": 0, "step": 0})
    return public_key


def write_node_key(home: Path, private_key: bytes) -> str:
    """Make ``private_key`` the node's p2p identity; its node ID."""
    _, priv, public_key = _key_json(private_key)
    _write_json(home / "config" / "node_key.json", {"priv_key": priv})
    return node_id(public_key)


@dataclass(frozen=True)
class GenesisValidator:
    """One entry of CometBFT's genesis validator list."""

    public_key: bytes
    power: int
    name: str = ""


def write_genesis(
    home: Path,
    *,
    chain_id: str,
    genesis_time: str,
    validators: Sequence[GenesisValidator],
    app_state: Mapping[str, Any],
    app_hash: bytes = b"",
    initial_height: int = 1,
) -> None:
    """CometBFT's genesis.json: the validators, the Klayr genesis in ``app_state``, and (when
    known) the app hash InitChain must return, which CometBFT then checks."""
    document = {
        "genesis_time": genesis_time,
        "chain_id": chain_id,
        "initial_height": str(initial_height),
        "consensus_params": {
            "block": {"max_bytes": "22020096", "max_gas": "-1"},
            "evidence": {
                "max_age_num_blocks": "100000",
                "max_age_duration": "172800000000000",
                "max_bytes": "1048576",
            },
            "validator": {"pub_key_types": ["ed25519"]},
            "version": {"app": "0"},
            "abci": {"vote_extensions_enable_height": "0"},
        },
        "validators": [
            {
                "address": consensus_address(v.public_key).hex().upper(),
                "pub_key": {
                    "type": "tendermint/PubKeyEd25519",
                    "value": base64.b64encode(v.public_key).decode(),
                },
                "power": str(v.power),
                "name": v.name,
            }
            for v in validators
        ],
        "app_hash": app_hash.hex().upper(),
        "app_state": dict(app_state),
    }
    _write_json(home / "config" / "genesis.json", document)


def set_config(home: Path, settings: Mapping[str, Mapping[str, str | int | bool]]) -> None:
    """Set keys of config.toml by section (``""`` is the top level); values become TOML
    literals. Every key must already exist, so a typo is an error, not a silent no-op."""
    path = home / "config" / "config.toml"
    lines = path.read_text(encoding="utf-8").split("\n")
    section = ""
    pending = {(s, key): value for s, values in settings.items() for key, value in values.items()}
    for index, line in enumerate(lines):
        header = re.fullmatch(r"\[([A-Za-z0-9_.]+)\]\s*", line)
        if header:
            section = header.group(1)
            continue
        match = re.match(r"([A-Za-z_]+) = ", line)
        if match and (section, match.group(1)) in pending:
            value = pending.pop((section, match.group(1)))
            lines[index] = f"{match.group(1)} = {_toml(value)}"
    if pending:
        missing = ", ".join(f"[{s}] {k}" for s, k in sorted(pending))
        raise HomeError(f"{path} has no setting {missing}")
    path.write_text("\n".join(lines), encoding="utf-8")


def _toml(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
