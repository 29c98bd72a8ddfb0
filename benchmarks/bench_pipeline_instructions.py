"""Instructions per signed transfer through the node (pool admission, then forging + commit).

Run by hand (not in CI; needs valgrind):
    python benchmarks/bench_pipeline_instructions.py [--senders 500] [--per-sender 2]

Wall-clock figures on the shared machine move with its load; instruction counts do not. This
runs ``bench_pipeline.py``'s one-core pipeline under callgrind with instrumentation off, and
switches it on (``callgrind_control -i on``) only around ``Engine.add_transactions`` and around
forging the blocks, dumping each phase apart; it prints both per transfer, and the count of one
``ed.verify_data`` per transfer (the signature-only work, with the verifier the node uses) and
of the OpenSSL path, measured the same way. Setup (keys,
signing, genesis) is not counted. About 3 minutes for 1,000 transfers.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def _counted(phase: str, run: object) -> None:
    """Count ``run()`` as ``phase``: instrumentation on, run, off, dump."""
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    run()  # type: ignore[operator]
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
    subprocess.run(["callgrind_control", "-d", phase, pid], check=True, capture_output=True)


def _inside(args: argparse.Namespace) -> None:
    """The measured run, under callgrind."""
    import bench_pipeline as bp

    from klayr_py.crypto import ed
    from klayr_py.crypto.utils import TAG_TRANSACTION
    from klayr_py.node import Application

    senders = bp.dev_accounts(args.senders, "pipeline sender")
    transactions = bp._transfers(senders, args.per_sender)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bp._genesis(folder, args.block_size, senders)
        ed.verified_signatures.clear()

        def signatures() -> None:
            for tx in transactions:
                ed.verify_data(
                    TAG_TRANSACTION,
                    bp.CHAIN_ID,
                    tx.get_signing_bytes(),
                    tx.signatures[0],
                    tx.sender_public_key,
                )

        _counted("signatures", signatures)
        ed.verified_signatures.clear()  # the node verifies them afresh
        if hasattr(ed, "_py_verify"):  # the OpenSSL path, for comparison

            def openssl() -> None:
                for tx in transactions:
                    digest = ed.hash(
                        ed.tag_message(TAG_TRANSACTION, bp.CHAIN_ID, tx.get_signing_bytes())
                    )
                    ed._py_verify(digest, tx.signatures[0], tx.sender_public_key)

            _counted("openssl", openssl)
        app, _ = Application.default_application(bp._config(folder, args.block_size, 0))
        engine = app.start()
        _counted("admission", lambda: engine.add_transactions(transactions))

        def forge() -> None:
            slot = 1
            while len(engine.pool):
                app.forge(bp.GENESIS_TIMESTAMP + 10 * slot)
                slot += 1

        _counted("forging", forge)
        app.close()


def main() -> None:
    """Run this file under callgrind and print the counts per transfer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=500)
    parser.add_argument("--per-sender", type=int, default=2)
    parser.add_argument("--block-size", type=int, default=1000)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args)
        return
    count = args.senders * args.per_sender
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--inside",
                f"--senders={args.senders}",
                f"--per-sender={args.per_sender}",
                f"--block-size={args.block_size}",
            ],
            check=True,
            capture_output=True,
        )
        totals = {}
        for dump in Path(tmp).glob("callgrind.out.*"):
            text = dump.read_text(errors="replace")
            phase = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
            total = re.search(r"^totals: (\d+)", text, re.M)
            if phase and total:
                totals[phase.group(1)] = int(total.group(1))
    print(f"{count} signed transfers; instructions per transfer (callgrind, main thread):")
    signature = totals.get("signatures", 0) / count
    for phase in ("signatures", "openssl", "admission", "forging"):
        if phase not in totals:
            continue
        per = totals[phase] / count
        print(f"  {phase:11s} {per / 1e6:7.3f} M  ({per / signature:.2f} signatures)")
    pipeline = (totals.get("admission", 0) + totals.get("forging", 0)) / count
    print(f"  {'pipeline':11s} {pipeline / 1e6:7.3f} M  ({pipeline / signature:.2f} signatures)")


if __name__ == "__main__":
    main()
