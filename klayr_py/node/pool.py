"""The transaction pool (Klayr's ``@klayr/transaction-pool``): transactions waiting for a block.

The node hands it callables, so the pool knows nothing of the state machine: ``verify`` (a
read-only check against the current chain state), ``get_nonce`` (an account's confirmed nonce)
and optionally ``get_balance`` (what an account can spend on fees). Per sender, transactions
whose nonces run on without a gap from the confirmed nonce are *processable*; the rest wait,
*unprocessable*, until the gap fills. See docs/transaction_pool.md.

Admission asks more than Klayr's pool does, and nothing of the state machine changes: a future
nonce is PENDING for the auth module before the fee module checks the balance (in Klayr too), so
a key without a coin could fill the pool with far-future transactions promising any fee. Here a
sender must be able to pay the fees of all its pooled transactions together, its nonces may run
at most ``max_nonce_gap`` ahead of its confirmed nonce, and a full pool gives way first to a
transaction whose sender can pay over one whose sender no longer can.

Not thread-safe: the node calls it from one thread (its event loop), as Klayr's engine does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from klayr_py.chain import Transaction
from klayr_py.modules.verification import VerificationResult, VerifyStatus
from klayr_py.node._pool_entries import Account, Entry, LazyHeap, Ranked, outranks
from klayr_py.node.pool_settings import AddResult, PoolConfig, RejectReason, TransactionPoolError

__all__ = ["AddResult", "PoolConfig", "RejectReason", "TransactionPool", "TransactionPoolError"]


class TransactionPool:
    """Klayr's transaction pool: bounded, per-account nonce order, fee-priority eviction.

    Fee priority is fee / byte size, compared exactly; ties are broken by transaction ID so
    every outcome is a function of the calls made, never of dict or heap order.
    """

    def __init__(
        self,
        *,
        verify: Callable[[Transaction], VerificationResult],
        get_nonce: Callable[[bytes], int],
        config: PoolConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        get_balance: Callable[[bytes], int] | None = None,
    ) -> None:
        self._verify = verify
        self._get_nonce = get_nonce
        self._get_balance = get_balance
        self.config = config or PoolConfig()
        self._clock = clock
        self._entries: dict[bytes, Entry] = {}
        self._accounts: dict[bytes, Account] = {}
        self._unprocessable_count = 0
        # Eviction candidates: every unprocessable entry, and each account's highest processable
        # entry (evicting it leaves no gap). Stale items are skipped when they surface.
        self._unprocessable = LazyHeap(_is_current_unprocessable)
        self._tails = LazyHeap(_is_current_tail)

    # -- queries ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def contains(self, transaction_id: bytes) -> bool:
        """Whether the transaction with this ID is in the pool."""
        return transaction_id in self._entries

    def get(self, transaction_id: bytes) -> Transaction | None:
        """The pooled transaction with this ID, or None."""
        entry = self._entries.get(transaction_id)
        return None if entry is None else entry.transaction

    def get_all(self) -> list[Transaction]:
        """Every pooled transaction, by sender address then nonce."""
        return [
            entry.transaction
            for address in sorted(self._accounts)
            for entry in self._accounts[address].ordered()
        ]

    def get_processable(self) -> dict[bytes, list[Transaction]]:
        """Per sender address (ascending), the transactions a block may include, by nonce.

        Each list is the run of consecutive nonces starting at the account's confirmed nonce.
        """
        accounts = self._accounts
        return {
            address: list(run) for address in sorted(accounts) if (run := accounts[address].run)
        }

    # -- adding ----------------------------------------------------------------------------

    def add(self, transaction: Transaction) -> AddResult:
        """Admit ``transaction`` or say why not; never raises for a bad transaction.

        Cheap checks come first and ``verify`` last, and nothing changes before a transaction
        is accepted, except dropping transactions the confirmed nonce has already passed.
        """
        try:
            transaction.validate()
            transaction_id = transaction.id
            size = len(transaction.get_bytes())
            address = transaction.sender_address
        except Exception as exc:  # anything from outside may be broken in any way
            transaction_id = _safe_id(transaction)
            return AddResult(
                transaction_id, RejectReason.MALFORMED, f"Malformed transaction: {exc}"
            )

        config = self.config
        if size > config.max_transaction_size:
            return AddResult(
                transaction_id,
                RejectReason.TOO_LARGE,
                f"Transaction byte length {size} is greater than {config.max_transaction_size}",
            )
        if transaction_id in self._entries:
            return AddResult(
                transaction_id, RejectReason.DUPLICATE, "Transaction is already in the pool"
            )
        if transaction.fee < config.min_entrance_fee_priority * size:
            return AddResult(
                transaction_id,
                RejectReason.FEE_PRIORITY_TOO_LOW,
                f"Fee priority {transaction.fee}/{size} is below the minimum entrance fee "
                f"priority {config.min_entrance_fee_priority}",
            )
        confirmed_nonce = self._get_nonce(address)
        if transaction.nonce < confirmed_nonce:
            return AddResult(
                transaction_id,
                RejectReason.NONCE_TOO_LOW,
                f"Transaction nonce {transaction.nonce} is lower than the account nonce "
                f"{confirmed_nonce}",
            )
        account = self._accounts.get(address)
        passed = self._sync_nonce(account, confirmed_nonce) if account is not None else []
        account = self._accounts.get(address)  # the sync may have emptied and dropped it
        entry = Entry(
            transaction,
            transaction_id=transaction_id,
            address=address,
            size=size,
            received_at=self._clock(),
        )

        outgoing, rejection = self._make_room(entry, account, confirmed_nonce)
        if rejection is not None:
            return AddResult(transaction_id, *rejection, removed=tuple(passed))
        if transaction.nonce >= confirmed_nonce + config.max_nonce_gap:
            return AddResult(
                transaction_id,
                RejectReason.NONCE_GAP_TOO_LARGE,
                f"Transaction nonce {transaction.nonce} is {config.max_nonce_gap} or more ahead "
                f"of the account nonce {confirmed_nonce} (transactionPool.maxNonceGap)",
                removed=tuple(passed),
            )
        unpaid = self._unpaid_fees(transaction, account)
        if unpaid is not None:
            return AddResult(
                transaction_id, RejectReason.INSUFFICIENT_BALANCE, unpaid, removed=tuple(passed)
            )
        failure = self._verification_failure(transaction)
        if failure is not None:
            return AddResult(
                transaction_id,
                RejectReason.VERIFICATION_FAILED,
                f"Transaction verification failed: {failure}",
                removed=tuple(passed),
            )

        if outgoing is not None:
            self._detach(outgoing)
            self._reclassify(outgoing.address)
            passed.append(outgoing.transaction)
        self._attach(entry, confirmed_nonce)
        self._reclassify(address)
        return AddResult(transaction_id, processable=bool(entry.processable), removed=tuple(passed))

    def _make_room(
        self, entry: Entry, account: Account | None, confirmed_nonce: int
    ) -> tuple[Entry | None, tuple[RejectReason, str] | None]:
        """The entry ``entry`` would push out (if any), or why it cannot come in."""
        config = self.config
        existing = account.by_nonce.get(entry.nonce) if account is not None else None
        if existing is not None:
            if entry.fee < existing.fee + config.min_replacement_fee_difference:
                return None, (
                    RejectReason.REPLACEMENT_FEE_TOO_LOW,
                    f"Incoming transaction fee {entry.fee} is not sufficient to replace the "
                    f"existing transaction with fee {existing.fee}: at least "
                    f"{existing.fee + config.min_replacement_fee_difference} is needed",
                )
            return existing, None
        if account is not None and len(account.nonces) >= config.max_transactions_per_account:
            highest = account.nonces[-1]
            if entry.nonce > highest:
                return None, (
                    RejectReason.ACCOUNT_LIMIT,
                    f"Incoming transaction exceeds maximum transaction limit per account "
                    f"({config.max_transactions_per_account})",
                )
            # As Klayr: a lower nonce is worth more to the account; its highest one makes way.
            return account.by_nonce[highest], None
        if len(self._entries) < config.max_transactions:
            return None, None
        victim = self._unprocessable.peek() or self._tails.peek()
        if victim is not None and self._may_evict(victim, entry, account, confirmed_nonce):
            return victim, None
        if victim is not None and victim.address != entry.address and self._unfunded(victim):
            return victim, None  # its sender can no longer pay: junk gives way to a payer
        return None, (
            RejectReason.POOL_FULL,
            f"Transaction pool is full ({config.max_transactions} transactions) and the "
            "transaction's fee priority is not higher than the lowest one that could be evicted",
        )

    def _may_evict(
        self, victim: Entry, entry: Entry, account: Account | None, confirmed_nonce: int
    ) -> bool:
        """Whether ``entry`` may take ``victim``'s place in a full pool."""
        if victim.processable and victim.address == entry.address:
            return False  # the victim ends the very run the incoming transaction would extend
        if outranks(entry, victim):
            return True
        # Klayr's guard against a pool choked with transactions that cannot be included yet:
        # once they fill half of it, a processable newcomer evicts one whatever the fees.
        run = len(account.run) if account is not None else 0
        return (
            victim.processable is False
            and entry.nonce == confirmed_nonce + run
            and 2 * self._unprocessable_count >= self.config.max_transactions
        )

    def _unpaid_fees(self, transaction: Transaction, account: Account | None) -> str | None:
        """Why the sender cannot pay the fees of its pooled transactions with this one, if so.

        A same-nonce transaction it would replace is left out of the sum.
        """
        if self._get_balance is None:
            return None
        kept = [] if account is None else account.ordered()
        kept = [entry for entry in kept if entry.nonce != transaction.nonce]
        fees = transaction.fee + sum(entry.fee for entry in kept)
        balance = self._get_balance(transaction.sender_address)
        if fees <= balance:
            return None
        return (
            f"Insufficient balance: the sender's {len(kept) + 1} pooled transaction(s) "
            f"would need {fees} for fees; its available balance is {balance}"
        )

    def _unfunded(self, entry: Entry) -> bool:
        """Whether ``entry``'s sender can no longer pay the fees of its pooled transactions."""
        if self._get_balance is None:
            return False
        account = self._accounts[entry.address]
        return sum(e.fee for e in account.ordered()) > self._get_balance(entry.address)

    def _unaffordable(self, account: Account) -> list[Entry]:
        """The account's entries from the first whose fee, added to the lower nonces', exceeds
        the balance: what it can no longer pay."""
        if self._get_balance is None:
            return []
        balance = self._get_balance(account.address)
        total = 0
        entries = account.ordered()
        for position, entry in enumerate(entries):
            total += entry.fee
            if total > balance:
                return entries[position:]
        return []

    def _verification_failure(self, transaction: Transaction) -> str | None:
        """Why ``verify`` fails the transaction, or None when it is OK or PENDING."""
        try:
            result = self._verify(transaction)
        except Exception as exc:  # a verify hook that raises rejects, as in Klayr's pool
            return f"{type(exc).__name__}: {exc}"
        if result.status is VerifyStatus.FAIL:
            return str(result.error) if result.error is not None else "verify returned FAIL"
        return None

    # -- removing ----------------------------------------------------------------------------

    def remove(self, transaction_id: bytes) -> bool:
        """Drop the transaction with this ID; its account's later nonces become unprocessable."""
        entry = self._entries.get(transaction_id)
        if entry is None:
            return False
        self._detach(entry)
        self._reclassify(entry.address)
        return True

    def on_block(self, transactions: Sequence[Transaction]) -> list[Transaction]:
        """Update the pool for a newly executed block; return what left besides its transactions.

        The block's transactions leave; for each of their senders (the only accounts whose
        nonce a block moves) the confirmed nonce is read again, pooled transactions below it
        leave, and the rest are verified again against the new state (balances may have
        dropped): a failure leaves too, and the account's later nonces wait behind the gap.
        """
        senders: set[bytes] = set()
        for transaction in transactions:
            entry = self._entries.get(transaction.id)
            if entry is not None:
                self._detach(entry)
            senders.add(transaction.sender_address)
        dropped: list[Transaction] = []
        for address in sorted(senders):
            account = self._accounts.get(address)
            if account is None:
                continue
            dropped.extend(self._sync_nonce(account, self._get_nonce(address)))
            for entry in account.ordered():
                if self._verification_failure(entry.transaction) is not None:
                    self._detach(entry)
                    dropped.append(entry.transaction)
            # The block spent the sender's balance: keep only the fees it can still pay.
            if address in self._accounts:
                for entry in self._unaffordable(account):
                    self._detach(entry)
                    dropped.append(entry.transaction)
            self._reclassify(address)
        return dropped

    def on_revert(self, transactions: Sequence[Transaction]) -> list[AddResult]:
        """Put a reverted block's transactions back, each through :meth:`add` (so verified).

        The senders' confirmed nonces went back first: their pooled transactions wait behind
        the gap until their reverted ones return.
        """
        for address in sorted({transaction.sender_address for transaction in transactions}):
            account = self._accounts.get(address)
            if account is not None:
                self._sync_nonce(account, self._get_nonce(address))
        return [self.add(transaction) for transaction in transactions]

    def expire(self) -> list[Transaction]:
        """Drop the transactions received more than the expiry time ago and return them."""
        now = self._clock()
        limit = self.config.transaction_expiry_seconds
        expired = sorted(
            (entry for entry in self._entries.values() if now - entry.received_at > limit),
            key=lambda entry: (entry.address, entry.nonce),
        )
        for entry in expired:
            self._detach(entry)
        for address in sorted({entry.address for entry in expired}):
            self._reclassify(address)
        return [entry.transaction for entry in expired]

    # -- bookkeeping -------------------------------------------------------------------------

    def _sync_nonce(self, account: Account, confirmed_nonce: int) -> list[Transaction]:
        """Record the account's confirmed nonce; drop (and return) transactions below it."""
        if confirmed_nonce == account.nonce:
            return []
        account.nonce = confirmed_nonce
        passed = [account.by_nonce[nonce] for nonce in account.nonces if nonce < confirmed_nonce]
        for entry in passed:
            self._detach(entry)
        self._reclassify(account.address)
        return [entry.transaction for entry in passed]

    def _attach(self, entry: Entry, confirmed_nonce: int) -> None:
        account = self._accounts.get(entry.address)
        if account is None:
            account = self._accounts[entry.address] = Account(entry.address, confirmed_nonce)
        account.insert(entry)
        self._entries[entry.id] = entry

    def _detach(self, entry: Entry) -> None:
        """Take ``entry`` out; the caller reclassifies its account afterwards."""
        del self._entries[entry.id]
        self._accounts[entry.address].detach(entry)
        if entry.processable is False:
            self._unprocessable_count -= 1
        entry.live = False
        entry.is_tail = False

    def _reclassify(self, address: bytes) -> None:
        """Bring the account's processable run, tail and the eviction heaps up to date."""
        account = self._accounts.get(address)
        if account is None:
            return
        if not account.nonces:
            del self._accounts[address]
            return
        run = account.run_length()
        account.run = [account.by_nonce[nonce].transaction for nonce in account.nonces[:run]]
        for position, nonce in enumerate(account.nonces):
            entry = account.by_nonce[nonce]
            processable = position < run
            is_tail = position == run - 1
            if entry.processable is processable and entry.is_tail is is_tail:
                continue
            # One version bump per change, so every heap item pushed before it goes stale.
            if entry.processable is False:
                self._unprocessable_count -= 1
            entry.processable = processable
            entry.is_tail = is_tail
            entry.version += 1
            if not processable:
                self._unprocessable_count += 1
                self._unprocessable.push(entry)
            elif is_tail:
                self._tails.push(entry)
        self._unprocessable.compact(self._unprocessable_count)
        self._tails.compact(len(self._accounts))


def _is_current_unprocessable(item: Ranked) -> bool:
    entry = item.entry
    return entry.live and entry.processable is False and item.version == entry.version


def _is_current_tail(item: Ranked) -> bool:
    entry = item.entry
    return entry.live and entry.is_tail and item.version == entry.version


def _safe_id(transaction: object) -> bytes:
    """The ID of a transaction too broken to admit, or b"" when it has none."""
    try:
        transaction_id = getattr(transaction, "id", b"")
    except Exception:  # a field the codec refuses breaks the ID too
        return b""
    return transaction_id if isinstance(transaction_id, bytes) else b""
