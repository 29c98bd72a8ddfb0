"""CheckTx of ``type=Recheck``: after a block, only what a block can change is checked again."""

from __future__ import annotations

from pathlib import Path

import pytest

from klayr_py.errors import NotFoundError
from klayr_py.node.cometbft.execution import TxCode
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
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
    monkeypatch.setattr(chain.abci.abi, name, lambda r: calls.append(r) or original(r))
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
    pending = [hello(chain.app, ACCOUNTS[0], nonce, f"m{nonce}") for nonce in range(1, 4)]
    chain.block([hello(chain.app, ACCOUNTS[0], 0, "m0").get_bytes()])
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
