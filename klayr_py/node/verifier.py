"""Signature checks spread over CPU cores, ahead of the single-threaded state machine.

Ed25519 verification dominates the cost of a transaction. Before the pool admits a batch, or a
block is imported, :class:`ParallelVerifier` checks the single-signature transactions' signatures
in worker processes (and in this one) and files the successes in
:data:`klayr_py.crypto.ed.verified_signatures`; the auth module's own check then finds them there.
Nothing is trusted that was not verified: a failure is simply not remembered, so the state machine
verifies it again and rejects it with its usual reason.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.utils import TAG_TRANSACTION, tag_message
from klayr_py.crypto.utils import hash as sha256

__all__ = ["ParallelVerifier"]

_MIN_PARALLEL = 32
"""Below this many signatures, shipping them to a worker costs more than it saves."""


class ParallelVerifier:
    """Pre-verifies transaction signatures with ``workers`` extra processes (started lazily)."""

    def __init__(self, chain_id: bytes, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.chain_id = chain_id
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn: workers must not inherit the node's open databases or its event loop.
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    def start(self) -> None:
        """Spawn the worker processes now (otherwise the first large batch does)."""
        pool = self._pool()
        for future in [pool.submit(ed.verify_batch, []) for _ in range(self.workers)]:
            future.result()

    def preverify(self, transactions: Sequence[Transaction]) -> int:
        """Verify the signatures of single-signature ``transactions``; returns how many held."""
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
        if not triples:
            return 0
        if len(triples) < _MIN_PARALLEL:
            return self._remember(triples, ed.verify_batch(triples))
        parts = self.workers + 1
        size = -(-len(triples) // parts)
        chunks = [triples[start : start + size] for start in range(0, len(triples), size)]
        futures: list[Future[list[bool]]] = [
            self._pool().submit(ed.verify_batch, chunk) for chunk in chunks[1:]
        ]
        held = self._remember(chunks[0], ed.verify_batch(chunks[0]))  # this process's share
        for chunk, future in zip(chunks[1:], futures, strict=True):
            held += self._remember(chunk, future.result())
        return held

    @staticmethod
    def _remember(triples: list[tuple[bytes, bytes, bytes]], results: list[bool]) -> int:
        held = 0
        for triple, valid in zip(triples, results, strict=True):
            if valid:
                ed.verified_signatures.add(ed.verified_key(*triple))
                held += 1
        return held

    def close(self) -> None:
        """Stop the worker processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
