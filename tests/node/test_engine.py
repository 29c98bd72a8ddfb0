"""The engine end to end: a dev chain in a temp directory with the default modules and hello."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from klayr_py.chain import Block
from klayr_py.errors import KlayrError, StateError
from klayr_py.modules import BaseModule
from klayr_py.node import application
from klayr_py.node.engine import BlockImportError
from klayr_py.node.pool import RejectReason
from klayr_py.state import PREFIX_DIFF
from tests.node.dev_chain import (
    ACCOUNTS,
    FEE,
    INITIAL_BALANCE,
    TOKEN_ID,
    VALIDATORS,
    create_chain,
    hello,
    make_app,
    slot_timestamp,
    transfer,
)


@pytest.fixture
def chain_dir(tmp_path: Path) -> Path:
    create_chain(tmp_path)
    return tmp_path


def balance(engine, account) -> int:  # type: ignore[no-untyped-def]
    response = engine.call_endpoint(
        "token_getBalance", {"address": account.klayr32_address, "tokenID": TOKEN_ID.hex()}
    )
    return int(response["availableBalance"])


def test_transfers_and_hellos_land_in_blocks_and_survive_a_restart(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    assert engine.height == 0
    sender, recipient = ACCOUNTS[0], ACCOUNTS[1]
    assert engine.add_transaction(hello(app, sender, 0, "hello world")).accepted
    assert engine.add_transaction(transfer(sender, 1, recipient.address, 12_345)).accepted
    assert engine.add_transaction(hello(app, recipient, 0, "hi back")).accepted
    block = app.forge(slot_timestamp(1))
    assert block is not None and block.header.height == 1
    assert len(block.transactions) == 3
    # Sender's two transactions in nonce order.
    nonces = [tx.nonce for tx in block.transactions if tx.sender_public_key == sender.public_key]
    assert nonces == [0, 1]

    events = engine.storage.get_events(1)
    names = [(event.module, event.name) for event in events]
    assert names.count(("hello", "newHello")) == 2
    assert ("token", "transfer") in names
    results = [e for e in events if e.name == "commandExecutionResult"]
    assert len(results) == 3
    assert all(e.data == b"\x08\x01" for e in results)  # {success: true}

    assert balance(engine, recipient) == INITIAL_BALANCE + 12_345 - FEE
    assert balance(engine, sender) == INITIAL_BALANCE - 12_345 - 2 * FEE
    assert engine.call_endpoint("hello_getHello", {"address": sender.klayr32_address}) == {
        "message": "hello world"
    }
    assert (
        engine.call_endpoint("auth_getAuthAccount", {"address": sender.klayr32_address})["nonce"]
        == "2"
    )
    assert len(engine.pool) == 0
    root_before, id_before = engine.state_store.state_root, engine.last_block.id
    app.close()

    app = make_app(chain_dir)
    engine = app.start()
    assert engine.height == 1
    assert engine.last_block.id == id_before
    assert engine.state_store.state_root == root_before
    assert engine.storage.get_transaction(block.transactions[0].id) == block.transactions[0]
    assert engine.add_transaction(hello(app, sender, 2, "after restart")).accepted
    block2 = app.forge(slot_timestamp(2))
    assert block2 is not None and block2.header.previous_block_id == id_before
    assert engine.call_endpoint("hello_getHello", {"address": sender.klayr32_address}) == {
        "message": "after restart"
    }
    app.close()


def test_bad_transactions_are_rejected_with_reasons(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    sender = ACCOUNTS[0]
    wrong_key = replace(hello(app, sender, 0, "hello"), signatures=[bytes(64)])
    cases = {
        "signature": wrong_key,
        "fee": hello(app, sender, 0, "hello", fee=1),
        "balance": transfer(sender, 0, ACCOUNTS[1].address, INITIAL_BALANCE * 2),
        "blacklist": hello(app, sender, 0, "say illegalWord1 now"),
        "short": hello(app, sender, 0, "hi"),
    }
    results = {name: engine.add_transaction(tx) for name, tx in cases.items()}
    for name, result in results.items():
        assert not result.accepted, name
        assert result.reason is RejectReason.VERIFICATION_FAILED, name
    assert "ignature" in results["signature"].message
    assert "fee" in results["fee"].message.lower()
    assert "Illegal word" in results["blacklist"].message
    assert "message" in results["short"].message
    # The transfer of more than the balance verifies (fee is affordable) and fails when executed.
    assert len(engine.pool) == 0

    ok = hello(app, sender, 0, "hello")
    assert engine.add_transaction(ok).accepted
    duplicate = engine.add_transaction(ok)
    assert duplicate.reason is RejectReason.DUPLICATE
    app.forge(slot_timestamp(1))
    again = engine.add_transaction(ok)
    assert not again.accepted
    stale = engine.add_transaction(hello(app, sender, 0, "another hello"))
    assert not stale.accepted and "nonce" in stale.message.lower()
    app.close()


def test_failed_command_is_kept_as_fail_and_charges_the_fee(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    sender = ACCOUNTS[2]
    too_much = transfer(sender, 0, ACCOUNTS[3].address, INITIAL_BALANCE)  # amount + fee > balance
    assert engine.add_transaction(too_much).accepted
    block = app.forge(slot_timestamp(1))
    assert block is not None and block.transactions == (too_much,)
    result = [e for e in engine.storage.get_events(1) if e.name == "commandExecutionResult"]
    assert result[0].data == b"\x08\x00"  # {success: false}
    assert balance(engine, sender) == INITIAL_BALANCE - FEE
    app.close()


def test_delete_last_block_restores_state_and_pool(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    root0 = engine.state_store.state_root
    tx = hello(app, ACCOUNTS[0], 0, "to be reverted")
    engine.add_transaction(tx)
    app.forge(slot_timestamp(1))
    assert engine.state_store.state_root != root0
    deleted = engine.delete_last_block()
    assert deleted.header.height == 1
    assert engine.height == 0
    assert engine.state_store.state_root == root0
    assert engine.storage.get_events(1) == []
    assert not engine.storage.has_transaction(tx.id)
    assert engine.pool.contains(tx.id)
    with pytest.raises(KlayrError, match="genesis"):
        engine.delete_last_block()
    # The same transaction lands again.
    block = app.forge(slot_timestamp(2))
    assert block is not None and block.transactions == (tx,)
    app.close()


def _forge_blocks(chain_dir: Path, count: int) -> list[Block]:
    app = make_app(chain_dir)
    engine = app.start()
    blocks = []
    for slot in range(1, count + 1):
        engine.add_transaction(hello(app, ACCOUNTS[0], slot - 1, f"message {slot}"))
        block = app.forge(slot_timestamp(slot))
        assert block is not None
        blocks.append(block)
    app.close()
    return blocks


def test_blocks_import_into_another_node_with_the_same_roots(
    chain_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    blocks = _forge_blocks(chain_dir, 3)
    other_dir = tmp_path_factory.mktemp("other")
    for name in ("genesis.blob",):
        (other_dir / name).write_bytes((chain_dir / name).read_bytes())
    other = make_app(other_dir)
    other.config = other.config.with_overrides(generator={"keys": {"fromFile": None}})
    engine = other.start()
    for block in blocks:
        engine.import_block(Block.from_bytes(block.get_bytes()))
    assert engine.last_block.id == blocks[-1].id
    assert engine.state_store.state_root == blocks[-1].header.state_root
    other.close()


def test_tampered_blocks_are_refused_without_touching_state(
    chain_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    block = _forge_blocks(chain_dir, 1)[0]
    other_dir = tmp_path_factory.mktemp("other")
    (other_dir / "genesis.blob").write_bytes((chain_dir / "genesis.blob").read_bytes())
    (other_dir / "keys.json").write_text('{"keys": []}')
    app = make_app(other_dir)
    engine = app.start()
    root = engine.state_store.state_root
    signer = next(v for v in VALIDATORS if v.address == block.header.generator_address)
    resign = lambda header: header.sign(engine.chain_id, signer.private_key)  # noqa: E731
    tampered = {
        "signature": Block(
            replace(block.header, signature=bytes(64)), block.transactions, block.assets
        ),
        "state root": Block(
            resign(replace(block.header, state_root=bytes(32), signature=b"")),
            block.transactions,
            block.assets,
        ),
        "slot": Block(
            resign(replace(block.header, timestamp=block.header.timestamp + 10, signature=b"")),
            block.transactions,
            block.assets,
        ),
        "height": Block(
            resign(replace(block.header, height=5, signature=b"")),
            block.transactions,
            block.assets,
        ),
        "transactions": Block(block.header, (), block.assets),
    }
    for name, bad in tampered.items():
        with pytest.raises(BlockImportError):
            engine.import_block(bad)
        assert engine.height == 0, name
        assert engine.state_store.state_root == root, name
        assert not engine.state_store.has_changes, name
    engine.import_block(block)
    assert engine.height == 1
    app.close()


def test_a_data_directory_of_another_chain_is_refused(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    app.start()
    app.close()
    create_chain(chain_dir, validators=VALIDATORS[:1])  # a different genesis block
    app = make_app(chain_dir)
    with pytest.raises(KlayrError, match="another chain"):
        app.start()


def test_events_are_pruned_after_keep_events_for_heights(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path, keepEventsForHeights=2)
    engine = app.start()
    for slot in range(1, 5):
        engine.add_transaction(hello(app, ACCOUNTS[0], slot - 1, f"message {slot}"))
        app.forge(slot_timestamp(slot))
    assert engine.storage.get_events(1) == []
    assert engine.storage.get_events(2) != []
    assert engine.storage.get_events(4) != []
    app.close()


def test_state_diffs_are_pruned_after_keep_state_diffs_for_heights(tmp_path: Path) -> None:
    """One validator: each committed block is final, so the store keeps the last
    ``keepStateDiffsForHeights`` blocks revertible and prunes older diffs."""
    create_chain(tmp_path)
    app = make_app(tmp_path, keepStateDiffsForHeights=2)
    engine = app.start()
    for slot in range(1, 7):
        engine.add_transaction(hello(app, ACCOUNTS[0], slot - 1, f"message {slot}"))
        app.forge(slot_timestamp(slot))
    # Block 6 was committed with the boundary min(5, 5) - 2 = 3: diffs 0..3 are gone.
    assert engine.state_store.prune_boundary == 4
    diffs = [key[1:] for key, _ in engine.db.iterate(gte=PREFIX_DIFF, lte=PREFIX_DIFF + b"\xff")]
    assert diffs == [h.to_bytes(4, "big") for h in (4, 5, 6)]
    for height in (6, 5, 4):
        assert engine.delete_last_block().header.height == height
    with pytest.raises(StateError, match="no diff stored for block 3"):
        engine.delete_last_block()
    assert engine.height == 3
    app.close()


def test_slots_rotate_between_validators(chain_dir: Path) -> None:
    app = make_app(chain_dir)
    engine = app.start()
    generators = [app.forge(slot_timestamp(slot)).header.generator_address for slot in (1, 2, 3)]  # type: ignore[union-attr]
    assert generators[0] != generators[1]
    assert generators[0] == generators[2]
    assert {v.address for v in VALIDATORS} == set(generators)
    assert app.forge(slot_timestamp(3)) is None  # slot already used
    assert engine.height == 3
    app.close()


def test_parallel_event_roots_give_the_same_blocks(
    chain_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = make_app(chain_dir, parallelRoots=True, stateCacheSize=1)
    engine = app.start()
    assert engine.state_store.page_cache.max_bytes == 1024 * 1024
    assert len(engine.state_store.page_cache) > 0  # warmed at start
    for nonce in range(60):  # 60 hellos x 6 events: above the worker's threshold
        engine.add_transaction(hello(app, ACCOUNTS[nonce % 4], nonce // 4, f"parallel {nonce}"))
    block = app.forge(slot_timestamp(1))
    assert block is not None and len(block.transactions) == 60
    assert len(engine.storage.get_events(1)) >= 256
    app.close()
    other_dir = tmp_path_factory.mktemp("sequential")
    (other_dir / "genesis.blob").write_bytes((chain_dir / "genesis.blob").read_bytes())
    (other_dir / "keys.json").write_text('{"keys": []}')
    other = make_app(other_dir, parallelRoots=False)
    other_engine = other.start()
    assert other_engine.event_root_worker is None
    other_engine.import_block(block)  # roots checked against the sequential computation
    other.close()


@pytest.mark.parametrize("pays_off", [False, True])
def test_parallel_roots_auto_follows_the_cpus(
    chain_dir: Path, monkeypatch: pytest.MonkeyPatch, pays_off: bool
) -> None:
    monkeypatch.setattr(application, "parallel_roots_pay_off", lambda: pays_off)
    app = make_app(chain_dir)  # parallelRoots: "auto", the default
    engine = app.start()
    assert (engine.event_root_worker is not None) is pays_off
    app.close()


class _Wedger(BaseModule):
    """Hands over an invalid validator set when told to (a module bug)."""

    name = "wedger"
    broken = False

    def after_transactions_execute(self, ctx: Any) -> None:
        if self.broken:
            ctx.set_next_validators(1, 1, [])


def test_a_block_failing_after_execution_leaves_the_engine_usable(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path)
    wedger = _Wedger()
    app.register_module(wedger)
    engine = app.start()
    tx = hello(app, ACCOUNTS[0], 0, "survives the failed block")
    assert engine.add_transaction(tx).accepted
    wedger.broken = True
    assert app.forge(slot_timestamp(1)) is None  # logged and skipped, the node goes on
    assert engine.height == 0 and not engine.state_store.has_changes
    assert engine.pool.contains(tx.id)
    wedger.broken = False
    block = app.forge(slot_timestamp(2))
    assert block is not None and block.transactions == (tx,)
    app.close()
