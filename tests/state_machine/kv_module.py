"""A small key-value module and a chain around it, for the state machine's tests.

``KvModule`` (name ``kv``) has one command, ``kv:setEntry``, whose params say which key to set or
delete and whether the command then raises (``MODE_RAISE``) or does nothing at all
(``MODE_NOOP``). Every hook leaves a trace in state and in events, so tests can see which ran:

* ``before_command_execute`` bumps the sender's nonce (a dict-schema store) and emits ``hook``;
* ``after_command_execute`` bumps a singleton counter and emits ``hook``;
* ``before_transactions_execute`` records the height; ``after_transactions_execute`` emits ``hook``;
* genesis writes the entries of the module's genesis asset.

``raise_in`` makes a hook raise, for the INVALID paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from klayr_py import codec
from klayr_py.chain import BlockAssets, BlockHeader, Transaction
from klayr_py.db import Database
from klayr_py.errors import NotFoundError
from klayr_py.modules import (
    BaseCommand,
    BaseEvent,
    BaseModule,
    BaseSingletonStore,
    BaseStore,
    Field,
    KlayrModel,
    UInt32,
    UInt64,
)
from klayr_py.state import PREFIX_STATE, StateStore
from klayr_py.state_machine import BlockContext, EventQueue, StateMachine, TransactionContext
from klayr_py.state_machine.block_executor import BlockExecutor, BlockResult
from klayr_py.testing.contexts import create_block_header

CHAIN_ID = bytes.fromhex("04000099")
EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

MODE_APPLY = 0
MODE_RAISE = 1
"""Apply the change, emit the event, then raise: the command FAILs and all of it is reverted."""
MODE_NOOP = 2
"""Do nothing: what a raising command must be equivalent to, state-wise."""


class Entry(KlayrModel):
    value: UInt64


class Counter(KlayrModel):
    count: UInt64


class SetEntryParams(KlayrModel):
    key: bytes = Field(min_length=1, max_length=8)
    value: UInt64
    remove: bool
    mode: UInt32


class EntryChanged(KlayrModel):
    key: bytes
    value: UInt64
    removed: bool


class GenesisEntry(KlayrModel):
    key: bytes
    value: UInt64


class GenesisAsset(KlayrModel):
    entries: list[GenesisEntry]


NONCE_SCHEMA = {
    "$id": "/test/kv/nonce",
    "type": "object",
    "required": ["nonce"],
    "properties": {"nonce": {"dataType": "uint64", "fieldNumber": 1}},
}
HOOK_EVENT_SCHEMA = {
    "$id": "/test/kv/hook",
    "type": "object",
    "required": ["phase"],
    "properties": {"phase": {"dataType": "string", "fieldNumber": 1}},
}
HEIGHT_SCHEMA = {
    "$id": "/test/kv/height",
    "type": "object",
    "required": ["height"],
    "properties": {"height": {"dataType": "uint32", "fieldNumber": 1}},
}


class EntryStore(BaseStore[Entry]):
    """key -> Entry (index 0)."""


class ExecutedStore(BaseSingletonStore[Counter]):
    """How many commands executed successfully (index 1)."""


class NonceStore(BaseStore[dict[str, Any]]):
    """sender address -> {nonce} (index 2), a hand-written schema with dict values."""

    schema = NONCE_SCHEMA


class AfterCountStore(BaseSingletonStore[Counter]):
    """How many times after_command_execute ran (index 3)."""


class HeightStore(BaseSingletonStore[dict[str, Any]]):
    """The height of the last block executed (index 4)."""

    schema = HEIGHT_SCHEMA


class EntryChangedEvent(BaseEvent[EntryChanged]):
    """``entryChanged``."""


class HookEvent(BaseEvent[dict[str, Any]]):
    """``hook``: which hook ran."""

    schema = HOOK_EVENT_SCHEMA


def bump(store: BaseSingletonStore[Counter], ctx: Any) -> int:
    try:
        count = store.get_value(ctx).count
    except NotFoundError:
        count = 0
    store.set_value(ctx, Counter(count=count + 1))
    return count + 1


class SetEntryCommand(BaseCommand[SetEntryParams]):
    """``kv:setEntry``."""

    def execute(self, ctx: Any) -> None:
        params: SetEntryParams = ctx.params
        if params.mode == MODE_NOOP:
            return
        entries = self.stores.get(EntryStore)
        if params.remove:
            entries.delete(ctx, params.key)
        else:
            entries.set(ctx, params.key, Entry(value=params.value))
        bump(self.stores.get(ExecutedStore), ctx)
        self.events.get(EntryChangedEvent).add(
            ctx, EntryChanged(key=params.key, value=params.value, removed=params.remove)
        )
        if params.mode == MODE_RAISE:
            raise RuntimeError("setEntry was told to fail")


@dataclass
class Trace:
    calls: list[str] = field(default_factory=list)


class KvModule(BaseModule):
    """``kv``: see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(EntryStore, EntryStore(self.name, 0))
        self.stores.register(ExecutedStore, ExecutedStore(self.name, 1))
        self.stores.register(NonceStore, NonceStore(self.name, 2))
        self.stores.register(AfterCountStore, AfterCountStore(self.name, 3))
        self.stores.register(HeightStore, HeightStore(self.name, 4))
        self.events.register(EntryChangedEvent, EntryChangedEvent(self.name))
        self.events.register(HookEvent, HookEvent(self.name))
        self.commands = [SetEntryCommand(self.stores, self.events)]
        self.raise_in: str | None = None
        self.trace = Trace()

    def _maybe_raise(self, hook: str) -> None:
        self.trace.calls.append(hook)
        if self.raise_in == hook:
            raise RuntimeError(f"{hook} was told to fail")

    def init_genesis_state(self, ctx: Any) -> None:
        self._maybe_raise("init_genesis_state")
        asset = ctx.assets.get_asset(self.name)
        if asset is None:
            return
        decoded = GenesisAsset.model_validate(codec.decode(GENESIS_SCHEMA, asset))
        entries = self.stores.get(EntryStore)
        for entry in decoded.entries:
            entries.set(ctx, entry.key, Entry(value=entry.value))

    def finalize_genesis_state(self, ctx: Any) -> None:
        self._maybe_raise("finalize_genesis_state")

    def before_transactions_execute(self, ctx: Any) -> None:
        self._maybe_raise("before_transactions_execute")
        self.stores.get(HeightStore).set_value(ctx, {"height": ctx.header.height})

    def before_command_execute(self, ctx: Any) -> None:
        nonces = self.stores.get(NonceStore)
        sender = ctx.transaction.sender_address
        nonce = nonces.get(ctx, sender)["nonce"] if nonces.has(ctx, sender) else 0
        nonces.set(ctx, sender, {"nonce": nonce + 1})
        self.events.get(HookEvent).add(ctx, {"phase": "before"})
        self._maybe_raise("before_command_execute")

    def after_command_execute(self, ctx: Any) -> None:
        bump(self.stores.get(AfterCountStore), ctx)
        self.events.get(HookEvent).add(ctx, {"phase": "after"})
        self._maybe_raise("after_command_execute")

    def after_transactions_execute(self, ctx: Any) -> None:
        self.events.get(HookEvent).add(ctx, {"phase": "afterTransactions"})
        self._maybe_raise("after_transactions_execute")


