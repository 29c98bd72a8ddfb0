"""The full pipeline: signed token transfers through pool -> block -> commit, against Ed25519 alone.

Run by hand (not in CI):
    python benchmarks/bench_pipeline.py [--senders 500] [--per-sender 8] [--block-size 1000]

A dev chain (default modules: auth, validators, token, fee) is created in a temp directory with
``--senders`` funded accounts. ``senders x per-sender`` signed transfers (signed beforehand, not
timed) are then

1. verified alone: ``ed.verify_data`` of every signature, one core, nothing else — the
   signature-only rate;
2. pushed through the node on one core: ``Engine.add_transactions`` (pool admission runs the
   state machine's read-only verification: signature, nonce, fee, balance, params), then blocks of
   up to ``--block-size`` transfers are forged (execution, roots, signing) and committed to LevelDB
   until the pool is empty;
3. the same with ``system.signatureWorkers = 1`` and ``system.parallelRoots``: signatures are
   checked on the second core too, and each block's event root is computed there while this
   process computes the state root.

Prints transactions/s of each and the ratios of the pipeline rates to the signature-only rate.
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
from klayr_py.crypto.utils import TAG_TRANSACTION  # noqa: E402
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
TRANSFER_BYTES = 170  # a little above a transfer's encoded size, to size the block budget


def _config(folder: Path, block_size: int, workers: int) -> dict[str, object]:
    return {
        "system": {
            "dataPath": str(folder / f"data-{workers}"),
            "logLevel": "error",
            "keepEventsForHeights": -1,
            "signatureWorkers": workers,
            "parallelRoots": workers > 0,
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


def _signature_only(transactions: list[Transaction]) -> float:
    ed.verified_signatures.clear()
    start = time.perf_counter()
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
    folder: Path, transactions: list[Transaction], block_size: int, workers: int
) -> tuple[float, int, float, float]:
    ed.verified_signatures.clear()
    app, _ = Application.default_application(_config(folder, block_size, workers))
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


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=500)
    parser.add_argument("--per-sender", type=int, default=8)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    senders = dev_accounts(args.senders, "pipeline sender")
    validators = dev_accounts(1, "pipeline validator")
    transactions = _transfers(senders, args.per_sender)
    print(f"{len(transactions)} signed transfers from {len(senders)} senders")
    best: dict[str, float] = {}
    details: dict[str, str] = {}
    for _ in range(args.rounds):  # alternate the measurements; keep each one's best
        best["signature only"] = max(best.get("signature only", 0.0), _signature_only(transactions))
        for workers in (0, 1):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                app, _ = Application.default_application(_config(folder, args.block_size, 0))
                assets = dev_genesis_assets(
                    CHAIN_ID, validators, [(s.address, 10**15) for s in senders]
                )
                write_genesis_block(
                    app.create_genesis_block(assets, GENESIS_TIMESTAMP), folder / "genesis.blob"
                )
                write_generator_keys(folder / "keys.json", validators)
                rate, blocks, admit, forge = _pipeline(
                    folder, transactions, args.block_size, workers
                )
            name = "pipeline, 2 cores" if workers else "pipeline, 1 core"
            if rate > best.get(name, 0.0):
                best[name] = rate
                details[name] = (
                    f"{blocks} blocks; pool admission {admit:.2f} s, forging + commit {forge:.2f} s"
                )
    signature_rate = best["signature only"]
    for name, rate in best.items():
        ratio = (
            "" if name == "signature only" else f"  ({rate / signature_rate:.2f}x signature-only)"
        )
        print(f"{name:34s} {rate:9,.0f} tx/s{ratio}  {details.get(name, '')}")


if __name__ == "__main__":
    main()
