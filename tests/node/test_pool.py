"""The transaction pool: each of Klayr's rules, with a fake chain behind the pool."""

from __future__ import annotations

from dataclasses import replace

import pytest

from klayr_py.errors import KlayrError
from klayr_py.modules import VerificationResult
from klayr_py.node import (
    AddResult,
    PoolConfig,
    RejectReason,
    TransactionPool,
    TransactionPoolError,
)
from tests.node.pool_fakes import ADDRESSES, FakeChain, size, tx

A, B, C = ADDRESSES[0], ADDRESSES[1], ADDRESSES[2]


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


def nonces(pool: TransactionPool) -> dict[bytes, list[int]]:
    """The processable nonces per address."""
    return {address: [t.nonce for t in txs] for address, txs in pool.get_processable().items()}


def accepted(result: AddResult) -> AddResult:
    assert result.accepted, (result.reason, result.message)
    return result


# -- admission ------------------------------------------------------------------------------


def test_accepts_a_processable_transaction(chain: FakeChain) -> None:
    pool = chain.pool()
    result = accepted(pool.add(tx(0, 0)))
    assert result.processable and result.removed == ()
    assert result.transaction_id == tx(0, 0).id
    assert len(pool) == 1
    assert pool.contains(tx(0, 0).id) and pool.get(tx(0, 0).id) == tx(0, 0)
    assert pool.get(bytes(32)) is None and not pool.contains(bytes(32))
    assert pool.get_all() == [tx(0, 0)]
    assert pool.get_processable() == {A: [tx(0, 0)]}


def test_defaults_are_klayrs() -> None:
    config = PoolConfig()
    assert config.max_transactions == 4096
    assert config.max_transactions_per_account == 64
    assert config.transaction_expiry_seconds == 3 * 60 * 60
    assert config.min_entrance_fee_priority == 0
    assert config.min_replacement_fee_difference == 10
    assert config.max_transaction_size == 15 * 1024


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_transactions", 0),
        ("max_transactions_per_account", 0),
        ("max_transaction_size", 0),
        ("min_entrance_fee_priority", -1),
        ("min_replacement_fee_difference", -1),
        ("transaction_expiry_seconds", 0),
    ],
)
def test_config_rejects_nonsense(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        PoolConfig(**{field: value})  # type: ignore[arg-type]


def test_duplicate_is_rejected(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0)))
    result = pool.add(tx(0, 0))
    assert result.reason is RejectReason.DUPLICATE and not result.accepted
    assert "already in the pool" in result.message
    assert len(pool) == 1


def test_size_limit_is_inclusive(chain: FakeChain) -> None:
    limit = size(tx(0, 0))
    pool = chain.pool(max_transaction_size=limit)
    accepted(pool.add(tx(0, 0)))
    result = pool.add(tx(0, 1, pad=1))
    assert result.reason is RejectReason.TOO_LARGE
    assert f"greater than {limit}" in result.message
    assert len(pool) == 1


def test_default_size_limit_counts_signatures() -> None:
    # Params at Klayr's 14 KiB cap plus 32 signatures go past 15 KiB; validate() alone allows it.
    chain = FakeChain()
    big = tx(0, 0, pad=14 * 1024)
    big = replace(big, signatures=big.signatures * 32)
    big.validate()
    assert size(big) > 15 * 1024
    assert chain.pool().add(big).reason is RejectReason.TOO_LARGE


def test_minimum_entrance_fee_priority(chain: FakeChain) -> None:
    pool = chain.pool(min_entrance_fee_priority=1000)
    # size does not depend on the fee within one varint width, so fee == 1000 * size exactly
    cheap_size = size(tx(0, 0, fee=200_000))
    exact = tx(0, 0, fee=1000 * cheap_size)
    assert size(exact) == cheap_size
    result = pool.add(tx(0, 0, fee=1000 * cheap_size - 1))
    assert result.reason is RejectReason.FEE_PRIORITY_TOO_LOW
    assert "minimum entrance fee priority 1000" in result.message
    accepted(pool.add(exact))


