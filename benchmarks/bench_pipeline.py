"""The full pipeline: signed token transfers through pool -> block -> commit, against Ed25519 alone.

Run by hand (not in CI):
    python benchmarks/bench_pipeline.py [--senders 500] [--per-sender 8] [--block-size 1000]

A dev chain (default modules: auth, validators, token, fee) is created in a temp directory with
``--senders`` funded accounts. ``senders x per-sender`` signed transfers (signed beforehand, not
timed) are then

1. verified alone: ``ed.verify_data`` of every signature, one core, nothing else — the
   signature-only rate, with the verifier the node uses (the Rust extension's when it is built,
   about twice OpenSSL's rate), and with the OpenSSL path for comparison;
2. pushed through the node on one core: ``Engine.add_transactions`` (pool admission runs the
   state machine's read-only verification: signature, nonce, fee, balance, params), then blocks of
   up to ``--block-size`` transfers are forged (execution, roots, signing) and committed to LevelDB
   until the pool is empty;
3. the same with ``system.signatureWorkers = 1``: signatures are checked on a thread (the
   second core) while admission runs;
4. the same with ``system.parallelRoots`` too: each block's event root is computed in the
   event-root worker process while this process computes the state root.

One of each per round (``--rounds``); prints every round, then the ranges of transactions/s and
of the ratios of the pipeline rates to the signature-only rates of the same round.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from klayr_py import codec  # noqa: E402
from klayr_py.chain import Transaction  # noqa: E402
from klayr_py.crypto import ed  # noqa: E402
from klayr_py.crypto.utils import TAG_TRANSACTION, hash, tag_message  # noqa: E402
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA  # noqa: E402
from klayr_py.node import Application  # noqa: E402
from klayr_py.node.dev import (  # noqa: E402
    DevAccount,
    dev_accounts,
    dev_genesis_assets,
    native_token_id,
    write_generator_keys,
)
from klayr_py.node.genesis import write_genesis_block  # noqa: E402

CHAIN_ID = bytes.fromhex("04000000")
GENESIS_TIMESTAMP = 1_700_000_000
MODES = [  # name, system.signatureWorkers, system.parallelRoots
    ("pipeline, 1 core", 0, False),
    ("pipeline, 2 cores, signatures", 1, False),
    ("pipeline, 2 cores, + roots", 1, True),
]
TRANSFER_BYTES = 170  # a little above a transfer's encoded size, to size the block budget


def _config(
    folder: Path, block_size: int, workers: int, parallel_roots: bool = False
) -> dict[str, object]:
    return {
        "system": {
            "dataPath": str(folder / f"data-{workers}"),
            "logLevel": "error",
            "keepEventsForHeights": -1,
            "signatureWorkers": workers,
            "parallelRoots": parallel_roots,
        },
        "genesis": {
            "block": {"fromFile": str(folder / "genesis.blob")},
            "chainID": CHAIN_ID.hex(),
            "maxTransactionsSize": block_size * TRANSFER_BYTES,
        },
        "generator": {"keys": {"fromFile": str(folder / "keys.json")}},
        "transactionPool": {"maxTransactions": 100_000, "maxTransactionsPerAccount": 64},
    }


def _transfers(senders: list[DevAccount], per_sender: int) -> list[Transaction]:
    token_id = native_token_id(CHAIN_ID)
    transactions = []
    for nonce in range(per_sender):
        for index, sender in enumerate(senders):
            recipient = senders[(index + 1) % len(senders)].address  # an existing account
            params = {"tokenID": token_id, "amount": 1, "recipientAddress": recipient, "data": ""}
            transactions.append(
                Transaction(
                    module="token",
                    command="transfer",
                    nonce=nonce,
                    fee=1_000_000,
                    sender_public_key=sender.public_key,
                    params=codec.encode(TRANSFER_PARAMS_SCHEMA, params),
                ).sign(CHAIN_ID, sender.private_key)
            )
    return transactions


def _signature_only(transactions: list[Transaction], *, openssl: bool = False) -> float:
    """Signatures/s of ``ed.verify_data`` (the verifier the node uses) on one core, or of the
    OpenSSL path (the pure-Python build's verifier) with ``openssl``."""
    ed.verified_signatures.clear()
    digests = [
        hash(tag_message(TAG_TRANSACTION, CHAIN_ID, tx.get_signing_bytes())) for tx in transactions
    ]
    start = time.perf_counter()
    if openssl:
        for digest, tx in zip(digests, transactions, strict=True):
            assert ed._py_verify(digest, tx.signatures[0], tx.sender_public_key)
        elapsed = time.perf_counter() - start
    else:
        for tx in transactions:
            assert ed.verify_data(
                TAG_TRANSACTION,
                CHAIN_ID,
                tx.get_signing_bytes(),
                tx.signatures[0],
                tx.sender_public_key,
            )
        elapsed = time.perf_counter() - start
    ed.verified_signatures.clear()
    return len(transactions) / elapsed


def _pipeline(
    folder: Path,
    transactions: list[Transaction],
    block_size: int,
    workers: int,
    parallel_roots: bool,
) -> tuple[float, int, float, float]:
    ed.verified_signatures.clear()
    app, _ = Application.default_application(_config(folder, block_size, workers, parallel_roots))
    engine = app.start()
    if engine.verifier is not None:
        engine.verifier.start()  # spawn the workers outside the timing
    if engine.event_root_worker is not None:
        engine.event_root_worker.start()
    start = time.perf_counter()
    results = engine.add_transactions(transactions)
    admitted = time.perf_counter()
    rejected = [r for r in results if not r.accepted]
    if rejected:
        raise SystemExit(f"{len(rejected)} transfers rejected, e.g. {rejected[0].message}")
    slot, blocks = 1, 0
    while len(engine.pool):
        block = app.forge(GENESIS_TIMESTAMP + 10 * slot)
        slot += 1
        blocks += block is not None
    elapsed = time.perf_counter() - start
    included = sum(
        len(engine.storage.get_block_by_height(h).transactions) for h in range(1, engine.height + 1)
    )
    app.close()
    assert included == len(transactions), (included, len(transactions))
    return len(transactions) / elapsed, blocks, admitted - start, elapsed - (admitted - start)


def _genesis(folder: Path, block_size: int, senders: list[DevAccount]) -> None:
    validators = dev_accounts(1, "pipeline validator")
    app, _ = Application.default_application(_config(folder, block_size, 0))
    assets = dev_genesis_assets(CHAIN_ID, validators, [(s.address, 10**15) for s in senders])
    write_genesis_block(
        app.create_genesis_block(assets, GENESIS_TIMESTAMP), folder / "genesis.blob"
    )
    write_generator_keys(folder / "keys.json", validators)


def _range(values: list[float], form: str) -> str:
    low, high = min(values), max(values)
    return format(low, form) if low == high else f"{low:{form}}-{high:{form}}"


def main() -> None:
    """Measure in interleaved rounds and print each round and the ranges."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=500)
    parser.add_argument("--per-sender", type=int, default=8)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    verifier = "Rust (ed25519-dalek)" if ed.verify_batch_releases_gil() else "OpenSSL"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
        f"the node verifies with {verifier}"
    )
    senders = dev_accounts(args.senders, "pipeline sender")
    transactions = _transfers(senders, args.per_sender)
    print(f"{len(transactions)} signed transfers from {len(senders)} senders")
    rates: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    openssl_ratios: dict[str, list[float]] = {}
    for round_number in range(args.rounds):  # one of each per round, so ratios share a period
        node_rate = _signature_only(transactions)
        openssl_rate = _signature_only(transactions, openssl=True)
        rates.setdefault(f"signature only ({verifier})", []).append(node_rate)
        rates.setdefault("signature only (OpenSSL)", []).append(openssl_rate)
        line = [
            f"round {round_number + 1}: signatures {node_rate:,.0f}/s "
            f"(OpenSSL {openssl_rate:,.0f}/s)"
        ]
        for name, workers, parallel_roots in MODES:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                _genesis(folder, args.block_size, senders)
                rate, blocks, admit, forge = _pipeline(
                    folder, transactions, args.block_size, workers, parallel_roots
                )
            rates.setdefault(name, []).append(rate)
            ratios.setdefault(name, []).append(rate / node_rate)
            openssl_ratios.setdefault(name, []).append(rate / openssl_rate)
            line.append(
                f"{name} {rate:,.0f} tx/s = {rate / node_rate:.2f}x "
                f"({blocks} blocks; admission {admit:.2f} s, forging + commit {forge:.2f} s)"
            )
        print("; ".join(line))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    for name, values in rates.items():
        ratio = ""
        if name in ratios:
            ratio = (
                f"  {_range(ratios[name], '.2f')}x signature-only ({verifier}), "
                f"{_range(openssl_ratios[name], '.2f')}x OpenSSL"
            )
        print(f"{name:34s} {_range(values, ',.0f'):>15s} tx/s{ratio}")


if __name__ == "__main__":
    main()
