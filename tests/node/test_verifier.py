"""Parallel signature checks: successes are remembered, failures never are; threads, so no
script is re-imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from klayr_py.chain import Transaction
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
    if not verifier.parallel:
        pytest.skip("klayr_py's Rust extension is not in use: nothing is verified ahead")
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


def _signed(count: int) -> list[Transaction]:
    pair = ed.get_key_pair_from_seed(bytes(32))
    return [
        Transaction(
            module="token",
            command="transfer",
            nonce=n,
            fee=10**6,
            sender_public_key=pair.public_key,
            params=b"",
        ).sign(CHAIN_ID, pair.private_key)
        for n in range(count)
    ]


def test_verify_ahead_yields_every_transaction_in_order_with_valid_ones_remembered() -> None:
    transactions = _signed(150)
    transactions[70] = replace(transactions[70], nonce=999)  # no longer matches its signature
    ed.verified_signatures.clear()
    verifier = ParallelVerifier(CHAIN_ID, workers=2)
    if not verifier.parallel:
        pytest.skip("klayr_py's Rust extension is not in use: nothing is verified ahead")
    try:
        seen: list[Transaction] = []
        for part in verifier.verify_ahead(transactions):
            for transaction in part:  # each slice is checked before it is handed out
                triple = verifier._unverified([transaction])
                assert triple == [] or transaction is transactions[70]
            seen.extend(part)
        assert seen == transactions
        assert len(ed.verified_signatures) == 149
    finally:
        verifier.close()


def test_without_a_gil_free_verifier_nothing_is_verified_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ed, "verify_batch_releases_gil", lambda: False)
    transactions = _signed(40)
    ed.verified_signatures.clear()
    verifier = ParallelVerifier(CHAIN_ID, workers=1)
    assert verifier.preverify(transactions) == 0
    assert [list(part) for part in verifier.verify_ahead(transactions)] == [transactions]
    assert len(ed.verified_signatures) == 0
    verifier.close()


def test_an_unguarded_script_with_signature_workers_runs_once(tmp_path: Path) -> None:
    """A multiprocessing spawn pool re-imported the script in each worker (and failed there)."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            """
            from klayr_py.chain import Transaction
            from klayr_py.crypto import ed
            from klayr_py.node.verifier import ParallelVerifier

            print("script body ran", flush=True)
            pair = ed.get_key_pair_from_seed(bytes(32))
            chain_id = bytes.fromhex("04000000")
            transactions = [
                Transaction(module="token", command="transfer", nonce=n, fee=10**6,
                            sender_public_key=pair.public_key, params=b"").sign(
                    chain_id, pair.private_key)
                for n in range(200)
            ]
            verifier = ParallelVerifier(chain_id, workers=2)
            verifier.preverify(transactions)
            print("verified", flush=True)
            verifier.close()
            """
        )
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script body ran", "verified"]
