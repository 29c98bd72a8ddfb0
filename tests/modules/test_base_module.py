"""BaseModule and the names of modules, commands, stores and events (Klayr's naming rule)."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.modules import (
    BaseCommand,
    BaseEndpoint,
    BaseEvent,
    BaseMethod,
    BaseModule,
    BaseOffchainStore,
    BaseSingletonStore,
    BaseStore,
    KlayrModel,
    ModuleMetadata,
    UInt32,
    VerificationResult,
    VerifyStatus,
)
from klayr_py.modules.base_module import HOOKS
from klayr_py.modules.base_store import compute_store_prefix, compute_sub_store_prefix


class Greeting(KlayrModel):
    text: str


class Count(KlayrModel):
    count: UInt32


class HelloModule(BaseModule):
    pass


class CreateHelloCommand(BaseCommand[Greeting]):
    pass


class MessageStore(BaseStore[Greeting]):
    pass


class CounterStore(BaseSingletonStore[Count]):
    pass


class NewHelloEvent(BaseEvent[Greeting]):
    pass


class CacheStore(BaseOffchainStore[Greeting]):
    pass


# --- naming ------------------------------------------------------------------------------------


def test_names_derive_from_class_names_as_klayr_does() -> None:
    assert HelloModule.name == "hello"
    assert HelloModule().name == "hello"
    assert CreateHelloCommand.name == "createHello"
    assert MessageStore.name == "message"
    assert CounterStore.name == "counter"
    assert NewHelloEvent.name == "newHello"
    assert CacheStore.name == "cache"


def test_only_the_first_occurrence_of_the_suffix_is_dropped() -> None:
    # JavaScript's name.replace('Store', '') replaces only the first occurrence.
    class StoreOfThingsStore(BaseStore[Greeting]):
        pass

    class ModuleRegistryModule(BaseModule):
        pass

    class CommandCommand(BaseCommand[Greeting]):
        pass

    assert StoreOfThingsStore.name == "ofThingsStore"
    assert ModuleRegistryModule.name == "registryModule"
    assert CommandCommand.name == "command"


def test_a_class_without_the_suffix_keeps_its_name_with_the_first_letter_lowered() -> None:
    class Tokens(BaseModule):
        pass

    class DoIt(BaseCommand[Greeting]):
        pass

    class XYZEvent(BaseEvent[Greeting]):
        pass

    assert Tokens.name == "tokens"
    assert DoIt.name == "doIt"
    assert XYZEvent.name == "xYZ"


def test_names_can_be_overridden() -> None:
    class MyModule(BaseModule):
        name = "custom"

    class RenamedCommand(BaseCommand[Greeting]):
        name = "transfer"

    class RenamedStore(BaseStore[Greeting]):
        name = "balances"

    class RenamedEvent(BaseEvent[Greeting]):
        name = "lockedAmount"

    assert MyModule().name == "custom"
    assert RenamedCommand(None, None).name == "transfer"  # type: ignore[arg-type]
    assert RenamedStore("custom", 0).name == "balances"
    assert RenamedEvent("custom").name == "lockedAmount"
    assert RenamedEvent("custom").key == b"customlockedAmount"


def test_a_subclass_of_a_module_with_a_derived_name_derives_its_own() -> None:
    class GreetModule(BaseModule):
        pass

    class LoudGreetModule(GreetModule):
        pass

    assert GreetModule.name == "greet"
    assert LoudGreetModule.name == "loudGreet"  # Klayr: the getter reads constructor.name


def test_a_subclass_inherits_an_explicit_name_override() -> None:
    # Klayr: BaseInteroperabilityModule has `get name() { return 'interoperability' }`, and
    # MainchainInteroperabilityModule / SidechainInteroperabilityModule extend it.
    class BaseInteroperabilityModule(BaseModule):
        name = "interoperability"

    class MainchainInteroperabilityModule(BaseInteroperabilityModule):
        pass

    class RenamedStore(BaseStore[Greeting]):
        name = "balances"

    class PatchedStore(RenamedStore):
        pass

    assert MainchainInteroperabilityModule.name == "interoperability"
    assert PatchedStore.name == "balances"


def test_store_and_event_keys_follow_the_module_name() -> None:
    store = MessageStore("hello", 1)
    assert store.store_prefix == compute_store_prefix("hello")
    assert store.sub_store_prefix == compute_sub_store_prefix(1)
    assert store.key == compute_store_prefix("hello") + bytes.fromhex("8000")
    assert NewHelloEvent("hello").key == b"hellonewHello"


# --- module anatomy ----------------------------------------------------------------------------


class ShopModule(BaseModule):
    """A module with one of everything, registered the way Klayr modules do."""

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(CounterStore, CounterStore(self.name, 0))
        self.stores.register(MessageStore, MessageStore(self.name, 1))
        self.offchain_stores.register(CacheStore, CacheStore(self.name))
        self.events.register(NewHelloEvent, NewHelloEvent(self.name))
        self.commands = [CreateHelloCommand(self.stores, self.events)]
        self.endpoint = ShopEndpoint(self.stores, self.offchain_stores)

    def verify_transaction(self, ctx: Any) -> VerificationResult:
        return VerificationResult.ok()

    def after_command_execute(self, ctx: Any) -> None:
        pass


class ShopEndpoint(BaseEndpoint):
    request_schemas = {  # noqa: RUF012
        "get_greeting": {
            "$id": "/shop/getGreeting",
            "type": "object",
            "properties": {"address": {"type": "string"}},
        }
    }

    def get_greeting(self, ctx: Any) -> dict[str, Any]:
        return {}

    def get_count(self, ctx: Any) -> dict[str, Any]:
        return {}


def test_a_new_module_has_empty_registries_and_default_endpoint_and_method() -> None:
    module = HelloModule()
    assert module.commands == []
    assert len(module.stores) == len(module.events) == len(module.offchain_stores) == 0
    assert isinstance(module.endpoint, BaseEndpoint)
    assert isinstance(module.method, BaseMethod)
    assert module.endpoint.endpoint_names() == []
    assert module.metadata() == ModuleMetadata()


def test_command_lookup_by_name() -> None:
    module = ShopModule()
    assert module.command("createHello") is module.commands[0]
    assert module.command("missing") is None


def test_metadata_lists_commands_events_stores_and_endpoints_in_klayr_shape() -> None:
    module = ShopModule()
    metadata = module.metadata()
    assert metadata.commands == [{"name": "createHello", "params": module.commands[0].schema}]
    assert metadata.events == [
        {"name": "newHello", "data": module.events.get(NewHelloEvent).schema}
    ]
    assert metadata.stores == [
        {"key": module.stores.get(CounterStore).key.hex(), "data": CounterStore("shop", 0).schema},
        {"key": module.stores.get(MessageStore).key.hex(), "data": MessageStore("shop", 1).schema},
    ]
    assert metadata.assets == []
    # Endpoints are camelCase, sorted by Python name; a request schema is attached when declared.
    assert metadata.endpoints == [
        {"name": "getCount"},
        {"name": "getGreeting", "request": ShopEndpoint.request_schemas["get_greeting"]},
    ]
    as_json = metadata.to_json("shop")
    assert list(as_json) == ["name", "endpoints", "events", "commands", "assets", "stores"]
    assert as_json["name"] == "shop"


def test_overridden_hooks_lists_exactly_the_hooks_a_module_implements() -> None:
    assert HelloModule().overridden_hooks() == frozenset()
    assert ShopModule().overridden_hooks() == {"verify_transaction", "after_command_execute"}

    class Everything(BaseModule):
        pass

    for hook in HOOKS:
        setattr(Everything, hook, lambda self, ctx: None)
    assert Everything().overridden_hooks() == frozenset(HOOKS)


def test_overridden_hooks_sees_hooks_inherited_from_an_intermediate_class() -> None:
    class Parent(BaseModule):
        def before_transactions_execute(self, ctx: Any) -> None:
            pass

    class ChildModule(Parent):
        pass

    assert ChildModule().overridden_hooks() == {"before_transactions_execute"}


def test_default_hooks_do_nothing_and_verify_transaction_is_ok() -> None:
    module = HelloModule()
    module.init({}, {})
    assert module.verify_transaction(None) == VerificationResult.ok()  # type: ignore[arg-type]
    for hook in HOOKS:
        if hook != "verify_transaction":
            assert getattr(module, hook)(None) is None


def test_verification_result() -> None:
    ok = VerificationResult.ok()
    assert ok.is_ok and ok.status is VerifyStatus.OK and ok.error is None
    failed = VerificationResult.fail("too short")
    assert not failed.is_ok and failed.status is VerifyStatus.FAIL
    assert isinstance(failed.error, ValueError) and str(failed.error) == "too short"
    error = KeyError("x")
    assert VerificationResult.fail(error).error is error
    assert (VerifyStatus.FAIL, VerifyStatus.PENDING, VerifyStatus.OK) == (-1, 0, 1)


def test_base_command_execute_is_abstract_and_verify_ok() -> None:
    command = CreateHelloCommand(None, None)  # type: ignore[arg-type]
    assert command.verify(None).is_ok  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="CreateHelloCommand"):
        command.execute(None)  # type: ignore[arg-type]
