"""Running a CometBFT block through the ABI: Klayr's hook order over the block's raw txs.

A CometBFT block is a list of byte strings. Here the first may carry the proposer's module
assets (:data:`ASSETS_MARKER` then the encoded assets, each length-prefixed); every other one is
a Klayr transaction. Execution is the single-node engine's :func:`~klayr_py.node.block_run.
run_block` (Klayr's block order through the ABI only), with a selector that offers every
transaction of the block, or, for a proposal of ours, Klayr's pool selection. The result keeps
the context open: the driver commits it (with its block record) or clears it. A transaction's
ABCI events are those whose first topic is its transaction-execution topic.

Two modes. ``strict`` (ProcessProposal) raises :class:`ProposalError` at the first undecodable
or invalid transaction, so the proposal is rejected. Otherwise (FinalizeBlock, a block already
decided) such a transaction is reported INVALID and left out of the Klayr block, the same way on
every node: the outcome depends only on the block and the committed state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

from klayr_py.chain import AggregateCommit, Block, BlockAssets, BlockHeader, Event, Transaction
from klayr_py.chain.constants import EMPTY_HASH
from klayr_py.contexts.hooks import NextValidators
from klayr_py.errors import KlayrError
from klayr_py.node.block_run import BlockOutcome, run_block
from klayr_py.node.cometbft.framing import encode_uvarint
from klayr_py.node.generator import PoolSelector
from klayr_py.state_machine.abi import (
    ABI,
    ABIError,
    InitStateMachineRequest,
    InsertAssetsRequest,
)
from klayr_py.state_machine.block_executor import BlockExecutionError
from klayr_py.state_machine.constants import EVENT_TOPIC_TRANSACTION_EXECUTION
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

    In ``strict`` mode raises :class:`ProposalError` for any bad entry; the caller clears the
    context whatever happens.
    """
    try:
        assets, entries = split_entries(raw)
    except ProposalError:
        if strict:
            raise
        # A decided block whose assets entry is broken: run it without assets, everywhere alike.
        assets, entries = BlockAssets(), list(raw[1:])
    decoded: list[Transaction | str] = [_decode(entry) for entry in entries]
    if strict:
        for index, item in enumerate(decoded):
            if isinstance(item, str):
                raise ProposalError(f"transaction {index}: {item}")
    context_id = abi.init_state_machine(InitStateMachineRequest(header)).context_id
    selector = _EveryTransaction([t for t in decoded if isinstance(t, Transaction)], strict)
    try:
        outcome = run_block(abi, context_id, assets, selector)
    except (BlockExecutionError, ABIError) as error:
        if strict:
            raise ProposalError(str(error)) from None
        raise
    results = dict(zip((t.id for t in outcome.transactions), outcome.results, strict=True))
    events = _events_by_transaction(outcome.events)
    outcomes: list[TxOutcome] = [TxOutcome(TxCode.OK)] if len(entries) < len(raw) else []
    for item in decoded:
        if isinstance(item, str):
            outcomes.append(TxOutcome(TxCode.UNDECODABLE, item))
        elif item.id in selector.reasons:
            reason = f"transaction {item.id.hex()} {selector.reasons[item.id]}"
            logger.info("block %d left out %s", header.height, reason)
            outcomes.append(TxOutcome(TxCode.INVALID, reason))
        else:
            code = TxCode.OK if results[item.id] is TransactionExecutionResult.OK else TxCode.FAIL
            outcomes.append(TxOutcome(code, "", events.get(item.id, []), item))
    return _executed(header, context_id, assets, outcome, outcomes)


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
    outcome = run_block(abi, context_id, assets, PoolSelector(queues, max_transactions_size))
    events = _events_by_transaction(outcome.events)
    outcomes: list[TxOutcome] = [TxOutcome(TxCode.OK)] if len(assets) else []
    for transaction, result in zip(outcome.transactions, outcome.results, strict=True):
        code = TxCode.OK if result is TransactionExecutionResult.OK else TxCode.FAIL
        outcomes.append(TxOutcome(code, "", events.get(transaction.id, []), transaction))
    entries = [encode_assets(assets)] if len(assets) else []
    entries += [transaction.get_bytes() for transaction in outcome.transactions]
    return entries, _executed(header, context_id, assets, outcome, outcomes)


class _EveryTransaction:
    """The selector of a decided or proposed block: every transaction is offered; rejections
    are remembered (a decided block leaves them out) or, ``strict``, refuse the block."""

    def __init__(self, transactions: Sequence[Transaction], strict: bool) -> None:
        self._transactions = transactions
        self._strict = strict
        self.reasons: dict[bytes, str] = {}

    def __iter__(self) -> Iterator[Transaction]:
        return iter(self._transactions)

    def accepted(self, transaction: Transaction) -> None:
        """Nothing to track."""

    def rejected(self, transaction: Transaction, reason: str) -> None:
        if self._strict:
            raise ProposalError(f"transaction {transaction.id.hex()} {reason}")
        self.reasons[transaction.id] = reason


def _decode(entry: bytes) -> Transaction | str:
    """The transaction in ``entry``, or why it is none."""
    try:
        transaction = Transaction.from_bytes(entry)
        transaction.validate()  # the ABI leaves a block transaction's shape to its driver
    except (KlayrError, ValueError) as error:
        return f"not a Klayr transaction: {error}"
    return transaction


def _events_by_transaction(events: Sequence[Event]) -> dict[bytes, list[Event]]:
    """A transaction's events carry the transaction-execution topic with its ID first."""
    grouped: dict[bytes, list[Event]] = {}
    for event in events:
        first = event.topics[0] if event.topics else b""
        if first[:1] == EVENT_TOPIC_TRANSACTION_EXECUTION and len(first) == 33:
            grouped.setdefault(first[1:], []).append(event)
    return grouped


def _executed(
    header: BlockHeader,
    context_id: bytes,
    assets: BlockAssets,
    outcome: BlockOutcome,
    outcomes: list[TxOutcome],
) -> ExecutedBlock:
    header = replace(
        header,
        state_root=outcome.state_root,
        event_root=outcome.event_root,
        transaction_root=outcome.transaction_root,
        asset_root=outcome.asset_root,
    )
    block = Block(header, tuple(outcome.transactions), assets)
    return ExecutedBlock(context_id, block, outcome.events, outcomes, outcome.next_validators)
