"""The first difference between klayr_py's record of a scenario and Klayr's, said in full."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klayr_py.chain import Transaction

Record = dict[str, Any]


def first_difference(
    ours: Sequence[Record], klayr: Sequence[Record], blocks: Sequence[Record]
) -> str | None:
    """Where the two records first differ (transaction, event or state key), with both values.

    The first record is the genesis block's (events and state), then one per block.
    """
    genesis = _events_or_state("genesis block", ours[0], klayr[0])
    if genesis is not None:
        return genesis
    pairs = zip(ours[1:], klayr[1:], blocks, strict=True)
    for height, (mine, theirs, block) in enumerate(pairs, 1):
        where = f"block {height}"
        transactions = [Transaction.from_bytes(bytes.fromhex(t)) for t in block["transactions"]]
        for field in ("verifications", "executions"):
            for i, (a, b) in enumerate(zip(mine[field], theirs[field], strict=True)):
                if field == "verifications" and block["undecodable"][i]:
                    a, b = a["status"], b["status"]  # codec wording differs on purpose
                if a != b:
                    return (
                        f"{where}, transaction {i} {_describe(transactions[i])}: {field[:-1]}\n"
                        f"  klayr_py: {a}\n  Klayr:    {b}"
                    )
        difference = _events_or_state(where, mine, theirs)
        if difference is not None:
            return difference
        for i, (a, b) in enumerate(zip(mine["dryRuns"], theirs["dryRuns"], strict=True)):
            if block["undecodable"][i]:
                a, b = {**a, "message": ""}, {**b, "message": ""}  # codec wording differs
            if a != b:
                return (
                    f"{where}, dry run after it of transaction {i} {_describe(transactions[i])}"
                    f"\n  klayr_py: {a}\n  Klayr:    {b}"
                )
    return None


def _events_or_state(where: str, mine: Record, theirs: Record) -> str | None:
    for i in range(max(len(mine["events"]), len(theirs["events"]))):
        a = mine["events"][i] if i < len(mine["events"]) else None
        b = theirs["events"][i] if i < len(theirs["events"]) else None
        if a != b:
            return f"{where}, event {i}\n  klayr_py: {a}\n  Klayr:    {b}"
    difference = _state_difference(dict(mine["state"]), dict(theirs["state"]))
    if difference is not None:
        return f"{where}, state {difference}"
    return None


def _state_difference(mine: dict[str, str], theirs: dict[str, str]) -> str | None:
    for key in sorted(mine.keys() | theirs.keys()):
        if mine.get(key) != theirs.get(key):
            return f"key {key}\n  klayr_py: {mine.get(key)}\n  Klayr:    {theirs.get(key)}"
    return None


def _describe(transaction: Transaction) -> str:
    return (
        f"{transaction.id.hex()} ({transaction.module}:{transaction.command}, "
        f"nonce {transaction.nonce}, fee {transaction.fee}, "
        f"{len(transaction.signatures)} signature(s), params {transaction.params.hex()})"
    )
