"""ChainState: a block and its state go in one write through the ABI, or not at all."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from klayr_py.chain import Block, BlockAssets
from klayr_py.errors import KlayrError
from klayr_py.node.block_generation import draft_header
from klayr_py.node.block_run import AllTransactions, run_block
from klayr_py.state_machine.abi import (
    ABIError,
    ClearRequest,
    FinalizeRequest,
    InitStateMachineRequest,
    StateRootMismatchError,
)
from tests.node.dev_chain import VALIDATORS, create_chain, make_app, slot_timestamp


@pytest.fixture
def chain_dir(tmp_path: Path) -> Path:
    create_chain(tmp_path)
    return tmp_path


def test_a_block_whose_state_root_is_wrong_is_not_written(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    chain, abi = engine.chain, engine.abi
    timestamp = slot_timestamp(1)
    generator = chain.generator_of(timestamp)
    key = next(v for v in VALIDATORS if v.address == generator)
    header = draft_header(chain, timestamp, generator)
    context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    try:
        outcome = run_block(abi, context_id, BlockAssets(), AllTransactions(()))
        wrong = replace(
            header,
            state_root=bytes(32),
            event_root=outcome.event_root,
            transaction_root=outcome.transaction_root,
            asset_root=outcome.asset_root,
        ).sign(engine.chain_id, key.private_key)
        with pytest.raises(StateRootMismatchError, match=r"stateRoot 0+ != computed"):
            chain.commit_block(context_id, Block(wrong), outcome.events, outcome.next_validators)
    finally:
        abi.clear(ClearRequest())
    assert chain.height == 0 and engine.storage.last_height == 0
    assert engine.state_store.height == 0 and not engine.state_store.has_changes
    block = app.forge(timestamp)  # the slot is still free and the engine usable
    assert block is not None and engine.height == 1
    app.close()


def test_finalized_and_genesis_blocks_are_not_reverted(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    with pytest.raises(KlayrError, match="genesis block cannot be deleted"):
        engine.delete_last_block()
    app.forge(slot_timestamp(1))
    root = engine.state_store.state_root
    engine.abi.finalize(FinalizeRequest(1))  # what a BFT driver records after each commit
    with pytest.raises(ABIError, match="block 1 is final"):
        engine.delete_last_block()
    assert engine.height == 1 and engine.storage.last_height == 1
    assert engine.state_store.state_root == root
    app.close()
