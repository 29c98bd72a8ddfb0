"""Running a CometBFT block through the ABI: Klayr's hook order over the block's raw txs.

A CometBFT block is a list of byte strings. Here the first may carry the proposer's module
assets (:data:`ASSETS_MARKER` then the encoded assets, each length-prefixed); every other one is
a Klayr transaction. Execution follows Klayr's block order through the ABI only:
``verify_assets``, ``before_transactions_execute``, per transaction ``verify_transaction`` then
``execute_transaction``, ``after_transactions_execute``, and a dry-run ``commit`` for the state
root. The result keeps the context open: the driver commits it (with its block record) or
clears it.

Two modes. ``strict`` (ProcessProposal) raises :class:`ProposalError` at the first undecodable
or invalid transaction, so the proposal is rejected. Otherwise (FinalizeBlock, a block already
decided) such a transaction is reported INVALID and left out of the Klayr block, the same way on
every node: the outcome depends only on the block and the committed state.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

from klayr_py.chain import AggregateCommit, Block, BlockAssets, BlockHeader, Event, Transaction
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.chain.roots import compute_event_root, compute_transaction_root
from klayr_py.contexts.hooks import NextValidators
from klayr_py.errors import KlayrError
from klayr_py.node.cometbft.framing import encode_uvarint
from klayr_py.node.generator import PoolSelector
from klayr_py.state_machine.abi import (
    ABI,
    AfterTransactionsExecuteRequest,
    BeforeTransactionsExecuteRequest,
    CommitRequest,
    ExecuteTransactionRequest,
    InitStateMachineRequest,
    InsertAssetsRequest,
    VerifyAssetsRequest,
    VerifyTransactionRequest,
)
from klayr_py.state_machine.state_machine import TransactionExecutionResult

__all__ = [
    "ASSETS_MARKER",
    "BLOCK_VERSION",
    "ExecutedBlock",
    "ProposalError",
    "TxCode",
    "TxOutcome",
    "decode_assets",
    "draft_header",
    "encode_assets",
    "execute_block",
    "prepare_block",
]

BLOCK_VERSION = 2
ASSETS_MARKER = b"\x00klayr-assets\x00"
"""Starts the proposal entry holding the block assets; no Klayr transaction starts with it (a
transaction's first field tag is 0x0a)."""


class TxCode(IntEnum):
    """ABCI result codes of a transaction (0 is ABCI's OK)."""

    OK = 0
    FAIL = 1
    """The command raised: the transaction is in the block, its command's changes reverted."""
    INVALID = 2
    """Verification failed or a hook around the command raised: left out of the block."""
    UNDECODABLE = 3
    """Not a Klayr transaction: left out of the block."""


class ProposalError(KlayrError, ValueError):
    """A proposal that a validator must not vote for; the message says why."""


@dataclass(frozen=True, slots=True)
class TxOutcome:
    """What became of one entry of a CometBFT block."""

    code: TxCode
    log: str = ""
    events: list[Event] = field(default_factory=list)
    transaction: Transaction | None = None


@dataclass
class ExecutedBlock:
    """A block executed in the open ABI context, awaiting commit (or clear)."""

    context_id: bytes
    block: Block
    events: list[Event]
    outcomes: list[TxOutcome]
    """One per raw entry of the CometBFT block, the assets entry included (as OK)."""
    next_validators: NextValidators | None


def encode_assets(assets: BlockAssets) -> bytes:
    """The proposal entry carrying ``assets``."""
    return ASSETS_MARKER + b"".join(encode_uvarint(len(item)) + item for item in assets.get_bytes())


def decode_assets(entry: bytes) -> BlockAssets:
    """The assets of a proposal entry made by :func:`encode_assets`; ProposalError if broken."""
    data, items, offset = entry[len(ASSETS_MARKER) :], [], 0
    while offset < len(data):
        length, shift = 0, 0
        while True:
            if offset >= len(data) or shift > 63:
                raise ProposalError("block assets entry: truncated length")
            byte = data[offset]
            offset += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        if offset + length > len(data):
            raise ProposalError("block assets entry: truncated asset")
        items.append(data[offset : offset + length])
        offset += length
    try:
        assets = BlockAssets.from_bytes(items)
        assets.validate()
    except (KlayrError, ValueError) as error:
        raise ProposalError(f"block assets entry: {error}") from None
    return assets


def draft_header(
    *, height: int, timestamp: int, previous_block_id: bytes, generator_address: bytes
) -> BlockHeader:
    """The header a block's execution context opens with (roots filled in afterwards)."""
    return BlockHeader(
        version=BLOCK_VERSION,
        timestamp=timestamp,
        height=height,
        previous_block_id=previous_block_id,
        generator_address=generator_address,
        transaction_root=EMPTY_HASH,
        asset_root=EMPTY_HASH,
        event_root=EMPTY_HASH,
        state_root=EMPTY_HASH,
        max_height_prevoted=height - 1,
        max_height_generated=0,
        implies_max_prevotes=True,
        validators_hash=bytes(32),
        aggregate_commit=AggregateCommit(height=0),
    )


def split_entries(raw: Sequence[bytes]) -> tuple[BlockAssets, list[bytes]]:
    """The assets (from a leading assets entry, if any) and the transaction entries."""
    if raw and raw[0].startswith(ASSETS_MARKER):
        return decode_assets(raw[0]), list(raw[1:])
    return BlockAssets(), list(raw)


def execute_block(
    abi: ABI,
    header: BlockHeader,
    raw: Sequence[bytes],
    *,
    strict: bool,
    logger: logging.Logger,
) -> ExecutedBlock:
    """Execute the CometBFT block ``raw`` as the Klayr block of ``header`` (context left open).

    Raises :class:`ProposalError` in ``strict`` mode for any bad entry, after clearing nothing:
    the caller clears the context whatever happens.
    """
    try:
        assets, entries = split_entries(raw)
    except ProposalError:
        if strict:
            raise
        # A decided block whose assets entry is broken: run it without assets, everywhere alike.
        assets, entries = BlockAssets(), list(raw[1:])
    context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    outcomes: list[TxOutcome] = [TxOutcome(TxCode.OK)] if len(entries) < len(raw) else []
    events: list[Event] = []
    try:
        abi.verify_assets(VerifyAssetsRequest(context_id, assets))
    except KlayrError as error:
        if strict:
            raise ProposalError(str(error)) from None
        logger.warning("block %d: %s", header.height, error)
    events += abi.before_transactions_execute(
        BeforeTransactionsExecuteRequest(context_id, assets)
    ).events
    kept: list[Transaction] = []
    for index, entry in enumerate(entries):
        outcome = _run_transaction(abi, context_id, assets, entry)
        if outcome.code >= TxCode.INVALID and strict:
            raise ProposalError(f"transaction {index}: {outcome.log}")
        if outcome.transaction is not None:
            kept.append(outcome.transaction)
        events += outcome.events
        outcomes.append(outcome)
    return _finish(abi, header, context_id, assets, kept, events, outcomes)


def prepare_block(
    abi: ABI,
    header: BlockHeader,
    queues: Mapping[bytes, Sequence[Transaction]],
    max_transactions_size: int,
) -> tuple[list[bytes], ExecutedBlock]:
    """The proposal of ``header``'s block: module assets, then Klayr's selection over
    ``queues`` (sender -> transactions in nonce order): fee priority first, within
    ``max_transactions_size``, keeping only transactions that verify and execute. Returns the
    proposal's entries and the block as executed (its context left open, like
    :func:`execute_block`): the same block executed from the entries gives the same result."""
    context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    assets = abi.insert_assets(InsertAssetsRequest(context_id)).assets
    events = list(
        abi.before_transactions_execute(BeforeTransactionsExecuteRequest(context_id, assets)).events
    )
    outcomes: list[TxOutcome] = [TxOutcome(TxCode.OK)] if len(assets) else []
    selector = PoolSelector(queues, max_transactions_size)
    kept: list[Transaction] = []
    for transaction in selector:
        verdict = abi.verify_transaction(VerifyTransactionRequest(transaction, context_id))
        if not verdict.is_ok:
            selector.rejected(transaction, str(verdict.error))
            continue
        response = abi.execute_transaction(
            ExecuteTransactionRequest(transaction, assets, context_id=context_id)
        )
        if response.result is TransactionExecutionResult.INVALID:
            selector.rejected(transaction, "a hook around its command raised")
            continue
        selector.accepted(transaction)
        kept.append(transaction)
        ok = response.result is TransactionExecutionResult.OK
        outcomes.append(
            TxOutcome(TxCode.OK if ok else TxCode.FAIL, "", response.events, transaction)
        )
        events += response.events
    executed = _finish(abi, header, context_id, assets, kept, events, outcomes)
    entries = ([encode_assets(assets)] if len(assets) else []) + [t.get_bytes() for t in kept]
    return entries, executed


def _finish(
    abi: ABI,
    header: BlockHeader,
    context_id: bytes,
    assets: BlockAssets,
    kept: list[Transaction],
    events: list[Event],
    outcomes: list[TxOutcome],
) -> ExecutedBlock:
    after = abi.after_transactions_execute(
        AfterTransactionsExecuteRequest(context_id, assets, kept)
    )
    events += after.events
    state_root = abi.commit(CommitRequest(context_id, dry_run=True)).state_root
    header = replace(
        header,
        state_root=state_root,
        event_root=compute_event_root(events),
        transaction_root=compute_transaction_root(kept),
        asset_root=assets.get_root(),
    )
    return ExecutedBlock(
        context_id, Block(header, tuple(kept), assets), events, outcomes, after.next_validators
    )


def _run_transaction(abi: ABI, context_id: bytes, assets: BlockAssets, entry: bytes) -> TxOutcome:
    try:
        transaction = Transaction.from_bytes(entry)
        transaction.validate()  # the ABI leaves a block transaction's shape to its driver
    except (KlayrError, ValueError) as error:
        return TxOutcome(TxCode.UNDECODABLE, f"not a Klayr transaction: {error}")
    verification = abi.verify_transaction(VerifyTransactionRequest(transaction, context_id))
    if not verification.is_ok:
        reason = verification.error or f"verification status {verification.status.name}"
        return TxOutcome(TxCode.INVALID, f"transaction {transaction.id.hex()}: {reason}")
    response = abi.execute_transaction(
        ExecuteTransactionRequest(transaction, assets, context_id=context_id)
    )
    if response.result is TransactionExecutionResult.INVALID:
        return TxOutcome(
            TxCode.INVALID, f"transaction {transaction.id.hex()}: a hook around its command raised"
        )
    code = TxCode.OK if response.result is TransactionExecutionResult.OK else TxCode.FAIL
    return TxOutcome(code, "", response.events, transaction)
