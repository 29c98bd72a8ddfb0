"""Parallel signature checks: successes are remembered, failures never are."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from klayr_py.crypto import ed
from klayr_py.node.verifier import ParallelVerifier
from tests.node.dev_chain import ACCOUNTS, CHAIN_ID, create_chain, hello, make_app, slot_timestamp


def test_preverify_remembers_only_valid_signatures(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.init_modules()
    good = [hello(app, ACCOUNTS[i % 4], i // 4, f"message {i}") for i in range(40)]
    bad = replace(good[0], nonce=99)  # the signature no longer matches
    ed.verified_signatures.clear()
    verifier = ParallelVerifier(CHAIN_ID, workers=1)
    try:
        assert verifier.preverify([*good, bad]) == 40
        assert len(ed.verified_signatures) == 40
        assert verifier.preverify(good) == 0  # already known: nothing to do
    finally:
        verifier.close()


def test_a_node_with_signature_workers_rejects_bad_signatures_as_usual(tmp_path: Path) -> None:
    create_chain(tmp_path)
    app = make_app(tmp_path, signatureWorkers=1)
    engine = app.start()
    ed.verified_signatures.clear()
    transactions = [hello(app, ACCOUNTS[i % 4], i // 4, f"message {i}") for i in range(40)]
    forged = replace(transactions[-1], signatures=[bytes(64)])
    results = engine.add_transactions([*transactions[:-1], forged])
    assert all(result.accepted for result in results[:-1])
    assert not results[-1].accepted and "signature" in results[-1].message.lower()
    block = app.forge(slot_timestamp(1))
    assert block is not None and len(block.transactions) == 39
    app.close()


def test_the_cache_is_bounded() -> None:
    cache = ed.VerifiedSignatures(capacity=3)
    for key in (b"a", b"b", b"c", b"d"):
        cache.add(key)
    assert len(cache) == 3 and b"a" not in cache and b"d" in cache