def test_nonce_below_the_account_nonce_is_rejected(chain: FakeChain) -> None:
    chain.nonces[A] = 5
    pool = chain.pool()
    result = pool.add(tx(0, 4))
    assert result.reason is RejectReason.NONCE_TOO_LOW
    assert "lower than the account nonce 5" in result.message
    assert chain.verify_calls == 0  # cheap checks come before verify
    accepted(pool.add(tx(0, 5)))


@pytest.mark.parametrize(
    "reason", ["invalid signature", "insufficient balance", "module foo is not registered"]
)
def test_verification_failure_carries_the_reason(chain: FakeChain, reason: str) -> None:
    chain.failing[tx(0, 0).id] = reason
    pool = chain.pool()
    result = pool.add(tx(0, 0))
    assert result.reason is RejectReason.VERIFICATION_FAILED
    assert reason in result.message
    assert len(pool) == 0


def test_verify_that_raises_rejects(chain: FakeChain) -> None:
    def verify(_: object) -> VerificationResult:
        raise RuntimeError("params fail the schema")

    pool = TransactionPool(verify=verify, get_nonce=chain.get_nonce)
    result = pool.add(tx(0, 0))
    assert result.reason is RejectReason.VERIFICATION_FAILED
    assert "params fail the schema" in result.message


def test_verify_pending_is_accepted_as_nonce_ahead(chain: FakeChain) -> None:
    pool = chain.pool()
    result = accepted(pool.add(tx(0, 3)))
    assert not result.processable
    assert pool.get_processable() == {}


@pytest.mark.parametrize(
    "bad",
    [
        object(),
        None,
        replace(tx(0, 0), nonce=-1),
        replace(tx(0, 0), module="no-dashes"),
        replace(tx(0, 0), signatures=()),
    ],
)
def test_malformed_input_is_rejected_never_raised(chain: FakeChain, bad: object) -> None:
    result = chain.pool().add(bad)  # type: ignore[arg-type]
    assert result.reason is RejectReason.MALFORMED
    assert result.message.startswith("Malformed transaction")


def test_rejection_can_be_raised(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0))).raise_if_rejected()
    with pytest.raises(TransactionPoolError) as caught:
        pool.add(tx(0, 0)).raise_if_rejected()
    assert isinstance(caught.value, KlayrError)
    assert caught.value.reason is RejectReason.DUPLICATE
    assert caught.value.transaction_id == tx(0, 0).id


# -- replacement and the per-account limit -------------------------------------------------


def test_replacement_needs_the_minimum_fee_difference(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0, fee=1000)))
    too_cheap = pool.add(tx(0, 0, fee=1009))
    assert too_cheap.reason is RejectReason.REPLACEMENT_FEE_TOO_LOW
    assert "at least 1010" in too_cheap.message
    result = accepted(pool.add(tx(0, 0, fee=1010)))
    assert result.removed == (tx(0, 0, fee=1000),)
    assert pool.get_all() == [tx(0, 0, fee=1010)]
    assert not pool.contains(tx(0, 0, fee=1000).id)


