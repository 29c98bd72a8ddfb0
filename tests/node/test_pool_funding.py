"""The pool takes no free junk: senders pay for what they pool, nonces stay near the account's,
and junk gives way to a payer (issue #17, item 4)."""

from __future__ import annotations

from pathlib import Path

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.node import PoolConfig, TransactionPool
from klayr_py.node.pool import RejectReason
from tests.node.dev_chain import ACCOUNTS, FEE, create_chain, hello, make_app
from tests.node.pool_fakes import ADDRESSES, CHAIN_ID, KEYS, FakeChain, tx


class _FundedChain(FakeChain):
    """A fake chain whose accounts have balances (absent: zero)."""

    def __init__(self) -> None:
        super().__init__()
        self.balances: dict[bytes, int] = {}

    def get_balance(self, address: bytes) -> int:
        return self.balances.get(address, 0)

    def funded_pool(self, **config: int) -> TransactionPool:
        return TransactionPool(
            verify=self.verify,
            get_nonce=self.get_nonce,
            get_balance=self.get_balance,
            config=PoolConfig(**config),
            clock=self.clock,
        )


def _stranger(index: int, nonce: int, fee: int) -> Transaction:
    key = ed.get_private_and_public_key_from_passphrase(f"unfunded stranger {index}")
    return Transaction(
        module="token",
        command="transfer",
        nonce=nonce,
        fee=fee,
        sender_public_key=key.public_key,
        params=b"",
    ).sign(CHAIN_ID, key.private_key)


def test_a_sender_must_pay_the_fees_of_all_its_pooled_transactions() -> None:
    chain = _FundedChain()
    chain.balances[ADDRESSES[0]] = 2_500_000
    pool = chain.funded_pool()
    assert pool.add(tx(0, 0, fee=1_000_000)).accepted
    assert pool.add(tx(0, 1, fee=1_000_000)).accepted
    refused = pool.add(tx(0, 2, fee=1_000_000))
    assert refused.reason is RejectReason.INSUFFICIENT_BALANCE
    assert "would need 3000000 for fees; its available balance is 2500000" in refused.message
    # Replacing nonce 1 counts the replacement's fee, not both.
    assert pool.add(tx(0, 1, fee=1_500_000)).accepted
    assert len(pool) == 2
    refused = pool.add(tx(0, 1, fee=1_500_011))
    assert "2 pooled transaction(s) would need 2500011" in refused.message


def test_nonces_far_ahead_of_the_account_are_refused() -> None:
    chain = _FundedChain()
    chain.balances[ADDRESSES[0]] = 10**12
    pool = chain.funded_pool(max_nonce_gap=8)
    assert pool.add(tx(0, 7)).accepted
    refused = pool.add(tx(0, 8))
    assert refused.reason is RejectReason.NONCE_GAP_TOO_LARGE
    assert "transactionPool.maxNonceGap" in refused.message
    chain.nonces[ADDRESSES[0]] = 5  # the account moved on: the window moves with it
    assert pool.add(tx(0, 12)).accepted


def test_unfunded_senders_cannot_fill_the_pool_or_displace_funded_ones() -> None:
    chain = _FundedChain()
    chain.balances[ADDRESSES[0]] = 10**12
    pool = chain.funded_pool(max_transactions=16)
    for nonce in range(16):
        assert pool.add(tx(0, nonce, fee=1_000_000)).accepted
    for index in range(64):  # the attack: unfunded keys, future nonces, huge fees
        for nonce in range(1, 4):
            result = pool.add(_stranger(index, nonce, 2**64 - 1))
            assert result.reason is RejectReason.INSUFFICIENT_BALANCE
    assert len(pool) == 16
    assert {transaction.sender_address for transaction in pool.get_all()} == {ADDRESSES[0]}


def test_a_block_that_spends_the_balance_drops_what_the_sender_can_no_longer_pay() -> None:
    chain = _FundedChain()
    chain.balances[ADDRESSES[0]] = 3_000_000
    pool = chain.funded_pool()
    transactions = [tx(0, nonce, fee=1_000_000) for nonce in range(3)]
    for transaction in transactions:
        assert pool.add(transaction).accepted
    chain.execute(transactions[:1])
    chain.balances[ADDRESSES[0]] = 1_500_000  # the block's transfer spent more than the fee
    dropped = pool.on_block(transactions[:1])
    assert dropped == [transactions[2]]
    assert pool.get_all() == [transactions[1]]


def test_a_full_pool_gives_way_to_a_payer_over_a_sender_who_can_no_longer_pay() -> None:
    chain = _FundedChain()
    for address in ADDRESSES[:2]:
        chain.balances[address] = 10**12
    pool = chain.funded_pool(max_transactions=4)
    for nonce in range(4):  # high fees, funded when they came in
        assert pool.add(tx(1, nonce, fee=9_000_000)).accepted
    chain.balances[ADDRESSES[1]] = 0  # spent elsewhere since
    payer = tx(0, 0, fee=1_000_000)  # a lower fee priority than any pooled transaction
    result = pool.add(payer)
    assert result.accepted and len(result.removed) == 1
    assert pool.contains(payer.id) and len(pool) == 4


def test_the_node_refuses_unfunded_senders_with_the_reason(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path)
    engine = app.start()
    try:
        schema = app.state_machine.get_command("hello", "createHello").schema
        stranger = KEYS[7]
        unfunded = Transaction(
            module="hello",
            command="createHello",
            nonce=3,  # a future nonce: auth says PENDING before the fee module is asked
            fee=2**64 - 1,
            sender_public_key=stranger.public_key,
            params=codec.encode(schema, {"message": "free junk"}),
        ).sign(bytes.fromhex("04000000"), stranger.private_key)
        result = engine.add_transaction(unfunded)
        assert result.reason is RejectReason.INSUFFICIENT_BALANCE
        assert "available balance is 0" in result.message
        assert engine.add_transaction(hello(app, ACCOUNTS[0], 3, "funded", fee=FEE)).accepted
        assert len(engine.pool) == 1
    finally:
        app.close()
