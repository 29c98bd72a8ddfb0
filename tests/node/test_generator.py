"""Choosing a block's transactions: fee priority across senders, nonce order, size budget."""

from __future__ import annotations

from klayr_py.chain import Transaction
from klayr_py.node.generator import PoolSelector
from tests.node.dev_chain import ACCOUNTS, transfer


def _txs(account_index: int, fees: list[int]) -> list[Transaction]:
    account = ACCOUNTS[account_index]
    return [transfer(account, nonce, ACCOUNTS[3].address, 1, fee) for nonce, fee in enumerate(fees)]


def _run(selector: PoolSelector, reject: set[bytes] = frozenset()) -> list[Transaction]:  # type: ignore[assignment]
    kept = []
    for tx in selector:
        if tx.id in reject:
            selector.rejected(tx, "test")
        else:
            selector.accepted(tx)
            kept.append(tx)
    return kept


def test_highest_fee_priority_first_and_each_sender_in_nonce_order() -> None:
    a = _txs(0, [100, 10_000])  # nonce 0 cheap, nonce 1 rich: 1 cannot jump 0
    b = _txs(1, [5_000])
    selector = PoolSelector({ACCOUNTS[0].address: a, ACCOUNTS[1].address: b}, 10**6)
    kept = _run(selector)
    assert kept == [b[0], a[0], a[1]]


def test_a_rejected_transaction_drops_the_senders_later_nonces() -> None:
    a = _txs(0, [1_000, 1_000, 1_000])
    b = _txs(1, [500])
    selector = PoolSelector({ACCOUNTS[0].address: a, ACCOUNTS[1].address: b}, 10**6)
    kept = _run(selector, reject={a[1].id})
    assert kept == [a[0], b[0]]
    assert [tx for tx, _ in selector.rejections] == [a[1]]


def test_the_size_budget_is_respected() -> None:
    a = _txs(0, [1_000, 1_000, 1_000])
    size = len(a[0].get_bytes())
    selector = PoolSelector({ACCOUNTS[0].address: a}, 2 * size + size // 2)
    assert _run(selector) == a[:2]
    assert selector.used_bytes == 2 * size
