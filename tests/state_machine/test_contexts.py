"""Hook contexts: Klayr's fields, read-only state and event queues where Klayr's are read-only."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import BlockAssets, BlockHeader
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import EventError, NotFoundError, StateWriteError
from klayr_py.modules import BaseCommand, BaseMethod, VerificationResult
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine import (
    BlockAfterExecuteContext,
    BlockExecuteContext,
    BlockVerifyContext,
    CommandExecuteContext,
    CommandVerifyContext,
    EventQueue,
    GenerationContext,
    GenesisBlockExecuteContext,
    HeaderInfo,
    ImmutableMethodContext,
    InsertAssetContext,
    MethodContext,
    StateMachine,
    TransactionExecuteContext,
    TransactionVerifyContext,
    Validator,
    WritableBlockAssets,
)
from klayr_py.state_machine.block_executor import BlockExecutionError

from .kv_module import (
    CHAIN_ID,
    HOOK_EVENT_SCHEMA,
    EntryStore,
    HookEvent,
    KvChain,
    KvModule,
    header,
    set_entry,
)


class ProbeModule(KvModule):
    """A kv module whose every hook tries a state write, an event and a read, and records how
    each went (the exception's class name, or "ok") without letting anything raise."""

    name = "probe"

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: dict[str, dict[str, str]] = {}
        self.contexts: dict[str, Any] = {}
        self.commands = [ProbeCommand(self)]

    def probe(self, hook: str, ctx: Any) -> None:
        self.contexts[hook] = ctx
        outcome: dict[str, str] = {}
        entries = self.stores.get(EntryStore)
        for action, attempt in (
            ("write", lambda: entries.set(ctx, hook.encode()[:8], {"value": 1})),
            ("delete", lambda: entries.delete(ctx, b"k")),
            ("read", lambda: entries.has(ctx, b"k")),
            ("event", lambda: self.events.get(HookEvent).add(ctx, {"phase": hook})),
        ):
            try:
                attempt()
                outcome[action] = "ok"
            except Exception as error:
                outcome[action] = type(error).__name__
        self.outcomes[hook] = outcome

    def verify_transaction(self, ctx: Any) -> VerificationResult:
        self.probe("verify_transaction", ctx)
        return VerificationResult.ok()

    def verify_assets(self, ctx: Any) -> None:
        self.probe("verify_assets", ctx)

    def insert_assets(self, ctx: Any) -> None:
        self.probe("insert_assets", ctx)

    def init_genesis_state(self, ctx: Any) -> None:
        self.probe("init_genesis_state", ctx)

    def finalize_genesis_state(self, ctx: Any) -> None:
        self.probe("finalize_genesis_state", ctx)

    def before_transactions_execute(self, ctx: Any) -> None:
        self.probe("before_transactions_execute", ctx)

    def after_transactions_execute(self, ctx: Any) -> None:
        self.probe("after_transactions_execute", ctx)

    def before_command_execute(self, ctx: Any) -> None:
        self.probe("before_command_execute", ctx)

    def after_command_execute(self, ctx: Any) -> None:
        self.probe("after_command_execute", ctx)


class ProbeCommand(BaseCommand[Any]):
    """``probe:probe`` with kv's setEntry params."""

    def __init__(self, module: ProbeModule) -> None:
        super().__init__(module.stores, module.events)
        self.module = module
        self.schema = module.commands[0].schema
        self.model = None

    def verify(self, ctx: Any) -> VerificationResult:
        self.module.probe("command_verify", ctx)
        return VerificationResult.ok()

    def execute(self, ctx: Any) -> None:
        self.module.probe("command_execute", ctx)


READ_ONLY = {
    "write": "StateWriteError",
    "delete": "StateWriteError",
    "read": "ok",
    "event": "EventError",
}
WRITABLE = {"write": "ok", "delete": "ok", "read": "ok", "event": "ok"}


def probe_transaction(nonce: int = 0) -> Any:
    return set_entry(0, nonce, b"key", 1, module="probe", command="probe")


@pytest.fixture
def chain() -> KvChain:
    chain = KvChain(InMemoryDatabase(), [ProbeModule()])
    chain.genesis(BlockAssets())
    chain.block([probe_transaction()])
    return chain


def probe_of(chain: KvChain) -> ProbeModule:
    module = chain.modules[0]
    assert isinstance(module, ProbeModule)
    return module


@pytest.mark.parametrize("hook", ["verify_transaction", "command_verify", "verify_assets"])
def test_verification_contexts_are_read_only(chain: KvChain, hook: str) -> None:
    assert probe_of(chain).outcomes[hook] == READ_ONLY


@pytest.mark.parametrize(
    "hook",
    [
        "init_genesis_state",
        "finalize_genesis_state",
        "before_transactions_execute",
        "before_command_execute",
        "command_execute",
        "after_command_execute",
        "after_transactions_execute",
    ],
)
def test_execution_contexts_allow_writes_and_events(chain: KvChain, hook: str) -> None:
    assert probe_of(chain).outcomes[hook] == WRITABLE


def test_execution_events_carry_the_phase_topic(chain: KvChain) -> None:
    result = chain.block([probe_transaction(1)])
    tx_topic = b"\x04" + probe_transaction(1).id
    hook_events = [
        (codec.decode(HOOK_EVENT_SCHEMA, e.data)["phase"], e.topics[0])
        for e in result.events
        if e.name == "hook"
    ]
    assert hook_events == [
        ("before_transactions_execute", b"\x02"),
        ("before_command_execute", tx_topic),
        ("command_execute", tx_topic),
        ("after_command_execute", tx_topic),
        ("after_transactions_execute", b"\x03"),
    ]


def test_a_verification_hook_sees_the_blocks_writes_so_far() -> None:
    seen: list[bool] = []

    class Watcher(KvModule):
        name = "watcher"

        def before_transactions_execute(self, ctx: Any) -> None:
            self.stores.get(EntryStore).set(ctx, b"early", {"value": 1})

        def verify_transaction(self, ctx: Any) -> VerificationResult:
            seen.append(self.stores.get(EntryStore).has(ctx, b"early"))
            return VerificationResult.ok()

    chain = KvChain(InMemoryDatabase(), [Watcher()])
    chain.genesis(BlockAssets())
    chain.block([set_entry(0, 0, b"k", 1, module="watcher")])
    assert seen == [True]


def test_insert_assets_context_is_read_only_on_chain_and_writable_off_chain() -> None:
    probe = ProbeModule()
    machine = StateMachine()
    machine.register_module(probe)
    machine.init({}, {})
    state = StateStore(InMemoryDatabase())
    offchain = OffchainStore(InMemoryDatabase())
    assets = WritableBlockAssets()
    machine.insert_assets(
        GenerationContext(
            chain_id=CHAIN_ID,
            state_store=state,
            header=header(1),
            assets=assets,
            offchain_store=offchain,
            finalized_height=7,
        )
    )
    assert probe.outcomes["insert_assets"] == READ_ONLY
    ctx = probe.contexts["insert_assets"]
    assert isinstance(ctx, InsertAssetContext)
    assert ctx.finalized_height == 7
    ctx.assets.set_asset("probe", b"\x01")
    assert assets.get_asset("probe") == b"\x01"
    assert assets.assets == BlockAssets().with_asset("probe", b"\x01")
    ctx.get_offchain_store(b"\x00" * 4, b"\x00\x00").set(b"k", b"v")
    assert offchain.get_store(b"\x00" * 4, b"\x00\x00").get(b"k") == b"v"
    assert not state.has_changes


# --- failures caused by writes in read-only contexts -----------------------------------------


def test_a_store_write_in_verify_transaction_fails_the_transaction() -> None:
    class Writer(KvModule):
        name = "writer"

        def verify_transaction(self, ctx: Any) -> VerificationResult:
            self.stores.get(EntryStore).set(ctx, b"nope", {"value": 1})
            return VerificationResult.ok()

    chain = KvChain(InMemoryDatabase(), [Writer()])
    chain.genesis(BlockAssets())
    with pytest.raises(BlockExecutionError, match="read-only state"):
        chain.execute([set_entry(0, 0, b"k", 1, module="writer")])
    assert not chain.state.has_changes


def test_a_store_write_in_verify_assets_makes_the_block_invalid() -> None:
    class Writer(KvModule):
        name = "writer"

        def verify_assets(self, ctx: Any) -> None:
            self.stores.get(EntryStore).set(ctx, b"nope", {"value": 1})

    chain = KvChain(InMemoryDatabase(), [Writer()])
    chain.genesis(BlockAssets())
    with pytest.raises(BlockExecutionError) as caught:
        chain.execute([])
    assert isinstance(caught.value.__cause__, StateWriteError)


def test_an_event_in_command_verify_fails_the_transaction() -> None:
    class Emitter(KvModule):
        name = "emitter"

    class EmittingCommand(BaseCommand[Any]):
        name = "setEntry"

        def verify(self, ctx: Any) -> VerificationResult:
            ctx.event_queue.add("emitter", "x", b"")
            return VerificationResult.ok()

        def execute(self, ctx: Any) -> None:
            pass

    module = Emitter()
    command = EmittingCommand(module.stores, module.events)
    command.schema = module.commands[0].schema
    module.commands = [command]
    chain = KvChain(InMemoryDatabase(), [module])
    chain.genesis(BlockAssets())
    tx = set_entry(0, 0, b"k", 1, module="emitter")
    result = chain.machine.verify_transaction(chain.transaction_context(tx))
    assert not result.is_ok and isinstance(result.error, EventError)


# --- the fields of each context ------------------------------------------------------------------

KLAYR_FIELDS: dict[type, set[str]] = {
    # From klayr-framework 0.12.3 dist-node/state_machine/types.d.ts, in snake_case.
    TransactionVerifyContext: {
        "chain_id", "logger", "header", "transaction", "state_store", "context_store",
        "get_method_context", "get_store",
    },
    CommandVerifyContext: {
        "logger", "chain_id", "header", "transaction", "params", "get_method_context",
        "get_store", "state_store", "context_store",
    },
    CommandExecuteContext: {
        "logger", "chain_id", "event_queue", "state_store", "context_store", "header", "assets",
        "transaction", "params", "get_method_context", "get_store",
    },
    GenesisBlockExecuteContext: {
        "logger", "event_queue", "state_store", "get_method_context", "get_store", "header",
        "assets", "set_next_validators", "chain_id",
    },
    TransactionExecuteContext: {
        "logger", "chain_id", "event_queue", "state_store", "context_store",
        "get_method_context", "get_store", "header", "assets", "transaction",
    },
    BlockVerifyContext: {
        "logger", "chain_id", "state_store", "context_store", "get_method_context", "get_store",
        "header", "assets",
    },
    BlockExecuteContext: {
        "logger", "chain_id", "event_queue", "state_store", "get_method_context", "get_store",
        "context_store", "header", "assets",
    },
    BlockAfterExecuteContext: {
        "logger", "chain_id", "event_queue", "state_store", "get_method_context", "get_store",
        "context_store", "header", "assets", "set_next_validators", "transactions",
    },
    InsertAssetContext: {
        "logger", "chain_id", "get_method_context", "state_store", "context_store", "get_store",
        "header", "assets", "get_offchain_store", "finalized_height",
    },
}  # fmt: skip
EXTRAS: dict[type, set[str]] = {
    # Our read-only contexts carry a queue that refuses events, so that BaseEvent.add fails
    # clearly instead of with an AttributeError; genesis shares the block's context store.
    TransactionVerifyContext: {"event_queue"},
    CommandVerifyContext: {"event_queue"},
    BlockVerifyContext: {"event_queue"},
    GenesisBlockExecuteContext: {"context_store"},
    InsertAssetContext: {"event_queue"},
}

HOOK_OF = {
    TransactionVerifyContext: "verify_transaction",
    CommandVerifyContext: "command_verify",
    CommandExecuteContext: "command_execute",
    GenesisBlockExecuteContext: "init_genesis_state",
    TransactionExecuteContext: "before_command_execute",
    BlockVerifyContext: "verify_assets",
    BlockExecuteContext: "before_transactions_execute",
    BlockAfterExecuteContext: "after_transactions_execute",
}


def public_names(ctx: Any) -> set[str]:
    return {name for name in dir(ctx) if not name.startswith("_")}


@pytest.mark.parametrize("cls", list(HOOK_OF), ids=lambda c: c.__name__)
def test_each_context_has_exactly_klayrs_fields(chain: KvChain, cls: type) -> None:
    ctx = probe_of(chain).contexts[HOOK_OF[cls]]
    assert type(ctx) is cls
    assert public_names(ctx) == KLAYR_FIELDS[cls] | EXTRAS.get(cls, set())


def test_insert_asset_context_fields() -> None:
    names = {f.name for f in dataclasses.fields(InsertAssetContext)} | {
        "get_method_context",
        "get_store",
    }
    assert names == KLAYR_FIELDS[InsertAssetContext] | EXTRAS[InsertAssetContext]


def test_headers_verification_sees_height_and_timestamp_execution_the_block_header(
    chain: KvChain,
) -> None:
    contexts = probe_of(chain).contexts
    for hook in ("verify_transaction", "command_verify"):
        assert contexts[hook].header == HeaderInfo(height=1, timestamp=header(1).timestamp)
    for hook in ("verify_assets", "before_command_execute", "command_execute"):
        assert isinstance(contexts[hook].header, BlockHeader)
        assert contexts[hook].header.height == 1
    assert contexts["init_genesis_state"].header.height == 0
    assert contexts["command_execute"].chain_id == CHAIN_ID
    assert contexts["command_execute"].transaction == probe_transaction()
    assert contexts["after_transactions_execute"].transactions == [probe_transaction()]


def test_params_are_decoded_for_command_contexts(chain: KvChain) -> None:
    contexts = probe_of(chain).contexts
    expected = {"key": b"key", "value": 1, "remove": False, "mode": 0}
    assert contexts["command_verify"].params == expected
    assert contexts["command_execute"].params == expected


def test_method_contexts(chain: KvChain) -> None:
    contexts = probe_of(chain).contexts
    immutable = contexts["verify_transaction"].get_method_context()
    assert isinstance(immutable, ImmutableMethodContext)
    with pytest.raises(StateWriteError):
        immutable.get_store(b"\x00" * 4, b"\x00\x00").set(b"k", b"v")
    assert isinstance(contexts["verify_assets"].get_method_context(), ImmutableMethodContext)

    execute_ctx = contexts["command_execute"]
    method_ctx = execute_ctx.get_method_context()
    assert isinstance(method_ctx, MethodContext)
    assert method_ctx.event_queue is execute_ctx.event_queue
    assert method_ctx.context_store is execute_ctx.context_store


def test_the_context_store_is_shared_by_the_hooks_of_one_block() -> None:
    seen: list[Any] = []

    class Sharer(KvModule):
        name = "sharer"

        def before_transactions_execute(self, ctx: Any) -> None:
            ctx.context_store["marker"] = ctx.header.height

        def verify_transaction(self, ctx: Any) -> VerificationResult:
            seen.append(("verify", ctx.context_store.get("marker")))
            return VerificationResult.ok()

        def after_command_execute(self, ctx: Any) -> None:
            seen.append(("after", ctx.get_method_context().context_store.get("marker")))

        def after_transactions_execute(self, ctx: Any) -> None:
            seen.append(("end", ctx.context_store.get("marker")))

    chain = KvChain(InMemoryDatabase(), [Sharer()])
    chain.genesis(BlockAssets())
    chain.block([set_entry(0, 0, b"k", 1, module="sharer")])
    chain.block([])
    assert seen == [("verify", 1), ("after", 1), ("end", 1), ("end", 2)]


# --- set_next_validators ------------------------------------------------------------------------

VALIDATORS = [Validator(bytes(20), 100, bytes(32), bytes(48))]  # thresholds: 34..100


def test_set_next_validators_is_recorded_on_the_result() -> None:
    class Setter(KvModule):
        name = "setter"

        def after_transactions_execute(self, ctx: Any) -> None:
            ctx.set_next_validators(68, 69, VALIDATORS)

    chain = KvChain(InMemoryDatabase(), [Setter()])
    chain.genesis(BlockAssets())
    result = chain.block([])
    assert result.next_validators is not None
    assert result.next_validators.precommit_threshold == 68
    assert result.next_validators.certificate_threshold == 69
    assert result.next_validators.validators == tuple(VALIDATORS)
    assert chain.block([]).next_validators is not None  # once per block, not once per chain


def test_set_next_validators_only_once_per_block() -> None:
    class Twice(KvModule):
        name = "twice"

        def after_transactions_execute(self, ctx: Any) -> None:
            ctx.set_next_validators(67, 67, VALIDATORS)
            ctx.set_next_validators(67, 67, VALIDATORS)

    chain = KvChain(InMemoryDatabase(), [Twice()])
    chain.genesis(BlockAssets())
    with pytest.raises(BlockExecutionError, match="Next validators can be set only once"):
        chain.execute([])


def test_set_next_validators_only_once_across_genesis_hooks() -> None:
    class GenesisSetter(KvModule):
        name = "genesisSetter"

        def init_genesis_state(self, ctx: Any) -> None:
            ctx.set_next_validators(67, 68, VALIDATORS)

        def finalize_genesis_state(self, ctx: Any) -> None:
            ctx.set_next_validators(67, 68, VALIDATORS)

    chain = KvChain(InMemoryDatabase(), [GenesisSetter()])
    with pytest.raises(BlockExecutionError, match="only once"):
        chain.genesis(BlockAssets())

    class InitOnly(KvModule):
        name = "initOnly"

        def init_genesis_state(self, ctx: Any) -> None:
            ctx.set_next_validators(70, 71, VALIDATORS)

    result = KvChain(InMemoryDatabase(), [InitOnly()]).genesis(BlockAssets())
    assert result.next_validators is not None
    assert result.next_validators.certificate_threshold == 71


@pytest.mark.parametrize(
    ("precommit", "certificate", "validators", "reason"),
    [
        (1, 1, [], "empty"),
        (1, 1, [Validator(bytes(20), 1, bytes(32), b"")] * 2, "address twice"),
        (20, 20, [Validator(bytes(20), -1, bytes(32), b"")], "negative"),
        (1, 1, [Validator(bytes(20), 0, bytes(32), b"")], "total BFT weight"),
        (33, 100, VALIDATORS, "precommit threshold 33 is outside 34..100"),
        (34, 101, VALIDATORS, "certificate threshold 101 is outside 34..100"),
        (1, 1, [Validator(bytes(19), 1, bytes(32), b"")], "20 bytes"),
    ],
)
def test_invalid_next_validators_fail_the_block(
    precommit: int, certificate: int, validators: list[Validator], reason: str
) -> None:
    class Bad(KvModule):
        name = "bad"

        def after_transactions_execute(self, ctx: Any) -> None:
            ctx.set_next_validators(precommit, certificate, validators)

    chain = KvChain(InMemoryDatabase(), [Bad()])
    chain.genesis(BlockAssets())
    with pytest.raises(BlockExecutionError, match=reason):
        chain.execute([])


def test_execution_without_a_block_header_or_assets_is_refused() -> None:
    from klayr_py.state_machine import TransactionContext

    ctx = TransactionContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        transaction=probe_transaction(),
        header=HeaderInfo(1, 2),
        event_queue=EventQueue(1),
    )
    ctx.transaction_verify_context()  # verification needs neither
    with pytest.raises(RuntimeError, match="block header"):
        ctx.transaction_execute_context()
    ctx.header = header(1)
    with pytest.raises(RuntimeError, match="block assets"):
        ctx.command_execute_context({})


