"""The ABCI mapping of a klayr_py chain, request by request, without CometBFT."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from klayr_py.node.cometbft.execution import ASSETS_MARKER, TxCode
from klayr_py.node.cometbft.home import consensus_address
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.validator_set import compute_validators_hash
from klayr_py.state_machine.abi import ExecutionContextError
from tests.node.cometbft.abci_chain import AbciChain
from tests.node.dev_chain import ACCOUNTS, VALIDATORS, hello, transfer


@pytest.fixture
def chain(tmp_path: Path) -> AbciChain:
    made = AbciChain(tmp_path)
    made.init_chain()
    return made


def test_init_chain_applies_the_klayr_genesis_and_returns_its_validators(tmp_path: Path) -> None:
    made = AbciChain(tmp_path)
    response = made.init_chain()
    assert response.app_hash == made.genesis.header.state_root
    keys = {update.pub_key.ed25519: update.power for update in response.validators}
    assert keys == {v.public_key: 1 for v in VALIDATORS}
    assert made.abci.last_block().id == made.genesis.id
    info = made.abci.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (0, made.genesis.header.state_root)
    again = made.init_chain()  # a restart before CometBFT stored a block: same answer
    assert again.app_hash == response.app_hash


def test_init_chain_refuses_app_state_without_a_genesis_block(tmp_path: Path) -> None:
    made = AbciChain(tmp_path)
    with pytest.raises(Exception, match="genesisBlock"):
        made.abci.init_chain(abci.RequestInitChain(app_state_bytes=b"{}", initial_height=1))
    assert made.abci.height == -1


def test_finalize_and_commit_store_a_klayr_block_with_the_state_root_as_app_hash(
    chain: AbciChain,
) -> None:
    tx = hello(chain.app, ACCOUNTS[0], 0, "hi from abci")
    response = chain.finalize([tx.get_bytes()], proposer=1)
    assert [r.code for r in response.tx_results] == [TxCode.OK]
    assert {e.type for e in response.tx_results[0].events} >= {"hello.newHello"}
    assert chain.abci.height == 0  # nothing written before Commit
    chain.abci.commit(abci.RequestCommit())
    block = chain.abci.last_block()
    assert block.header.height == 1
    assert block.header.state_root == response.app_hash
    assert block.header.previous_block_id == chain.genesis.id
    assert block.header.generator_address == VALIDATORS[1].address  # proposer mapped back
    assert block.header.timestamp == chain.time
    assert [t.id for t in block.transactions] == [tx.id]
    info = chain.abci.info(abci.RequestInfo())
    assert (info.last_block_height, info.last_block_app_hash) == (1, response.app_hash)
    read = chain.query("/endpoint/hello_getHello", {"address": ACCOUNTS[0].klayr32_address})
    assert read.code == 0 and b"hi from abci" in read.value


def test_finalize_is_deterministic_across_nodes(tmp_path: Path) -> None:
    chains = [AbciChain(tmp_path / str(i)) for i in range(2)]
    txs = [hello(chains[0].app, ACCOUNTS[i], 0, f"hello {i}").get_bytes() for i in range(3)]
    roots = []
    for made in chains:
        made.init_chain()
        roots.append([made.block(txs).app_hash, made.block([]).app_hash])
    assert roots[0] == roots[1]


def test_failed_invalid_and_undecodable_entries_get_their_codes(chain: AbciChain) -> None:
    ok = hello(chain.app, ACCOUNTS[0], 0, "fine")
    broke = transfer(ACCOUNTS[1], 0, ACCOUNTS[2].address, 10**13)  # more than the balance
    bad_nonce = hello(chain.app, ACCOUNTS[2], 5, "nonce ahead")
    response = chain.block([ok.get_bytes(), broke.get_bytes(), bad_nonce.get_bytes(), b"\xff"])
    codes = [r.code for r in response.tx_results]
    assert codes == [TxCode.OK, TxCode.INVALID, TxCode.INVALID, TxCode.UNDECODABLE]
    assert "not a Klayr transaction" in response.tx_results[3].log
    assert [t.id for t in chain.abci.last_block().transactions] == [ok.id]  # INVALID left out


def test_check_tx_admits_like_the_pool(chain: AbciChain) -> None:
    good = hello(chain.app, ACCOUNTS[0], 0, "first")
    assert chain.abci.check_tx(abci.RequestCheckTx(tx=good.get_bytes())).code == TxCode.OK
    ahead = hello(chain.app, ACCOUNTS[0], 3, "later")  # pending in Klayr's pool: kept
    assert chain.abci.check_tx(abci.RequestCheckTx(tx=ahead.get_bytes())).code == TxCode.OK
    forged = hello(chain.app, ACCOUNTS[0], 0, "first")
    forged = type(forged)(**{**forged.__dict__, "signatures": (bytes(64),)})
    refused = chain.abci.check_tx(abci.RequestCheckTx(tx=forged.get_bytes()))
    assert refused.code == TxCode.INVALID and refused.log
    garbage = chain.abci.check_tx(abci.RequestCheckTx(tx=b"\x01\x02"))
    assert garbage.code == TxCode.UNDECODABLE
    chain.block([good.get_bytes()])  # re-check after the block: now in the chain
    again = chain.abci.check_tx(
        abci.RequestCheckTx(tx=good.get_bytes(), type=abci.CheckTxType.RECHECK)
    )
    assert again.code == TxCode.INVALID and "in the chain" in again.log


def test_garbage_proposal_is_rejected_with_a_reason_and_writes_nothing(
    chain: AbciChain, caplog: pytest.LogCaptureFixture
) -> None:
    root = chain.abci.info(abci.RequestInfo()).last_block_app_hash
    good = hello(chain.app, ACCOUNTS[0], 0, "fine").get_bytes()
    for txs in ([good, b"garbage"], [ASSETS_MARKER + b"\xff"], [b"\x0a\x05hello"]):
        request = abci.RequestProcessProposal(txs=txs, height=1, proposer_address=chain.proposer())
        request.time.seconds = chain.time + 1
        with caplog.at_level(logging.WARNING, logger="klayr_py.cometbft"):
            status = chain.abci.process_proposal(request).status
        assert status == abci.ResponseProcessProposal.REJECT
    assert caplog.text.count("rejected the proposal of height 1") == 3
    assert chain.abci.info(abci.RequestInfo()).last_block_app_hash == root
    accepted = abci.RequestProcessProposal(txs=[good], height=1, proposer_address=chain.proposer())
    accepted.time.seconds = chain.time + 1
    assert chain.abci.process_proposal(accepted).status == abci.ResponseProcessProposal.ACCEPT
    assert chain.block([good]).tx_results[0].code == TxCode.OK  # no context left open


def test_prepare_proposal_orders_by_fee_priority_and_nonce(chain: AbciChain) -> None:
    cheap = hello(chain.app, ACCOUNTS[0], 0, "cheap", fee=10_000_000)
    rich = hello(chain.app, ACCOUNTS[1], 0, "rich", fee=90_000_000)
    rich_next = hello(chain.app, ACCOUNTS[1], 1, "rich again", fee=90_000_000)
    orphan = hello(chain.app, ACCOUNTS[2], 4, "nonce gap", fee=99_000_000)
    request = abci.RequestPrepareProposal(
        txs=[cheap.get_bytes(), rich_next.get_bytes(), orphan.get_bytes(), rich.get_bytes(), b"x"],
        max_tx_bytes=10**6,
        height=1,
        proposer_address=chain.proposer(),
    )
    request.time.seconds = chain.time + 1
    chosen = list(chain.abci.prepare_proposal(request).txs)
    assert chosen == [rich.get_bytes(), rich_next.get_bytes(), cheap.get_bytes()]
    assert chain.block(chosen).app_hash  # the proposal executes


def test_validator_set_change_becomes_cometbft_updates(chain: AbciChain) -> None:
    from klayr_py.node.cometbft._convert import validator_updates

    updates = validator_updates({b"a" * 32: 1, b"b" * 32: 1}, {b"b" * 32: 3, b"c" * 32: 1})
    assert [(u.pub_key.ed25519[:1], u.power) for u in updates] == [(b"a", 0), (b"b", 3), (b"c", 1)]
    assert validator_updates({b"a" * 32: 1}, {b"a" * 32: 1}) == []
    current = chain.abci.validator_sets.get(1)
    assert compute_validators_hash(current) == chain.genesis.header.validators_hash


def test_unknown_proposer_maps_to_the_zero_address(chain: AbciChain) -> None:
    assert chain.abci._klayr_address(consensus_address(b"\x07" * 32), 1) == bytes(20)
    assert chain.abci._klayr_address(chain.proposer(1), 1) == VALIDATORS[1].address


def test_queries_by_path(chain: AbciChain) -> None:
    chain.block([])
    assert chain.query("/chain/block/1").code == 0
    assert chain.query("/chain/lastBlock").height == 1
    assert chain.query("/nowhere").code != 0
    assert "does not exist" in chain.query("/endpoint/hello_nothing", {}).log
    proof = chain.query("/prove", {"keys": [bytes(38).hex()]})
    assert proof.code == 0 and b"siblingHashes" in proof.value


def test_commit_without_finalize_is_refused(chain: AbciChain) -> None:
    with pytest.raises(Exception, match="Commit without a finalized block"):
        chain.abci.commit(abci.RequestCommit())
    assert ExecutionContextError  # the ABI's error type stays importable for drivers


def _process(chain: AbciChain, txs: list[bytes], block_hash: bytes) -> int:
    request = abci.RequestProcessProposal(
        txs=txs, height=chain.abci.height + 1, proposer_address=chain.proposer(), hash=block_hash
    )
    request.time.seconds = chain.time + 1
    return int(chain.abci.process_proposal(request).status)


def _finalize(chain: AbciChain, txs: list[bytes], block_hash: bytes) -> bytes:
    chain.time += 1
    request = abci.RequestFinalizeBlock(
        txs=txs, height=chain.abci.height + 1, proposer_address=chain.proposer(), hash=block_hash
    )
    request.time.seconds = chain.time
    response = chain.abci.finalize_block(request)
    chain.abci.commit(abci.RequestCommit())
    return bytes(response.app_hash)


def _counted_chain(
    tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[AbciChain, list[object]]:
    """A chain after InitChain, and the list of its ABI execute_transaction calls."""
    chain = AbciChain(tmp)
    chain.init_chain()
    executions: list[object] = []
    original = chain.abci.abi.execute_transaction
    monkeypatch.setattr(
        chain.abci.abi,
        "execute_transaction",
        lambda request: executions.append(request) or original(request),
    )
    return chain, executions


def test_finalize_reuses_the_accepted_proposal_of_the_same_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = AbciChain(tmp_path / "reference")
    reference.init_chain()
    txs = [hello(reference.app, ACCOUNTS[i], 0, f"hello {i}").get_bytes() for i in range(2)]
    expected = _finalize(reference, txs, b"H" * 32)

    chain, executions = _counted_chain(tmp_path / "node", monkeypatch)
    assert _process(chain, txs, b"H" * 32) == abci.ResponseProcessProposal.ACCEPT
    assert len(executions) == 2
    assert _finalize(chain, txs, b"H" * 32) == expected
    assert len(executions) == 2  # not executed again
    # Another round: a proposal accepted, then a different block decided.
    other = [hello(chain.app, ACCOUNTS[2], 0, "round two").get_bytes()]
    assert _process(chain, txs[:0] + other, b"A" * 32) == abci.ResponseProcessProposal.ACCEPT
    assert _finalize(reference, [], b"B" * 32) == _finalize(chain, [], b"B" * 32)


def test_own_proposal_executes_once_and_another_one_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = AbciChain(tmp_path / "reference")
    reference.init_chain()
    txs = [hello(reference.app, ACCOUNTS[i], 0, f"hello {i}").get_bytes() for i in range(2)]
    expected = _finalize(reference, txs, b"H" * 32)

    chain, executions = _counted_chain(tmp_path / "node", monkeypatch)
    prepare = abci.RequestPrepareProposal(
        txs=txs, max_tx_bytes=10**6, height=1, proposer_address=chain.proposer()
    )
    prepare.time.seconds = chain.time + 1
    entries = list(chain.abci.prepare_proposal(prepare).txs)
    assert sorted(entries) == sorted(txs) and len(executions) == 2
    assert _process(chain, entries, b"H" * 32) == abci.ResponseProcessProposal.ACCEPT
    assert _finalize(chain, entries, b"H" * 32) == expected
    assert len(executions) == 2  # prepared once: processed and finalized without executing

    # Prepared, then someone else's proposal arrives: ours is dropped, theirs executed.
    other = [hello(chain.app, ACCOUNTS[2], 0, "their block").get_bytes()]
    prepare.height, prepare.time.seconds = 2, chain.time + 1
    chain.abci.prepare_proposal(prepare)
    assert _process(chain, other, b"T" * 32) == abci.ResponseProcessProposal.ACCEPT
    their_root = _finalize(chain, other, b"T" * 32)
    assert _finalize(reference, other, b"T" * 32) == their_root


def test_check_tx_trusts_what_this_nodes_pool_admitted(chain: AbciChain) -> None:
    forged = hello(chain.app, ACCOUNTS[0], 0, "first")
    forged = type(forged)(**{**forged.__dict__, "signatures": (bytes(64),)})
    raw = forged.get_bytes()
    assert chain.abci.check_tx(abci.RequestCheckTx(tx=raw)).code == TxCode.INVALID
    chain.abci.admitted = lambda transaction_id: transaction_id == forged.id
    assert chain.abci.check_tx(abci.RequestCheckTx(tx=raw)).code == TxCode.OK
    # (A recheck checks what a block can change; tests/node/cometbft/test_klayr_app_recheck.py.)
