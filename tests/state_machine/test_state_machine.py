"""StateMachine: registration, hook order, and Klayr's transaction results."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import BlockAssets
from klayr_py.chain.schemas import STANDARD_EVENT_DATA_SCHEMA
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import CodecError, NotFoundError, ValidationError
from klayr_py.modules import (
    BaseCommand,
    BaseEvent,
    BaseModule,
    BaseStore,
    KlayrModel,
    VerificationResult,
)
from klayr_py.modules.base_module import HOOKS
from klayr_py.state import StateStore
from klayr_py.state_machine import (
    BlockContext,
    EventQueue,
    GenesisBlockContext,
    RegistrationError,
    StateMachine,
    TransactionExecutionResult,
    UnknownCommandError,
)

from .kv_module import (
    CHAIN_ID,
    MODE_RAISE,
    PARAMS,
    AfterCountStore,
    EntryStore,
    ExecutedStore,
    KvModule,
    NonceStore,
    SetEntryCommand,
    header,
    public_key,
    set_entry,
)

OK, FAIL, INVALID = (
    TransactionExecutionResult.OK,
    TransactionExecutionResult.FAIL,
    TransactionExecutionResult.INVALID,
)


class Value(KlayrModel):
    amount: int


# --- registration ------------------------------------------------------------------------------


def test_two_modules_with_one_name_are_refused_naming_both() -> None:
    class TokenModule(BaseModule):
        pass

    class OtherModule(BaseModule):
        name = "token"

    machine = StateMachine()
    machine.register_module(TokenModule())
    with pytest.raises(RegistrationError, match=r"token.*OtherModule.*TokenModule"):
        machine.register_module(OtherModule())
    assert [m.name for m in machine.modules] == ["token"]


def test_colliding_event_keys_are_refused_naming_both_modules() -> None:
    # "ab" + "cdE" and "abc" + "dE" are both the key b"abcdE".
    class CdEEvent(BaseEvent[Value]):
        pass

    class DEEvent(BaseEvent[Value]):
        pass

    class AbModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.events.register(CdEEvent, CdEEvent(self.name))

    class AbcModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.events.register(DEEvent, DEEvent(self.name))

    machine = StateMachine()
    machine.register_module(AbModule())
    with pytest.raises(RegistrationError) as caught:
        machine.register_module(AbcModule())
    message = str(caught.value)
    assert "abc" in message and "module ab " in message and "event dE" in message
    assert "event cdE" in message and b"abcdE".hex() in message
    assert len(machine.modules) == 1


def test_colliding_store_keys_are_refused_naming_both_modules() -> None:
    class LedgerStore(BaseStore[Value]):
        pass

    class CopyStore(BaseStore[Value]):
        pass

    class LedgerModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.stores.register(LedgerStore, LedgerStore(self.name, 0))

    class SquatterModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.stores.register(CopyStore, CopyStore("ledger", 0))  # another module's prefix

    machine = StateMachine()
    machine.register_module(LedgerModule())
    with pytest.raises(RegistrationError) as caught:
        machine.register_module(SquatterModule())
    message = str(caught.value)
    assert "squatter" in message and "store copy" in message
    assert "module ledger" in message and "store ledger" in message


def test_two_stores_or_events_of_one_module_with_one_key_are_refused() -> None:
    # Klayr's _validateExisting adds each key to the list it checks the next ones against.
    class AStore(BaseStore[Value]):
        pass

    class BStore(BaseStore[Value]):
        pass

    class ClumsyModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.stores.register(AStore, AStore(self.name, 0))
            self.stores.register(BStore, BStore(self.name, 0))  # same index: same key space

    with pytest.raises(RegistrationError, match=r"clumsy has two stores .*: a and b"):
        StateMachine().register_module(ClumsyModule())

    class FirstEvent(BaseEvent[Value]):
        name = "same"

    class SecondEvent(BaseEvent[Value]):
        name = "same"

    class EchoModule(BaseModule):
        def __init__(self) -> None:
            super().__init__()
            self.events.register(FirstEvent, FirstEvent(self.name))
            self.events.register(SecondEvent, SecondEvent(self.name))

    machine = StateMachine()
    with pytest.raises(RegistrationError, match="echo has two events"):
        machine.register_module(EchoModule())
    assert machine.modules == []


def test_registering_after_init_is_refused() -> None:
    machine = StateMachine()
    machine.register_module(KvModule())
    machine.init({}, {})

    class LateModule(BaseModule):
        pass

    with pytest.raises(RegistrationError, match="late"):
        machine.register_module(LateModule())


def test_init_passes_each_module_its_own_config_once() -> None:
    received: list[tuple[str, Any, Any]] = []

    class ConfiguredModule(BaseModule):
        def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
            received.append((self.name, module_config, genesis_config))

    class BareModule(ConfiguredModule):
        pass

    machine = StateMachine()
    machine.register_module(ConfiguredModule())
    machine.register_module(BareModule())
    machine.init({"blockTime": 10}, {"configured": {"x": 1}, "other": {"y": 2}})
    machine.init({"blockTime": 99}, {})
    assert received == [
        ("configured", {"x": 1}, {"blockTime": 10}),
        ("bare", {}, {"blockTime": 10}),
    ]


def test_module_and_command_lookup() -> None:
    machine = StateMachine()
    kv = KvModule()
    machine.register_module(kv)
    assert machine.get_module("kv") is kv
    assert machine.get_command("kv", "setEntry") is kv.commands[0]
    with pytest.raises(UnknownCommandError, match=r"Module nope is not registered\."):
        machine.get_module("nope")
    with pytest.raises(UnknownCommandError, match="Module kv does not have command nope"):
        machine.get_command("kv", "nope")


# --- hook order ---------------------------------------------------------------------------------


def recorder_module(module_name: str, log: list[str]) -> BaseModule:
    """A module overriding every hook, logging ``hook:module``."""

    def make(hook: str) -> Any:
        def run(self: BaseModule, ctx: Any) -> Any:
            log.append(f"{hook}:{self.name}")
            return VerificationResult.ok() if hook == "verify_transaction" else None

        return run

    class RecorderCommand(BaseCommand[Any]):
        name = "setEntry"
        schema = PARAMS.schema

        def verify(self, ctx: Any) -> VerificationResult:
            log.append(f"command_verify:{module_name}")
            return VerificationResult.ok()

        def execute(self, ctx: Any) -> None:
            log.append(f"command_execute:{module_name}")

    def init(self: BaseModule) -> None:
        BaseModule.__init__(self)
        self.commands = [RecorderCommand(self.stores, self.events)]

    namespace: dict[str, Any] = {"name": module_name, "__init__": init}
    namespace.update({hook: make(hook) for hook in HOOKS})
    module: BaseModule = type(f"{module_name}Recorder", (BaseModule,), namespace)()
    return module


def run_block(machine: StateMachine, state: StateStore, transactions: list[Any]) -> list[Any]:
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=state,
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
        transactions=transactions,
    )
    results = []
    machine.verify_assets(block)
    machine.before_transactions_execute(block)
    for transaction in transactions:
        ctx = block.transaction_context(transaction)
        assert machine.verify_transaction(ctx).is_ok
        results.append(machine.execute_transaction(ctx))
    machine.after_transactions_execute(block)
    return results


def test_hooks_run_in_registration_order_in_klayrs_sequence() -> None:
    log: list[str] = []
    machine = StateMachine()
    for name in ("zeta", "alpha", "mid"):
        machine.register_module(recorder_module(name, log))
    machine.init({}, {})
    state = StateStore(InMemoryDatabase())
    genesis = GenesisBlockContext(
        chain_id=CHAIN_ID,
        state_store=state,
        header=header(0),
        assets=BlockAssets(),
        event_queue=EventQueue(0),
    )
    machine.execute_genesis_block(genesis)
    run_block(machine, state, [set_entry(0, 0, b"k", module="alpha")])

    def each(hook: str) -> list[str]:
        return [f"{hook}:{name}" for name in ("zeta", "alpha", "mid")]

    assert log == [
        *each("init_genesis_state"),
        *each("finalize_genesis_state"),
        *each("verify_assets"),
        *each("before_transactions_execute"),
        *each("verify_transaction"),
        "command_verify:alpha",
        *each("before_command_execute"),
        "command_execute:alpha",
        *each("after_command_execute"),
        *each("after_transactions_execute"),
    ]


def test_insert_assets_runs_in_registration_order() -> None:
    from klayr_py.state import OffchainStore
    from klayr_py.state_machine import GenerationContext, WritableBlockAssets

    log: list[str] = []
    machine = StateMachine()
    for name in ("b", "a"):
        machine.register_module(recorder_module(name, log))
    machine.insert_assets(
        GenerationContext(
            chain_id=CHAIN_ID,
            state_store=StateStore(InMemoryDatabase()),
            header=header(1),
            assets=WritableBlockAssets(),
            offchain_store=OffchainStore(InMemoryDatabase()),
        )
    )
    assert log == ["insert_assets:b", "insert_assets:a"]


def test_only_overridden_hooks_are_called(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    for hook in HOOKS:

        def spy(self: Any, ctx: Any, hook: str = hook) -> Any:
            called.append(hook)
            return VerificationResult.ok()

        monkeypatch.setattr(BaseModule, hook, spy)

    class SetEntryNoopCommand(BaseCommand[Any]):
        name = "setEntry"
        schema = PARAMS.schema

        def execute(self, ctx: Any) -> None:
            pass

    class QuietModule(BaseModule):
        """Overrides nothing: no hook of it may run."""

        def __init__(self) -> None:
            super().__init__()
            self.commands = [SetEntryNoopCommand(self.stores, self.events)]

    module = QuietModule()
    assert module.overridden_hooks() == frozenset()
    machine = StateMachine()
    machine.register_module(module)
    state = StateStore(InMemoryDatabase())
    machine.execute_genesis_block(
        GenesisBlockContext(
            chain_id=CHAIN_ID,
            state_store=state,
            header=header(0),
            assets=BlockAssets(),
            event_queue=EventQueue(0),
        )
    )
    assert run_block(machine, state, [set_entry(0, 0, b"k", 1, module="quiet")]) == [OK]
    assert called == []


# --- verification -------------------------------------------------------------------------------


@pytest.fixture
def machine() -> StateMachine:
    machine = StateMachine()
    machine.register_module(KvModule())
    machine.init({}, {})
    return machine


@pytest.fixture
def block(machine: StateMachine) -> BlockContext:
    return BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
    )


def verify(machine: StateMachine, block: BlockContext, tx: Any, **kw: Any) -> VerificationResult:
    return machine.verify_transaction(block.transaction_context(tx), **kw)


def raw_params(**fields: Any) -> bytes:
    values = {"key": b"k", "value": 1, "remove": False, "mode": 0, **fields}
    return codec.encode(PARAMS.schema, values)


def test_valid_params_verify_ok(machine: StateMachine, block: BlockContext) -> None:
    assert verify(machine, block, set_entry(0, 0, b"key", 5)).is_ok


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (raw_params(key=b""), ".key"),  # minLength 1
        (raw_params(key=b"123456789"), ".key"),  # maxLength 8
    ],
)
def test_params_failing_the_schema_fail_naming_the_field(
    machine: StateMachine, block: BlockContext, params: bytes, field: str
) -> None:
    result = verify(machine, block, set_entry(0, 0, b"", params=params))
    assert not result.is_ok
    assert isinstance(result.error, ValidationError)
    assert field in str(result.error)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (b"\xff", ".key: invalid field key"),  # a truncated varint
        (raw_params() + b"\x30\x01", "unknown field number 6"),
        (raw_params()[:-2], ".mode: missing property"),
        (b"", ".key: missing property"),
        (raw_params()[:3] + b"\x12\x05", ".value: wrong wire type"),
    ],
)
def test_undecodable_params_fail_naming_the_field(
    machine: StateMachine, block: BlockContext, params: bytes, message: str
) -> None:
    result = verify(machine, block, set_entry(0, 0, b"", params=params))
    assert not result.is_ok
    assert isinstance(result.error, CodecError)
    assert message in str(result.error)


def test_a_params_schema_reassigned_in_init_is_what_verification_checks() -> None:
    class ConfiguredKvModule(KvModule):
        name = "kv"

        def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
            schema = copy.deepcopy(self.commands[0].schema)
            schema["properties"]["key"]["maxLength"] = module_config["maxKeyLength"]
            self.commands[0].schema = schema

    machine = StateMachine()
    machine.register_module(ConfiguredKvModule())
    machine.init({}, {"kv": {"maxKeyLength": 2}})
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
    )
    assert verify(machine, block, set_entry(0, 0, b"ab")).is_ok
    result = verify(machine, block, set_entry(0, 0, b"abc"))
    assert isinstance(result.error, ValidationError) and ".key" in str(result.error)


def test_a_params_schema_mutated_in_place_in_init_is_what_verification_checks() -> None:
    # As Klayr's hello tutorial: this.schema.properties.message.maxLength = config.max...
    class ConfiguredKvModule(KvModule):
        name = "kv"

        def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
            self.commands[0].schema["properties"]["key"]["maxLength"] = 2

    machine = StateMachine()
    machine.register_module(ConfiguredKvModule())
    machine.init({}, {})
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
    )
    assert verify(machine, block, set_entry(0, 0, b"ab")).is_ok
    result = verify(machine, block, set_entry(0, 0, b"abc"))
    assert isinstance(result.error, ValidationError) and ".key" in str(result.error)


def test_unknown_module_or_command_fails(machine: StateMachine, block: BlockContext) -> None:
    result = verify(machine, block, set_entry(0, 0, b"k", module="nope"))
    assert not result.is_ok and "Module nope is not registered." in str(result.error)
    result = verify(machine, block, set_entry(0, 0, b"k", command="nope"))
    assert not result.is_ok
    assert "Module kv does not have command nope registered." in str(result.error)


def test_a_failing_module_verify_stops_verification() -> None:
    log: list[str] = []

    class RefuseModule(BaseModule):
        def verify_transaction(self, ctx: Any) -> VerificationResult:
            log.append("refuse")
            return VerificationResult.fail("nonce too low")

    class LaterModule(BaseModule):
        def verify_transaction(self, ctx: Any) -> VerificationResult:
            log.append("later")
            return VerificationResult.ok()

    machine = StateMachine()
    machine.register_module(RefuseModule())
    machine.register_module(LaterModule())
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
    )
    # The transaction's module is not even registered: the module hooks come first.
    result = verify(machine, block, set_entry(0, 0, b"k"))
    assert not result.is_ok and str(result.error) == "nonce too low"
    assert log == ["refuse"]
    # only_command skips the module hooks and checks the command alone.
    result = verify(machine, block, set_entry(0, 0, b"k"), only_command=True)
    assert "Module kv is not registered." in str(result.error)
    assert log == ["refuse"]


def test_a_failing_command_verify_is_returned(block: BlockContext) -> None:
    class PickyCommand(SetEntryCommand):
        name = "setEntry"

        def verify(self, ctx: Any) -> VerificationResult:
            if ctx.params.value > 10:
                return VerificationResult.fail("value too large")
            return VerificationResult.ok()

    module = KvModule()
    module.commands = [PickyCommand(module.stores, module.events)]
    machine = StateMachine()
    machine.register_module(module)
    assert verify(machine, block, set_entry(0, 0, b"k", 10)).is_ok
    result = verify(machine, block, set_entry(0, 0, b"k", 11))
    assert not result.is_ok and str(result.error) == "value too large"


def test_a_verify_hook_that_raises_or_returns_garbage_fails(block: BlockContext) -> None:
    class RaisingModule(BaseModule):
        def verify_transaction(self, ctx: Any) -> VerificationResult:
            raise LookupError("boom")

    machine = StateMachine()
    machine.register_module(RaisingModule())
    result = verify(machine, block, set_entry(0, 0, b"k"))
    assert not result.is_ok and isinstance(result.error, LookupError)

    class SloppyCommand(SetEntryCommand):
        name = "setEntry"

        def verify(self, ctx: Any) -> Any:
            return True

    module = KvModule()
    module.commands = [SloppyCommand(module.stores, module.events)]
    machine = StateMachine()
    machine.register_module(module)
    result = verify(machine, block, set_entry(0, 0, b"k"))
    assert not result.is_ok and isinstance(result.error, TypeError)


def test_verification_never_changes_state_or_events(
    machine: StateMachine, block: BlockContext
) -> None:
    for tx in (set_entry(0, 0, b"k"), set_entry(0, 0, b"", params=b"\xff")):
        verify(machine, block, tx)
    assert not block.state_store.has_changes  # type: ignore[attr-defined]
    assert block.event_queue.events() == []


# --- execution results --------------------------------------------------------------------------


def execute(machine: StateMachine, block: BlockContext, tx: Any) -> TransactionExecutionResult:
    return machine.execute_transaction(block.transaction_context(tx))


def kv(machine: StateMachine) -> KvModule:
    module = machine.get_module("kv")
    assert isinstance(module, KvModule)
    return module


def entries(machine: StateMachine, block: BlockContext) -> dict[bytes, int]:
    store = kv(machine).stores.get(EntryStore)
    return {e.key: e.value.value for e in store.iterate(block.state_store.read_only())}


def nonce(machine: StateMachine, block: BlockContext, sender: int = 0) -> int:
    from klayr_py.crypto.address import get_address_from_public_key

    store = kv(machine).stores.get(NonceStore)
    address = get_address_from_public_key(public_key(sender))
    try:
        return int(store.get(block.state_store.read_only(), address)["nonce"])
    except NotFoundError:
        return 0


def result_event_data(success: bool) -> bytes:
    return codec.encode(STANDARD_EVENT_DATA_SCHEMA, {"success": success})


def test_a_successful_command(machine: StateMachine, block: BlockContext) -> None:
    tx = set_entry(0, 0, b"k", 5)
    assert execute(machine, block, tx) is OK
    assert entries(machine, block) == {b"k": 5}
    assert nonce(machine, block) == 1
    events = block.event_queue.events()
    assert [e.name for e in events] == ["hook", "entryChanged", "hook", "commandExecutionResult"]
    result = events[-1]
    assert result.module == "kv"
    assert result.topics == (b"\x04" + tx.id,)
    assert result.data == result_event_data(True) == b"\x08\x01"
    assert all(e.topics[0] == b"\x04" + tx.id for e in events)


def test_a_raising_command_fails_and_only_its_own_changes_are_reverted(
    machine: StateMachine, block: BlockContext
) -> None:
    assert execute(machine, block, set_entry(0, 0, b"a", 1)) is OK
    tx = set_entry(0, 1, b"b", 2, mode=MODE_RAISE)
    assert execute(machine, block, tx) is FAIL
    assert entries(machine, block) == {b"a": 1}  # the command's write is gone
    ro = block.state_store.read_only()
    assert kv(machine).stores.get(ExecutedStore).get_value(ro).count == 1
    assert nonce(machine, block) == 2  # the before hook's change is kept
    assert kv(machine).stores.get(AfterCountStore).get_value(ro).count == 2  # and the after hook's
    events = [e for e in block.event_queue.events() if e.topics[0] == b"\x04" + tx.id]
    assert [e.name for e in events] == ["hook", "hook", "commandExecutionResult"]
    result = events[-1]
    assert result.module == "kv"
    assert result.topics == (b"\x04" + tx.id,)
    assert result.data == result_event_data(False) == b"\x08\x00"
    assert [e.index for e in block.event_queue.events()] == list(range(7))


def test_a_raising_command_keeps_its_no_revert_events(block: BlockContext) -> None:
    class StubbornCommand(SetEntryCommand):
        name = "setEntry"

        def execute(self, ctx: Any) -> None:
            ctx.event_queue.add("kv", "attempt", b"\x01", no_revert=True)
            ctx.event_queue.add("kv", "doomed", b"\x02")
            raise RuntimeError("no")

    module = KvModule()
    module.commands = [StubbornCommand(module.stores, module.events)]
    machine = StateMachine()
    machine.register_module(module)
    tx = set_entry(0, 0, b"k")
    assert execute(machine, block, tx) is FAIL
    events = block.event_queue.events()
    assert [e.name for e in events] == ["hook", "attempt", "hook", "commandExecutionResult"]
    assert [e.index for e in events] == [0, 1, 2, 3]
    assert events[1].topics == (b"\x04" + tx.id,)


@pytest.mark.parametrize("hook", ["before_command_execute", "after_command_execute"])
def test_a_raising_hook_around_the_command_makes_the_transaction_invalid(
    machine: StateMachine, block: BlockContext, hook: str
) -> None:
    assert execute(machine, block, set_entry(0, 0, b"a", 1)) is OK
    events_before = block.event_queue.events()
    kv(machine).raise_in = hook
    tx = set_entry(0, 1, b"b", 2)
    assert execute(machine, block, tx) is INVALID
    # Everything the transaction did is reverted: hooks, command, events; no result event.
    assert entries(machine, block) == {b"a": 1}
    assert nonce(machine, block) == 1
    ro = block.state_store.read_only()
    assert kv(machine).stores.get(AfterCountStore).get_value(ro).count == 1
    assert block.event_queue.events() == events_before


def test_a_raising_hook_of_another_module_also_invalidates() -> None:
    class GuardModule(BaseModule):
        def after_command_execute(self, ctx: Any) -> None:
            raise RuntimeError("guard says no")

    machine = StateMachine()
    machine.register_module(KvModule())
    machine.register_module(GuardModule())
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets(),
        event_queue=EventQueue(1),
    )
    assert execute(machine, block, set_entry(0, 0, b"a", 1)) is INVALID
    assert entries(machine, block) == {}
    assert block.event_queue.events() == []


def test_failures_are_logged_not_raised(
    machine: StateMachine, block: BlockContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="klayr_py.state_machine"):
        assert execute(machine, block, set_entry(0, 0, b"a", 1, mode=MODE_RAISE)) is FAIL
    assert any("setEntry was told to fail" in str(r.exc_info) for r in caplog.records)


def test_a_failed_command_is_logged_at_info_with_the_modules_error(
    machine: StateMachine, block: BlockContext, caplog: pytest.LogCaptureFixture
) -> None:
    transaction = set_entry(0, 0, b"a", 1, mode=MODE_RAISE)
    with caplog.at_level(logging.INFO, logger="klayr_py.state_machine"):
        assert execute(machine, block, transaction) is FAIL
    failures = [r for r in caplog.records if r.levelno == logging.INFO and "failed" in r.message]
    assert len(failures) == 1
    expected = f"transaction {transaction.id.hex()} (kv:setEntry) failed: "
    assert failures[0].message.startswith(expected)
    assert "setEntry was told to fail" in failures[0].message


def test_verify_assets_refuses_assets_of_unregistered_modules(machine: StateMachine) -> None:
    block = BlockContext(
        chain_id=CHAIN_ID,
        state_store=StateStore(InMemoryDatabase()),
        header=header(1),
        assets=BlockAssets().with_asset("ghost", b"\x01"),
        event_queue=EventQueue(1),
    )
    with pytest.raises(UnknownCommandError, match=r"Module ghost is not registered\."):
        machine.verify_assets(block)
    machine.verify_assets(
        BlockContext(
            chain_id=CHAIN_ID,
            state_store=StateStore(InMemoryDatabase()),
            header=header(1),
            assets=BlockAssets().with_asset("kv", b"\x01"),
            event_queue=EventQueue(1),
        )
    )