def test_unknown_store_reads_raise_not_found_in_read_only_contexts(chain: KvChain) -> None:
    ctx = probe_of(chain).contexts["verify_transaction"]
    with pytest.raises(NotFoundError):
        probe_of(chain).stores.get(EntryStore).get(ctx, b"absent")


# --- methods: module-to-module calls through method contexts ------------------------------------


class BankMethod(BaseMethod):
    def credit(self, ctx: Any, key: bytes, amount: int) -> None:
        self.stores.get(EntryStore).set(ctx, key, {"value": amount})
        self.events.get(HookEvent).add(ctx, {"phase": "credit"})

    def balance(self, ctx: Any, key: bytes) -> int:
        store = self.stores.get(EntryStore)
        return int(store.get(ctx, key).value) if store.has(ctx, key) else 0


class BankModule(KvModule):
    name = "bank"

    def __init__(self) -> None:
        super().__init__()
        self.method = BankMethod(self.stores, self.events)


class ShopModule(KvModule):
    """Calls the bank's method from its hooks: writable in execution, read-only in verification."""

    name = "shop"

    def add_dependencies(self, bank: BankMethod) -> None:
        self.bank = bank
        self.verify_outcome = ""

    def verify_transaction(self, ctx: Any) -> VerificationResult:
        method_ctx = ctx.get_method_context()
        assert self.bank.balance(method_ctx, b"paid") >= 0  # reads are fine
        try:
            self.bank.credit(method_ctx, b"sneaky", 1)
        except StateWriteError as error:
            self.verify_outcome = type(error).__name__
        return VerificationResult.ok()

    def before_command_execute(self, ctx: Any) -> None:
        self.bank.credit(ctx.get_method_context(), b"paid", 5)


def test_methods_write_through_execution_method_contexts_only() -> None:
    bank, shop = BankModule(), ShopModule()
    shop.add_dependencies(bank.method)
    chain = KvChain(InMemoryDatabase(), [bank, shop])
    chain.genesis(BlockAssets())
    tx = set_entry(0, 0, b"k", 1, module="shop")
    result = chain.block([tx])
    view = chain.state.read_only()
    assert bank.stores.get(EntryStore).get(view, b"paid").value == 5
    assert not bank.stores.get(EntryStore).has(view, b"sneaky")
    # In verification the method context is immutable: its stores refuse the write.
    assert shop.verify_outcome == "StateWriteError"
    credit = [
        e for e in result.events if e.data == codec.encode(HOOK_EVENT_SCHEMA, {"phase": "credit"})
    ]
    assert len(credit) == 1 and credit[0].topics == (b"\x04" + tx.id,)