def test_replacement_keeps_later_nonces_processable(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(3):
        accepted(pool.add(tx(0, nonce, fee=1000)))
    accepted(pool.add(tx(0, 1, fee=2000)))
    assert nonces(pool) == {A: [0, 1, 2]}


def test_account_limit(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions_per_account=3)
    for nonce in (0, 1, 5):
        accepted(pool.add(tx(0, nonce)))
    over = pool.add(tx(0, 6))
    assert over.reason is RejectReason.ACCOUNT_LIMIT
    assert "limit per account (3)" in over.message
    # A lower nonce is worth more: the account's highest nonce makes way (Klayr's rule).
    result = accepted(pool.add(tx(0, 2)))
    assert result.removed == (tx(0, 5),)
    assert nonces(pool) == {A: [0, 1, 2]}
    accepted(pool.add(tx(1, 0)))  # other accounts are unaffected


def test_default_account_limit_is_64(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(64):
        accepted(pool.add(tx(0, nonce)))
    assert pool.add(tx(0, 64)).reason is RejectReason.ACCOUNT_LIMIT
    assert len(pool.get_processable()[A]) == 64


# -- nonce order --------------------------------------------------------------------------


def test_gap_holds_later_nonces_until_filled(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0)))
    assert not accepted(pool.add(tx(0, 2))).processable
    assert not accepted(pool.add(tx(0, 3))).processable
    assert nonces(pool) == {A: [0]}
    assert accepted(pool.add(tx(0, 1))).processable
    assert nonces(pool) == {A: [0, 1, 2, 3]}
    assert len(pool) == 4


def test_run_starts_at_the_account_nonce(chain: FakeChain) -> None:
    chain.nonces[A] = 7
    pool = chain.pool()
    accepted(pool.add(tx(0, 8)))
    assert pool.get_processable() == {}
    accepted(pool.add(tx(0, 7)))
    assert nonces(pool) == {A: [7, 8]}


