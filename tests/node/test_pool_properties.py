"""The transaction pool against a plain reference model, over random sequences of calls.

The model keeps a list and scans it for every decision (no heaps, no cached runs, Fractions for
fee priority), so agreeing with it checks the pool's incremental bookkeeping; the invariants
check the rules themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from klayr_py.chain import Transaction
from klayr_py.node import AddResult, PoolConfig, RejectReason, TransactionPool
from tests.chain.strategies import transactions
from tests.node.pool_fakes import ADDRESSES, FakeChain, size, tx

SENDERS = 4
FEES = [100, 150, 1000, 1010, 5000]  # ties, and replacements at the 10-beddow boundary
PADS = [0, 30]


@dataclass
class _Held:
    transaction: Transaction
    received_at: float


class Model:
    """The pool's rules, written as directly as possible."""

    def __init__(self, chain: FakeChain, config: PoolConfig) -> None:
        self.chain = chain
        self.config = config
        self.held: list[_Held] = []
        self.known: dict[bytes, int] = {}  # the confirmed nonce as last read, per account

    def _of(self, address: bytes) -> list[_Held]:
        return sorted(
            (h for h in self.held if h.transaction.sender_address == address),
            key=lambda h: h.transaction.nonce,
        )

    def processable(self, address: bytes) -> list[Transaction]:
        run, expected = [], self.known.get(address, 0)
        for held in self._of(address):
            if held.transaction.nonce != expected:
                break
            run.append(held.transaction)
            expected += 1
        return run

    def _rank(self, transaction: Transaction) -> tuple[Fraction, bytes]:
        return Fraction(transaction.fee, size(transaction)), transaction.id

    def _drop(self, transaction: Transaction) -> None:
        self.held = [h for h in self.held if h.transaction.id != transaction.id]

    def _sync(self, address: bytes) -> list[Transaction]:
        nonce = self.known[address] = self.chain.get_nonce(address)
        passed = [h.transaction for h in self._of(address) if h.transaction.nonce < nonce]
        for transaction in passed:
            self._drop(transaction)
        return passed

    def add(self, transaction: Transaction) -> tuple[RejectReason | None, set[bytes]]:
        config, address = self.config, transaction.sender_address
        if size(transaction) > config.max_transaction_size:
            return RejectReason.TOO_LARGE, set()
        if any(h.transaction.id == transaction.id for h in self.held):
            return RejectReason.DUPLICATE, set()
        if transaction.fee < config.min_entrance_fee_priority * size(transaction):
            return RejectReason.FEE_PRIORITY_TOO_LOW, set()
        if transaction.nonce < self.chain.get_nonce(address):
            return RejectReason.NONCE_TOO_LOW, set()
        removed = {t.id for t in self._sync(address)}
        mine = self._of(address)
        same = [h.transaction for h in mine if h.transaction.nonce == transaction.nonce]
        outgoing: Transaction | None = None
        if same:
            if transaction.fee < same[0].fee + config.min_replacement_fee_difference:
                return RejectReason.REPLACEMENT_FEE_TOO_LOW, removed
            outgoing = same[0]
        elif len(mine) >= config.max_transactions_per_account:
            if transaction.nonce > mine[-1].transaction.nonce:
                return RejectReason.ACCOUNT_LIMIT, removed
            outgoing = mine[-1].transaction
        elif len(self.held) >= config.max_transactions:
            outgoing = self._victim_for(transaction)
            if outgoing is None:
                return RejectReason.POOL_FULL, removed
        if self.chain.verify(transaction).status < 0:
            return RejectReason.VERIFICATION_FAILED, removed
        if outgoing is not None:
            self._drop(outgoing)
            removed.add(outgoing.id)
        self.held.append(_Held(transaction, self.chain.now))
        return None, removed

    def _victim_for(self, transaction: Transaction) -> Transaction | None:
        addresses = {h.transaction.sender_address for h in self.held}
        runs = {a: self.processable(a) for a in addresses}
        in_runs = {t.id for run in runs.values() for t in run}
        unprocessable = [h.transaction for h in self.held if h.transaction.id not in in_runs]
        tails = [run[-1] for run in runs.values() if run]
        victim = min(unprocessable or tails, key=self._rank)
        victim_processable = victim.id in in_runs
        if victim_processable and victim.sender_address == transaction.sender_address:
            return None
        if self._rank(transaction)[0] > self._rank(victim)[0]:
            return victim
        incoming_processable = transaction.nonce == self.known[transaction.sender_address] + len(
            runs.get(transaction.sender_address, [])
        )
        if (
            not victim_processable
            and incoming_processable
            and 2 * len(unprocessable) >= self.config.max_transactions
        ):
            return victim
        return None

    def on_block(self, transactions: list[Transaction]) -> set[bytes]:
        for transaction in transactions:
            self._drop(transaction)
        dropped: set[bytes] = set()
        for address in sorted({t.sender_address for t in transactions}):
            if not self._of(address):
                continue
            dropped |= {t.id for t in self._sync(address)}
            for held in self._of(address):
                if self.chain.verify(held.transaction).status < 0:
                    self._drop(held.transaction)
                    dropped.add(held.transaction.id)
        return dropped

    def expire(self) -> set[bytes]:
        limit = self.config.transaction_expiry_seconds
        old = {h.transaction.id for h in self.held if self.chain.now - h.received_at > limit}
        self.held = [h for h in self.held if h.transaction.id not in old]
        return old