GENESIS_SCHEMA = {
    "$id": "/test/kv/genesis",
    "type": "object",
    "required": ["entries"],
    "properties": {
        "entries": {
            "type": "array",
            "fieldNumber": 1,
            "items": {
                "type": "object",
                "required": ["key", "value"],
                "properties": {
                    "key": {"dataType": "bytes", "fieldNumber": 1},
                    "value": {"dataType": "uint64", "fieldNumber": 2},
                },
            },
        }
    },
}
PARAMS = SetEntryCommand(None, None).codec  # type: ignore[arg-type]


def header(height: int) -> BlockHeader:
    """A header with placeholder roots (the executor computes the real ones)."""
    return create_block_header(height, max_height_prevoted=0)


def public_key(sender: int) -> bytes:
    """A deterministic 32-byte stand-in public key (signatures are the auth module's business)."""
    return bytes([sender + 1]) * 32


def set_entry(
    sender: int,
    nonce: int,
    key: bytes,
    value: int = 0,
    *,
    remove: bool = False,
    mode: int = MODE_APPLY,
    module: str = "kv",
    command: str = "setEntry",
    params: bytes | None = None,
) -> Transaction:
    """An unsigned ``kv:setEntry`` transaction."""
    if params is None:
        params = PARAMS.encode(SetEntryParams(key=key, value=value, remove=remove, mode=mode))
    return Transaction(
        module=module,
        command=command,
        nonce=nonce,
        fee=0,
        sender_public_key=public_key(sender),
        params=params,
        signatures=[bytes(64)],
    )