def test_remove_leaves_a_gap(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(4):
        accepted(pool.add(tx(0, nonce)))
    assert pool.remove(tx(0, 1).id)
    assert not pool.remove(tx(0, 1).id)
    assert nonces(pool) == {A: [0]}
    assert len(pool) == 3
    accepted(pool.add(tx(0, 1)))
    assert nonces(pool) == {A: [0, 1, 2, 3]}


def test_orders_are_deterministic(chain: FakeChain) -> None:
    first, second = chain.pool(), chain.pool()
    transactions = [tx(s, n) for s in range(3) for n in range(3)]
    for transaction in transactions:
        accepted(first.add(transaction))
    for transaction in reversed(transactions):
        accepted(second.add(transaction))
    assert first.get_all() == second.get_all()
    assert list(first.get_processable().items()) == list(second.get_processable().items())
    assert list(first.get_processable()) == sorted(first.get_processable())
    assert first.get_all() == sorted(transactions, key=lambda t: (t.sender_address, t.nonce))


# -- a full pool --------------------------------------------------------------------------


def test_full_pool_evicts_the_lowest_unprocessable_first(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=4)
    accepted(pool.add(tx(0, 0, fee=100)))  # processable, the lowest priority of all
    accepted(pool.add(tx(0, 1, fee=100)))
    accepted(pool.add(tx(1, 5, fee=3000)))  # unprocessable
    accepted(pool.add(tx(2, 5, fee=2000)))  # unprocessable, lowest of those
    result = accepted(pool.add(tx(3, 0, fee=2500)))
    assert result.removed == (tx(2, 5, fee=2000),)
    assert len(pool) == 4
    # not higher than the unprocessable one that would go: rejected, even above the pool minimum
    full = pool.add(tx(4, 0, fee=3000))
    assert full.reason is RejectReason.POOL_FULL
    assert "full (4 transactions)" in full.message


def test_full_pool_then_evicts_the_lowest_processable_tail(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=4)
    accepted(pool.add(tx(0, 0, fee=100)))  # lowest priority, but not a tail: A's run goes on
    accepted(pool.add(tx(0, 1, fee=500)))
    accepted(pool.add(tx(1, 0, fee=400)))
    accepted(pool.add(tx(2, 0, fee=900)))
    result = accepted(pool.add(tx(3, 0, fee=1000)))
    assert result.removed == (tx(1, 0, fee=400),)  # the lowest tail; no gap is created
    assert nonces(pool) == {A: [0, 1], ADDRESSES[2]: [0], ADDRESSES[3]: [0]}


def test_full_pool_rejects_equal_or_lower_priority(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=2)
    accepted(pool.add(tx(0, 0, fee=1000)))
    accepted(pool.add(tx(1, 0, fee=1000)))
    assert pool.add(tx(2, 0, fee=1000)).reason is RejectReason.POOL_FULL
    assert pool.add(tx(2, 0, fee=999)).reason is RejectReason.POOL_FULL
    accepted(pool.add(tx(2, 0, fee=1001)))


def test_fee_priority_is_per_byte_and_exact(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=1)
    small = tx(0, 0, fee=1_000_000)
    big = tx(1, 0, fee=1_000_000, pad=50)  # same fee, more bytes: lower priority
    accepted(pool.add(small))
    assert pool.add(big).reason is RejectReason.POOL_FULL
    # Floored integer priorities would tie here; the exact fractions do not.
    base = size(tx(2, 0, fee=1_000_000))
    barely = tx(2, 0, fee=1_000_000 * base // size(small) + 1)
    assert barely.fee * size(small) > small.fee * size(barely)
    assert barely.fee // size(barely) == small.fee // size(small)
    assert accepted(pool.add(barely)).removed == (small,)


def test_full_pool_ties_are_broken_by_id(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=2)
    first, second = tx(0, 0, fee=1000), tx(1, 0, fee=1000)
    accepted(pool.add(first))
    accepted(pool.add(second))
    result = accepted(pool.add(tx(2, 0, fee=5000)))
    assert result.removed == (min(first, second, key=lambda t: t.id),)


def test_full_pool_never_evicts_the_tail_the_newcomer_extends(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=2)
    accepted(pool.add(tx(0, 0, fee=100)))
    accepted(pool.add(tx(1, 0, fee=5000)))
    # A's nonce 0 is the lowest victim, but A's nonce 1 needs it.
    assert pool.add(tx(0, 1, fee=9000)).reason is RejectReason.POOL_FULL
    assert len(pool) == 2


def test_half_unprocessable_pool_lets_processable_newcomers_in(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=4)
    accepted(pool.add(tx(0, 0, fee=100)))
    accepted(pool.add(tx(1, 0, fee=100)))
    accepted(pool.add(tx(2, 9, fee=9000)))
    accepted(pool.add(tx(3, 9, fee=8000)))
    # Half the pool cannot go into a block: a processable newcomer evicts one whatever the fee.
    result = accepted(pool.add(tx(4, 0, fee=100)))
    assert result.removed == (tx(3, 9, fee=8000),)
    # An unprocessable newcomer gets no such favour.
    assert pool.add(tx(5, 3, fee=100)).reason is RejectReason.POOL_FULL


def test_full_pool_admits_replacements_and_account_displacement(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=2, max_transactions_per_account=2)
    accepted(pool.add(tx(0, 0, fee=5000)))
    accepted(pool.add(tx(0, 3, fee=5000)))
    assert accepted(pool.add(tx(0, 0, fee=5010))).removed == (tx(0, 0, fee=5000),)
    assert accepted(pool.add(tx(0, 1, fee=10))).removed == (tx(0, 3, fee=5000),)
    assert nonces(pool) == {A: [0, 1]}


def test_verification_runs_before_any_eviction(chain: FakeChain) -> None:
    pool = chain.pool(max_transactions=1)
    accepted(pool.add(tx(0, 0, fee=100)))
    chain.failing[tx(1, 0, fee=9000).id] = "invalid signature"
    assert pool.add(tx(1, 0, fee=9000)).reason is RejectReason.VERIFICATION_FAILED
    assert pool.get_all() == [tx(0, 0, fee=100)]


# -- blocks, reverts, expiry --------------------------------------------------------------


def test_on_block_removes_included_and_passed_transactions(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(4):
        accepted(pool.add(tx(0, nonce)))
    accepted(pool.add(tx(1, 0)))
    rival = tx(0, 1, fee=5)  # another node's transaction with A's nonce 1 made it into the block
    block = [tx(0, 0), rival]
    chain.execute(block)
    dropped = pool.on_block(block)
    assert dropped == [tx(0, 1)]
    assert nonces(pool) == {A: [2, 3], B: [0]}
    assert len(pool) == 3


def test_on_block_fills_a_gap(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 2)))
    accepted(pool.add(tx(0, 3)))
    assert pool.get_processable() == {}
    block = [tx(0, 0, fee=7), tx(0, 1, fee=7)]  # sent elsewhere
    chain.execute(block)
    assert pool.on_block(block) == []
    assert nonces(pool) == {A: [2, 3]}


def test_on_block_verifies_the_senders_again(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(4):
        accepted(pool.add(tx(0, nonce)))
    accepted(pool.add(tx(1, 0)))
    chain.failing[tx(0, 1).id] = "insufficient balance"
    chain.failing[tx(1, 0).id] = "not re-checked: B sent nothing in the block"
    chain.execute([tx(0, 0)])
    assert pool.on_block([tx(0, 0)]) == [tx(0, 1)]
    # the later nonces wait behind the gap rather than being dropped
    assert nonces(pool) == {B: [0]}
    assert {t.nonce for t in pool.get_all() if t.sender_address == A} == {2, 3}


def test_on_revert_puts_transactions_back(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(4):
        accepted(pool.add(tx(0, nonce)))
    block = [tx(0, 0), tx(0, 1)]
    chain.execute(block)
    pool.on_block(block)
    assert nonces(pool) == {A: [2, 3]}
    chain.nonces[A] = 0  # the block is reverted
    chain.failing[tx(0, 1).id] = "insufficient balance"
    results = pool.on_revert(block)
    assert [r.reason for r in results] == [None, RejectReason.VERIFICATION_FAILED]
    assert nonces(pool) == {A: [0]}  # nonce 1 is missing again: 2 and 3 wait
    assert len(pool) == 3


def test_expire_drops_old_transactions(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0)))
    chain.now += 3 * 60 * 60 - 1
    accepted(pool.add(tx(0, 1)))
    accepted(pool.add(tx(1, 0)))
    assert pool.expire() == []
    chain.now += 2
    assert pool.expire() == [tx(0, 0)]
    assert nonces(pool) == {B: [0]}
    chain.now += 3 * 60 * 60
    assert sorted(t.id for t in pool.expire()) == sorted([tx(0, 1).id, tx(1, 0).id])
    assert len(pool) == 0 and pool.get_all() == []


def test_add_follows_a_nonce_that_moved_without_on_block(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(3):
        accepted(pool.add(tx(0, nonce)))
    chain.nonces[A] = 2
    result = accepted(pool.add(tx(0, 3)))
    assert set(result.removed) == {tx(0, 0), tx(0, 1)}
    assert nonces(pool) == {A: [2, 3]}


def test_removed_are_reported_even_on_rejection(chain: FakeChain) -> None:
    pool = chain.pool()
    accepted(pool.add(tx(0, 0)))
    accepted(pool.add(tx(0, 1)))
    chain.nonces[A] = 1
    result = pool.add(tx(0, 1))
    assert result.reason is RejectReason.DUPLICATE  # found before the nonce is read
    result = pool.add(tx(0, 1, fee=1))
    assert result.reason is RejectReason.REPLACEMENT_FEE_TOO_LOW
    assert result.removed == (tx(0, 0),)


def test_stale_heap_items_do_not_pile_up(chain: FakeChain) -> None:
    pool = chain.pool()
    for nonce in range(1, 5):
        accepted(pool.add(tx(0, nonce)))
    for _ in range(500):  # each round turns A's whole account processable and back
        accepted(pool.add(tx(0, 0)))
        assert pool.remove(tx(0, 0).id)
    assert len(pool._unprocessable) <= 2 * 4 + 64 + 5
    assert len(pool._tails) <= 2 * 1 + 64 + 5
