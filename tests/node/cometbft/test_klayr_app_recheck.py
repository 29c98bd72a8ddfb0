"""CheckTx of ``type=Recheck`` (only what a block can change is checked again) and the confirmed
nonces it shares with the RPC's pool admission (read once per sender and block)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from klayr_py.chain import Transaction
from klayr_py.errors import NotFoundError
from klayr_py.node.cometbft.execution import TxCode
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.cometbft.rpc_backend import CometBFTBackend
from klayr_py.state_machine.abi import QueryRequest, VerifyTransactionRequest
from tests.node.cometbft.abci_chain import AbciChain
from tests.node.dev_chain import ACCOUNTS, hello


@pytest.fixture
def chain(tmp_path: Path) -> AbciChain:
    made = AbciChain(tmp_path)
    made.init_chain()
    return made


def _recheck(chain: AbciChain, raw: bytes) -> abci.ResponseCheckTx:
    return chain.abci.check_tx(abci.RequestCheckTx(tx=raw, type=abci.CheckTxType.RECHECK))


def _count_calls(chain: AbciChain, monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    calls: list[object] = []
    original = getattr(chain.abci.abi, name)

    def counted(request: object) -> object:
        calls.append(request)
        return original(request)

    monkeypatch.setattr(chain.abci.abi, name, counted)
    return calls


def test_recheck_refuses_a_used_nonce_and_keeps_a_valid_transaction(chain: AbciChain) -> None:
    first = hello(chain.app, ACCOUNTS[0], 0, "first")
    second = hello(chain.app, ACCOUNTS[0], 1, "second")
    rival = hello(chain.app, ACCOUNTS[0], 0, "the same nonce as first")
    other = hello(chain.app, ACCOUNTS[1], 0, "another sender")
    for transaction in (first, second, rival, other):
        assert chain.abci.check_tx(abci.RequestCheckTx(tx=transaction.get_bytes())).code == 0
    chain.block([first.get_bytes()])
    refused = _recheck(chain, rival.get_bytes())
    assert refused.code == TxCode.INVALID
    assert "nonce 0 is used (the account's next nonce is 1)" in refused.log
    assert _recheck(chain, second.get_bytes()).code == TxCode.OK
    assert _recheck(chain, other.get_bytes()).code == TxCode.OK
    chain.block([second.get_bytes()])  # the next block moves the nonce on: read again
    assert _recheck(chain, second.get_bytes()).code == TxCode.INVALID
    assert _recheck(chain, other.get_bytes()).code == TxCode.OK


def test_recheck_reads_each_senders_nonce_once_per_block_and_verifies_nothing_again(
    chain: AbciChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = [hello(chain.app, ACCOUNTS[0], nonce, f"message {nonce}") for nonce in range(1, 4)]
    response = chain.block([hello(chain.app, ACCOUNTS[0], 0, "message 0").get_bytes()])
    assert [r.code for r in response.tx_results] == [TxCode.OK]
    verifications = _count_calls(chain, monkeypatch, "verify_transaction")
    queries = _count_calls(chain, monkeypatch, "query")
    for transaction in pending:
        assert _recheck(chain, transaction.get_bytes()).code == TxCode.OK
    assert verifications == []
    assert [q.method for q in queries if isinstance(q, QueryRequest)] == ["auth_getAuthAccount"]
    fresh = hello(chain.app, ACCOUNTS[1], 0, "new")  # a new transaction is verified in full
    assert chain.abci.check_tx(abci.RequestCheckTx(tx=fresh.get_bytes())).code == TxCode.OK
    assert [type(v) for v in verifications] == [VerifyTransactionRequest]


def test_recheck_verifies_in_full_when_the_nonce_cannot_be_read(
    chain: AbciChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_auth(request: QueryRequest) -> object:
        raise NotFoundError(f"no endpoint {request.method}")

    monkeypatch.setattr(chain.abci.abi, "query", no_auth)
    verifications = _count_calls(chain, monkeypatch, "verify_transaction")
    forged = hello(chain.app, ACCOUNTS[0], 0, "first")
    forged = type(forged)(**{**forged.__dict__, "signatures": (bytes(64),)})
    assert _recheck(chain, forged.get_bytes()).code == TxCode.INVALID
    assert len(verifications) == 1


def test_pool_admission_on_a_validator_reads_each_senders_nonce_once_per_block(
    chain: AbciChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []

    async def broadcast(transaction: bytes) -> None:
        sent.append(transaction)

    backend = CometBFTBackend(
        chain.abci, genesis_block=chain.genesis, block_time=1, broadcast=broadcast
    )
    queries = _count_calls(chain, monkeypatch, "query")
    posts = [hello(chain.app, ACCOUNTS[0], nonce, f"message {nonce}") for nonce in range(3)]

    async def post(transactions: list[Transaction]) -> list[bool]:
        results = [backend.add_transaction(t).accepted for t in transactions]
        await asyncio.sleep(0)  # the broadcasts run
        return results

    assert asyncio.run(post(posts)) == [True, True, True]
    assert len(queries) == 1 and len(sent) == 3
    chain.block([posts[0].get_bytes()])  # a commit: the nonce is read again, once
    assert len(queries) == 2
    assert asyncio.run(post([hello(chain.app, ACCOUNTS[0], 3, "message 3")])) == [True]
    assert len(queries) == 2
    stale = hello(chain.app, ACCOUNTS[0], 0, "nonce 0 is used now")
    assert asyncio.run(post([stale])) == [False]
