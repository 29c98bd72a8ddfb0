"""Signature checks on other cores, ahead of the single-threaded state machine.

Ed25519 verification is a large share of a transaction's cost. :class:`ParallelVerifier` checks
single-signature transactions' signatures on ``system.signatureWorkers`` threads and files the
successes in :data:`klayr_py.crypto.ed.verified_signatures`; the auth module's own check then
finds them there. Nothing is trusted that was not verified: a failure is simply not remembered,
so the state machine verifies it again and rejects it with its usual reason.

Threads, not processes: the Rust extension's batch verifier releases the GIL, so a thread runs
on another core while this one admits or executes transactions; nothing is pickled, and no
script is re-imported (a ``spawn`` pool re-ran a script without an ``if __name__`` guard).
Without the extension (``KLAYR_PY_NO_NATIVE=1``) verification holds the GIL, threads would only
contend, and the signatures are left to the state machine's own check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.utils import TAG_TRANSACTION, tag_message
from klayr_py.crypto.utils import hash as sha256

__all__ = ["ParallelVerifier"]

_CHUNK = 32
"""Signatures in the first slice :meth:`ParallelVerifier.verify_ahead` hands out (~1.5 ms of
verification); later slices double."""

_Triple = tuple[bytes, bytes, bytes]

_logger = logging.getLogger("klayr_py.node.verifier")


class ParallelVerifier:
    """Pre-verifies transaction signatures on ``workers`` threads (started lazily)."""

    def __init__(self, chain_id: bytes, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.chain_id = chain_id
        self.workers = workers
        self.parallel = ed.verify_batch_releases_gil()
        """Whether threads verify in parallel (the Rust extension is in use)."""
        if not self.parallel:
            _logger.info(
                "system.signatureWorkers is set but klayr_py's Rust extension is not in use: "
                "signatures are checked one at a time by the state machine"
            )
        self._executor: ThreadPoolExecutor | None = None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="klayr-verify")
        return self._executor

    def start(self) -> None:
        """Start the threads now (otherwise the first batch does)."""
        if self.parallel:
            pool = self._pool()
            for future in [pool.submit(ed.verify_batch, []) for _ in range(self.workers)]:
                future.result()

    def _unverified(self, transactions: Sequence[Transaction]) -> list[_Triple]:
        """The (digest, signature, key) of single-signature ``transactions`` not known valid."""
        triples = []
        for transaction in transactions:
            if len(transaction.signatures) != 1:
                continue  # multisignature: the auth module checks it against the account's keys
            digest = sha256(
                tag_message(TAG_TRANSACTION, self.chain_id, transaction.get_signing_bytes())
            )
            triple = (digest, transaction.signatures[0], transaction.sender_public_key)
            if ed.verified_key(*triple) not in ed.verified_signatures:
                triples.append(triple)
        return triples

    def preverify(self, transactions: Sequence[Transaction]) -> int:
        """Verify the signatures of single-signature ``transactions`` on the workers and this
        thread; returns how many held."""
        if not self.parallel:
            return 0
        triples = self._unverified(transactions)
        if not triples:
            return 0
        size = max(2 * _CHUNK, -(-len(triples) // (self.workers + 1)))
        chunks = [triples[start : start + size] for start in range(0, len(triples), size)]
        futures: list[Future[list[bool]]] = [
            self._pool().submit(ed.verify_batch, chunk) for chunk in chunks[1:]
        ]
        held = _remember(chunks[0], ed.verify_batch(chunks[0]))  # this thread's share
        for chunk, future in zip(chunks[1:], futures, strict=True):
            held += _remember(chunk, future.result())
        return held

    def verify_ahead(
        self, transactions: Sequence[Transaction]
    ) -> Iterator[Sequence[Transaction]]:
        """``transactions`` in consecutive slices, each yielded once its signatures are checked
        (and the valid ones remembered); the workers check later slices meanwhile, so the caller
        admits one slice while the next is verified."""
        if not self.parallel or len(transactions) <= 1:
            yield transactions
            return
        pool = self._pool()
        pending: list[tuple[Sequence[Transaction], list[_Triple], Future[list[bool]]]] = []
        start, size = 0, _CHUNK
        while start < len(transactions):
            part = transactions[start : start + size]
            triples = self._unverified(part)
            pending.append((part, triples, pool.submit(ed.verify_batch, triples)))
            # Doubling slices: the first is ready soon, and few tasks means few waits for the
            # GIL (a thread wanting it back waits up to a switch interval, 5 ms by default).
            start, size = start + size, size * 2
        try:
            for part, triples, future in pending:
                _remember(triples, future.result())
                yield part
        finally:
            for _, _, future in pending:  # a caller that stops early leaves no work behind
                future.cancel()

    def close(self) -> None:
        """Stop the threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _remember(triples: list[_Triple], results: list[bool]) -> int:
    """File the valid triples in :data:`ed.verified_signatures`; how many there were."""
    held = 0
    for triple, valid in zip(triples, results, strict=True):
        if valid:
            ed.verified_signatures.add(ed.verified_key(*triple))
            held += 1
    return held