class PoolMachine(RuleBasedStateMachine):
    """Random adds, removes, blocks, reverts, expiry and verification failures."""

    @initialize(
        max_transactions=st.integers(1, 8),
        per_account=st.integers(1, 4),
        min_priority=st.sampled_from([0, 0, 0, 1, 8]),
    )
    def start(self, max_transactions: int, per_account: int, min_priority: int) -> None:
        self.chain = FakeChain()
        self.config = PoolConfig(
            max_transactions=max_transactions,
            max_transactions_per_account=per_account,
            min_entrance_fee_priority=min_priority,
            transaction_expiry_seconds=100,
        )
        self.pool = TransactionPool(
            verify=self.chain.verify,
            get_nonce=self.chain.get_nonce,
            config=self.config,
            clock=self.chain.clock,
        )
        self.model = Model(self.chain, self.config)
        self.blocks: list[list[Transaction]] = []

    @rule(
        sender=st.integers(0, SENDERS - 1),
        ahead=st.integers(-1, 4),
        fee=st.sampled_from(FEES),
        pad=st.sampled_from(PADS),
        fails=st.integers(0, 9).map(lambda n: n == 0),
    )
    def add(self, sender: int, ahead: int, fee: int, pad: int, fails: bool) -> None:
        nonce = max(0, self.chain.get_nonce(ADDRESSES[sender]) + ahead)
        transaction = tx(sender, nonce, fee, pad)
        if fails and transaction.id not in self.chain.failing:
            self.chain.failing[transaction.id] = "insufficient balance"
        self._add(transaction)

    def _add(self, transaction: Transaction) -> None:
        result = self.pool.add(transaction)
        reason, removed = self.model.add(transaction)
        assert result.reason == reason, (result.message, reason)
        assert {t.id for t in result.removed} == removed
        event(f"add: {reason or 'accepted'}{' with removal' if removed else ''}")

    @precondition(lambda self: len(self.pool) > 0)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        victim = data.draw(st.sampled_from(self.pool.get_all()))
        assert self.pool.remove(victim.id)
        self.model._drop(victim)
        assert not self.pool.remove(victim.id)

    @rule(data=st.data(), rival=st.booleans())
    def block(self, data: st.DataObject, rival: bool) -> None:
        included: list[Transaction] = []
        for run in self.pool.get_processable().values():
            included += run[: data.draw(st.integers(0, len(run)))]
        if rival:  # a transaction from elsewhere, maybe taking a pooled one's nonce
            sender = data.draw(st.integers(0, SENDERS - 1))
            nonce = self.chain.get_nonce(ADDRESSES[sender])
            if not any(t.sender_address == ADDRESSES[sender] for t in included):
                included.append(tx(sender, nonce, fee=7))
        self.chain.execute(included)
        self.blocks.append(included)
        dropped = self.pool.on_block(included)
        assert {t.id for t in dropped} == self.model.on_block(included)

    @precondition(lambda self: bool(self.blocks))
    @rule()
    def revert(self) -> None:
        block = self.blocks.pop()
        for transaction in block:
            address = transaction.sender_address
            self.chain.nonces[address] = min(self.chain.get_nonce(address), transaction.nonce)
        for address in sorted({t.sender_address for t in block}):
            if self.model._of(address):
                self.model._sync(address)
        results = self.pool.on_revert(block)
        for transaction, result in zip(block, results, strict=True):
            reason, removed = self.model.add(transaction)
            assert result.reason == reason, (result.message, reason)
            assert {t.id for t in result.removed} == removed

    @rule(seconds=st.sampled_from([1, 60, 101]))
    def expire(self, seconds: int) -> None:
        self.chain.now += seconds
        expired = self.pool.expire()
        assert {t.id for t in expired} == self.model.expire()

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert {t.id for t in self.pool.get_all()} == {h.transaction.id for h in self.model.held}
        addresses = sorted({h.transaction.sender_address for h in self.model.held})
        expected = {a: self.model.processable(a) for a in addresses}
        assert self.pool.get_processable() == {a: run for a, run in expected.items() if run}

    @invariant()
    def rules_hold(self) -> None:
        everything = self.pool.get_all()
        assert len(everything) == len(self.pool) <= self.config.max_transactions
        keys = [(t.sender_address, t.nonce) for t in everything]
        assert len(set(keys)) == len(keys)  # no two share sender and nonce
        for address in {t.sender_address for t in everything}:
            mine = sorted(t.nonce for t in everything if t.sender_address == address)
            assert len(mine) <= self.config.max_transactions_per_account
            assert mine[0] >= self.chain.get_nonce(address)
        for address, run in self.pool.get_processable().items():
            start = self.chain.get_nonce(address)
            assert [t.nonce for t in run] == list(range(start, start + len(run)))
            held = {t.nonce for t in everything if t.sender_address == address}
            assert start + len(run) not in held  # the run is as long as it can be
        for transaction in everything:
            assert self.pool.contains(transaction.id)
            assert self.pool.get(transaction.id) == transaction
        unprocessable = len(everything) - sum(map(len, self.pool.get_processable().values()))
        assert self.pool._unprocessable_count == unprocessable


PoolMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPool = PoolMachine.TestCase


@settings(max_examples=200, deadline=None)
@given(transactions(valid=False) | transactions())
def test_add_never_raises(transaction: Transaction) -> None:
    chain = FakeChain()
    pool = chain.pool(max_transactions=1)
    pool.add(tx(0, 0))
    result = pool.add(transaction)
    assert isinstance(result, AddResult)
    try:
        transaction.validate()
    except ValueError:
        assert result.reason is RejectReason.MALFORMED
    assert len(pool) == 1
