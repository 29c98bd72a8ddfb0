"""CometBFT homes: addresses as CometBFT computes them, keys it accepts, config edits."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from klayr_py.node.cometbft.home import (
    HomeError,
    consensus_address,
    init_home,
    set_config,
    write_node_key,
    write_validator_key,
)
from klayr_py.node.dev import dev_account


def test_consensus_address_is_cometbfts() -> None:
    # A key and address written by `cometbft init` (v0.38.26).
    public_key = base64.b64decode("1g8mrEvM+/mJx0GO5rbM/s280i3eOTtANNlumg8dFlU=")
    assert consensus_address(public_key).hex().upper() == "DDB8B6985A1D8BFEBED486EAA4DADBB9F27D8B46"


def test_cometbft_reads_the_keys_we_write(cometbft_binary: Path, tmp_path: Path) -> None:
    init_home(cometbft_binary, tmp_path)
    account = dev_account(0, "klayr_py dev validator")
    public_key = write_validator_key(tmp_path, account.private_key)
    node = write_node_key(tmp_path, dev_account(0, "node").private_key)
    shown = subprocess.run(
        [str(cometbft_binary), "show-validator", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert base64.b64decode(json.loads(shown)["value"]) == public_key == account.public_key
    shown_id = subprocess.run(
        [str(cometbft_binary), "show-node-id", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown_id == node


def test_set_config_edits_by_section_and_refuses_unknown_keys(
    cometbft_binary: Path, tmp_path: Path
) -> None:
    init_home(cometbft_binary, tmp_path)
    set_config(tmp_path, {"p2p": {"laddr": "tcp://127.0.0.1:1"}, "rpc": {"laddr": "tcp://x:2"}})
    text = (tmp_path / "config" / "config.toml").read_text()
    assert 'laddr = "tcp://127.0.0.1:1"' in text and 'laddr = "tcp://x:2"' in text
    with pytest.raises(HomeError, match=r"no setting \[consensus\] timeout_comit"):
        set_config(tmp_path, {"consensus": {"timeout_comit": "1s"}})
