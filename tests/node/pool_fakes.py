"""Fakes for the transaction pool's tests: signed transactions and a chain the pool can ask."""

from __future__ import annotations

from functools import cache

from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules import VerificationResult, VerifyStatus
from klayr_py.node import PoolConfig, TransactionPool

CHAIN_ID = bytes.fromhex("04000001")
KEYS = [ed.get_private_and_public_key_from_passphrase(f"pool test account {i}") for i in range(8)]
ADDRESSES = [get_address_from_public_key(key.public_key) for key in KEYS]


@cache
def tx(sender: int, nonce: int, fee: int = 1_000_000, pad: int = 0) -> Transaction:
    """A signed ``token:transfer``-like transaction; ``pad`` bytes of params vary its size."""
    key = KEYS[sender]
    return Transaction(
        module="token",
        command="transfer",
        nonce=nonce,
        fee=fee,
        sender_public_key=key.public_key,
        params=bytes(pad),
    ).sign(CHAIN_ID, key.private_key)


def size(transaction: Transaction) -> int:
    """The byte size fee priority divides by."""
    return len(transaction.get_bytes())


class FakeChain:
    """Confirmed nonces, verification failures and a clock, as the node would supply them.

    ``verify`` behaves like the auth module: FAIL below the account's nonce, PENDING above it.
    """

    def __init__(self) -> None:
        self.nonces: dict[bytes, int] = {}
        self.failing: dict[bytes, str] = {}
        self.now = 1_000.0
        self.verify_calls = 0

    def get_nonce(self, address: bytes) -> int:
        return self.nonces.get(address, 0)

    def verify(self, transaction: Transaction) -> VerificationResult:
        self.verify_calls += 1
        if transaction.id in self.failing:
            return VerificationResult.fail(self.failing[transaction.id])
        nonce = self.get_nonce(transaction.sender_address)
        if transaction.nonce < nonce:
            return VerificationResult.fail("nonce is lower than account nonce")
        if transaction.nonce > nonce:
            return VerificationResult(VerifyStatus.PENDING)
        return VerificationResult.ok()

    def clock(self) -> float:
        return self.now

    def pool(self, **config: int | float) -> TransactionPool:
        return TransactionPool(
            verify=self.verify,
            get_nonce=self.get_nonce,
            config=PoolConfig(**config),  # type: ignore[arg-type]
            clock=self.clock,
        )

    def execute(self, transactions: list[Transaction]) -> None:
        """Advance the senders' nonces as executing these transactions would."""
        for transaction in transactions:
            address = transaction.sender_address
            self.nonces[address] = max(self.get_nonce(address), transaction.nonce + 1)
