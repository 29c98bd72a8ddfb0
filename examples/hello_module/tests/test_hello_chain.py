"""The hello module through the state machine over LevelDB: genesis, blocks, failures, revert."""

from __future__ import annotations

from pathlib import Path

import pytest
from hello.stores.counter import CounterStore
from hello.stores.message import MessageStore
from helpers import CHAIN_ID, Chain, hello_transaction, keys

from klayr_py.db import LevelDB
from klayr_py.state_machine import TransactionExecutionResult
from klayr_py.state_machine.block_executor import BlockExecutionError


def test_blocks_of_hellos_update_stores_and_emit_events(tmp_path: Path) -> None:
    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        chain.genesis()
        alice, bob = keys(2)
        result = chain.block(
            [hello_transaction(alice, 0, "hello world"), hello_transaction(bob, 0, "hi there")]
        )
        assert result.results == [TransactionExecutionResult.OK] * 2
        names = [e.name for e in result.events]
        assert names == ["newHello", "commandExecutionResult", "newHello", "commandExecutionResult"]
        ctx = chain.state.read_only()
        messages = chain.module.stores.get(MessageStore)
        assert (
            messages.get(ctx, hello_transaction(alice, 0, "x y z").sender_address).message
            == "hello world"
        )
        assert chain.module.stores.get(CounterStore).get_value(ctx).counter == 2
        assert chain.state.height == 1


def test_blacklisted_message_is_rejected_and_block_invalid(tmp_path: Path) -> None:
    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        chain.genesis()
        (alice,) = keys(1)
        root = chain.state.state_root
        with pytest.raises(BlockExecutionError, match="illegalWord1"):
            chain.block([hello_transaction(alice, 0, "an illegalWord1 here")])
        assert chain.state.state_root == root


def test_reopen_and_continue(tmp_path: Path) -> None:
    (alice,) = keys(1)
    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        chain.genesis()
        chain.block([hello_transaction(alice, 0, "first hello")])
        root = chain.state.state_root
    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        assert chain.state.height == 1 and chain.state.state_root == root
        chain.block([hello_transaction(alice, 1, "second hello")])
        assert chain.module.stores.get(CounterStore).get_value(chain.state.read_only()).counter == 2
    assert CHAIN_ID


def test_failing_command_is_reverted_but_stays_in_the_block(tmp_path: Path) -> None:
    """A counter at the uint32 maximum makes createHello's execute raise: FAIL, nothing kept."""
    from hello.schemas import CounterData

    from klayr_py import codec
    from klayr_py.chain.schemas import STANDARD_EVENT_DATA_SCHEMA

    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        chain.genesis()
        counter = chain.module.stores.get(CounterStore)
        counter.set_value(chain.state, CounterData(counter=2**32 - 1))
        chain.state.commit(chain.state.prepare_commit(1))  # a doctored state at height 1
        root = chain.state.state_root
        (alice,) = keys(1)
        tx = hello_transaction(alice, 0, "overflowing hello")
        result = chain.block([tx])
        assert result.results == [TransactionExecutionResult.FAIL]
        (event,) = result.events
        assert event.name == "commandExecutionResult" and event.module == "hello"
        assert event.topics == (b"\x04" + tx.id,)
        assert codec.decode(STANDARD_EVENT_DATA_SCHEMA, event.data) == {"success": False}
        assert not chain.module.stores.get(MessageStore).has(chain.state, tx.sender_address)
        assert result.state_root == root  # the hello module wrote nothing


def test_revert_restores_state_and_root(tmp_path: Path) -> None:
    with LevelDB(str(tmp_path / "state")) as db:
        chain = Chain(db)
        chain.genesis()
        alice, bob = keys(2)
        chain.block([hello_transaction(alice, 0, "first")])
        root_1 = chain.state.state_root
        chain.block([hello_transaction(alice, 1, "second"), hello_transaction(bob, 0, "bob says")])
        chain.state.revert(2)
        assert (chain.state.height, chain.state.state_root) == (1, root_1)
        messages = chain.module.stores.get(MessageStore)
        alice_address = hello_transaction(alice, 0, "xyz").sender_address
        assert messages.get(chain.state, alice_address).message == "first"
        assert not messages.has(chain.state, hello_transaction(bob, 0, "xyz").sender_address)
        assert chain.module.stores.get(CounterStore).get_value(chain.state).counter == 1
        again = chain.block(
            [hello_transaction(alice, 1, "second"), hello_transaction(bob, 0, "bob says")]
        )
        assert chain.state.height == 2 and again.state_root != root_1


def test_same_blocks_give_same_roots_in_a_fresh_database(tmp_path: Path) -> None:
    alice, bob = keys(2)
    blocks = [
        [hello_transaction(alice, 0, "one"), hello_transaction(bob, 0, "two")],
        [],
        [hello_transaction(bob, 1, "three")],
    ]
    roots = []
    for run in range(2):
        with LevelDB(str(tmp_path / f"run{run}")) as db:
            chain = Chain(db)
            chain.genesis()
            roots.append([(r.state_root, r.event_root) for r in map(chain.block, blocks)])
    assert roots[0] == roots[1]
