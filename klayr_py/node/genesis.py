"""Genesis blocks: created from module assets, written to and read from files.

The genesis block is executed on a throw-away in-memory state to learn its roots, so the same
modules, assets, chain ID and timestamp always give the same block and block ID.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from klayr_py import codec
from klayr_py.chain import AggregateCommit, Block, BlockAssets, BlockHeader
from klayr_py.chain.constants import EMPTY_HASH, LENGTH_ADDRESS
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import KlayrError
from klayr_py.node.validator_set import compute_validators_hash
from klayr_py.state import StateStore
from klayr_py.state_machine import StateMachine
from klayr_py.state_machine.block_executor import BlockExecutor

__all__ = [
    "GenesisError",
    "create_genesis_block",
    "encode_genesis_assets",
    "read_genesis_block",
    "write_genesis_block",
]

GENESIS_BLOCK_VERSION = 0


class GenesisError(KlayrError, ValueError):
    """A genesis block cannot be created or read."""


def create_genesis_block(
    state_machine: StateMachine,
    *,
    chain_id: bytes,
    timestamp: int,
    assets: Mapping[str, bytes],
    height: int = 0,
    previous_block_id: bytes = bytes(32),
) -> Block:
    """The genesis block of ``state_machine``'s (initialized) modules with encoded ``assets``.

    Its state and event roots come from running the modules' genesis hooks; a module must set
    the first validators (``set_next_validators``), whose hash goes into the header.
    """
    block_assets = BlockAssets()
    for module, data in sorted(assets.items()):
        block_assets = block_assets.with_asset(module, data)
    header = BlockHeader(
        version=GENESIS_BLOCK_VERSION,
        timestamp=timestamp,
        height=height,
        previous_block_id=previous_block_id,
        generator_address=bytes(LENGTH_ADDRESS),
        transaction_root=EMPTY_HASH,
        asset_root=block_assets.get_root(),
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=height,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=bytes(32),
        aggregate_commit=AggregateCommit(height=height),
    )
    executor = BlockExecutor(state_machine, StateStore(InMemoryDatabase()), chain_id)
    try:
        result = executor.execute_genesis(header, block_assets)
    except KlayrError as error:
        raise GenesisError(str(error)) from error
    if result.next_validators is None:
        raise GenesisError(
            "no module set the first validators in its genesis hooks (register the validators "
            "module, or call ctx.set_next_validators)"
        )
    header = replace(
        header,
        state_root=result.state_root,
        event_root=result.event_root,
        validators_hash=compute_validators_hash(result.next_validators),
    )
    return Block(header, (), block_assets)


def encode_genesis_assets(
    state_machine: StateMachine, assets: Mapping[str, Any]
) -> dict[str, bytes]:
    """Encode each module's genesis asset given as JSON (Klayr's genesis-assets shape) with the
    schema the module declares in its metadata; bytes pass through."""
    encoded: dict[str, bytes] = {}
    for name, value in assets.items():
        if isinstance(value, bytes):
            encoded[name] = value
            continue
        try:
            declared = state_machine.get_module(name).metadata().assets
        except KlayrError as error:
            raise GenesisError(f"genesis asset of module {name}: {error}") from None
        if not declared:
            raise GenesisError(f"module {name} declares no genesis asset schema")
        schema = declared[0]["data"]
        try:
            encoded[name] = codec.encode(schema, codec.from_json(schema, value))
        except (KlayrError, ValueError, TypeError, KeyError) as error:
            raise GenesisError(f"genesis asset of module {name}: {error}") from error
    return encoded


def write_genesis_block(block: Block, path: str | Path) -> None:
    """Write ``block`` as Klayr does: binary for a ``.blob`` file, Klayr's JSON for ``.json``."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.suffix == ".json":
        file.write_text(json.dumps(block.to_json(), indent=2) + "\n", encoding="utf-8")
    else:
        file.write_bytes(block.get_bytes())


def read_genesis_block(path: str | Path) -> Block:
    """Read a genesis block file (binary, or JSON for ``.json``) and check it is a genesis block."""
    file = Path(path)
    try:
        if file.suffix == ".json":
            block = Block.from_json(json.loads(file.read_text(encoding="utf-8")))
        else:
            block = Block.from_bytes(file.read_bytes())
        block.validate_genesis()
    except OSError as error:
        raise GenesisError(f"cannot read genesis block {file}: {error.strerror}") from None
    except (KlayrError, ValueError) as error:
        raise GenesisError(f"{file} is not a valid genesis block: {error}") from None
    return block