def genesis_assets(entries: Sequence[tuple[bytes, int]] = ()) -> BlockAssets:
    """Genesis assets holding the kv module's initial entries."""
    data = codec.encode(GENESIS_SCHEMA, {"entries": [{"key": k, "value": v} for k, v in entries]})
    return BlockAssets().with_asset("kv", data)


def stored_state(db: Database) -> dict[bytes, bytes]:
    """Every committed state entry (state key -> value)."""
    return {k[1:]: v for k, v in db.iterate(gte=PREFIX_STATE, lte=PREFIX_STATE + b"\xff" * 48)}


class KvChain:
    """A state machine with modules (default: one KvModule) over ``db``, one block at a time."""

    def __init__(self, db: Database, modules: Sequence[BaseModule] | None = None) -> None:
        self.db = db
        self.modules = list(modules) if modules is not None else [KvModule()]
        self.machine = StateMachine()
        for module in self.modules:
            self.machine.register_module(module)
        self.machine.init({}, {})
        self.state = StateStore(db)
        self.executor = BlockExecutor(self.machine, self.state, CHAIN_ID)

    @property
    def kv(self) -> KvModule:
        module = self.modules[0]
        assert isinstance(module, KvModule)
        return module

    def genesis(self, assets: BlockAssets | None = None) -> BlockResult:
        result = self.executor.execute_genesis(header(0), assets or genesis_assets())
        self.executor.commit(result)
        return result

    def execute(self, transactions: Sequence[Transaction]) -> BlockResult:
        """Execute the next block without committing it."""
        return self.executor.execute(header(self.state.height + 1), BlockAssets(), transactions)

    def block(self, transactions: Sequence[Transaction]) -> BlockResult:
        result = self.execute(transactions)
        self.executor.commit(result)
        return result

    def transaction_context(self, transaction: Transaction) -> TransactionContext:
        """The context of ``transaction`` in the next block, over the current state."""
        height = self.state.height + 1
        block = BlockContext(
            chain_id=CHAIN_ID,
            state_store=self.state,
            header=header(height),
            assets=BlockAssets(),
            event_queue=EventQueue(height),
            transactions=[transaction],
        )
        return block.transaction_context(transaction)

    def entries(self) -> dict[bytes, int]:
        """The kv module's entries in the block's current view."""
        view = self.state.read_only()
        return {kv.key: kv.value.value for kv in self.kv.stores.get(EntryStore).iterate(view)}


class LoudFailingKv(KvModule):
    """Its after-command hook emits a no-revert event, then raises when told to."""

    def after_command_execute(self, ctx: Any) -> None:
        if self.raise_in == "after_command_execute":
            self.events.get(HookEvent).add(ctx, {"phase": "after"}, no_revert=True)
        super().after_command_execute(ctx)
