"""NamedRegistry: Klayr's registry of a module's stores and events, keyed by class."""

from __future__ import annotations

import pytest

from klayr_py.errors import NotFoundError
from klayr_py.modules import BaseEvent, BaseStore, KlayrModel, NamedRegistry
from klayr_py.modules.named_registry import RegistryEntry


class Value(KlayrModel):
    amount: int


class SecondStore(BaseStore[Value]):
    pass


class FirstStore(BaseStore[Value]):
    pass


class SentEvent(BaseEvent[Value]):
    pass


def test_register_and_get_by_class() -> None:
    registry: NamedRegistry[BaseStore[Value]] = NamedRegistry()
    second, first = SecondStore("m", 1), FirstStore("m", 0)
    registry.register(SecondStore, second)
    registry.register(FirstStore, first)
    assert registry.get(SecondStore) is second
    assert registry.get(FirstStore) is first
    assert SecondStore in registry and SentEvent not in registry
    assert len(registry) == 2
    assert list(registry) == registry.instances() == [second, first]


def test_keys_and_values_keep_registration_order() -> None:
    registry: NamedRegistry[BaseStore[Value]] = NamedRegistry()
    second, first = SecondStore("m", 1), FirstStore("m", 0)
    registry.register(SecondStore, second)
    registry.register(FirstStore, first)
    assert registry.keys() == [second.key, first.key]
    assert registry.values() == [
        RegistryEntry("second", second.key, second.schema),
        RegistryEntry("first", first.key, first.schema),
    ]


def test_events_register_with_their_keys() -> None:
    registry: NamedRegistry[SentEvent] = NamedRegistry()
    registry.register(SentEvent, SentEvent("token"))
    assert registry.keys() == [b"tokensent"]
    assert registry.values()[0].name == "sent"


def test_get_of_an_unregistered_class_names_it() -> None:
    registry: NamedRegistry[BaseStore[Value]] = NamedRegistry()
    with pytest.raises(NotFoundError, match=r"Class FirstStore is not registered\."):
        registry.get(FirstStore)


def test_register_refuses_an_instance_of_another_class() -> None:
    registry: NamedRegistry[BaseStore[Value]] = NamedRegistry()
    with pytest.raises(TypeError, match="FirstStore"):
        registry.register(FirstStore, SecondStore("m", 1))  # type: ignore[arg-type]


def test_registering_a_class_again_replaces_it_in_place() -> None:
    # Klayr's registry is a Map: set() on an existing key keeps its position.
    registry: NamedRegistry[BaseStore[Value]] = NamedRegistry()
    registry.register(FirstStore, FirstStore("m", 0))
    registry.register(SecondStore, SecondStore("m", 1))
    replacement = FirstStore("m", 5)
    registry.register(FirstStore, replacement)
    assert registry.instances()[0] is replacement
    assert len(registry) == 2
