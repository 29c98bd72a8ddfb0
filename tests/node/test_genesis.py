"""Genesis blocks: stable for the same inputs, valid, and read back from both file forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from klayr_py.modules.validators import ValidatorsModule
from klayr_py.node.dev import dev_genesis_assets
from klayr_py.node.genesis import (
    GenesisError,
    create_genesis_block,
    read_genesis_block,
    write_genesis_block,
)
from klayr_py.state_machine import StateMachine
from tests.node.dev_chain import ACCOUNTS, CHAIN_ID, VALIDATORS, make_app


def _genesis(tmp: Path, timestamp: int = 1_700_000_000):  # type: ignore[no-untyped-def]
    app = make_app(tmp)
    assets = dev_genesis_assets(CHAIN_ID, VALIDATORS, [(a.address, 10**9) for a in ACCOUNTS])
    return app.create_genesis_block(assets, timestamp)


def test_same_inputs_give_the_same_block_id(tmp_path: Path) -> None:
    first, second = _genesis(tmp_path), _genesis(tmp_path)
    assert first.id == second.id
    assert first.header.state_root == second.header.state_root
    assert _genesis(tmp_path, 1_700_000_001).id != first.id
    first.validate_genesis()
    assert first.header.height == 0 and first.header.version == 0
    assert {asset.module for asset in first.assets} == {"auth", "token", "validators"}


@pytest.mark.parametrize("name", ["genesis_block.blob", "genesis_block.json"])
def test_files_round_trip(tmp_path: Path, name: str) -> None:
    block = _genesis(tmp_path)
    write_genesis_block(block, tmp_path / name)
    assert read_genesis_block(tmp_path / name) == block


def test_bad_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "junk.blob").write_bytes(b"\x01\x02\x03")
    with pytest.raises(GenesisError, match="not a valid genesis block"):
        read_genesis_block(tmp_path / "junk.blob")
    with pytest.raises(GenesisError, match="cannot read"):
        read_genesis_block(tmp_path / "absent.blob")


def test_a_genesis_without_validators_is_refused() -> None:
    machine = StateMachine()
    machine.init({}, {})
    with pytest.raises(GenesisError, match="set the first validators"):
        create_genesis_block(machine, chain_id=CHAIN_ID, timestamp=0, assets={})


def test_a_bad_validators_asset_is_refused() -> None:
    machine = StateMachine()
    machine.register_module(ValidatorsModule())
    machine.init({}, {})
    with pytest.raises(GenesisError, match="validators"):
        create_genesis_block(machine, chain_id=CHAIN_ID, timestamp=0, assets={})
