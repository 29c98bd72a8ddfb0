"""A registry of a module's stores, events or off-chain stores, keyed by their class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from klayr_py.errors import NotFoundError


class Named(Protocol):
    """What a registry holds: something with a name, a key and a schema."""

    @property
    def name(self) -> str: ...

    @property
    def key(self) -> bytes: ...

    @property
    def schema(self) -> dict[str, Any]: ...


N = TypeVar("N", bound=Named)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One registered item as metadata sees it."""

    name: str
    key: bytes
    schema: dict[str, Any]


class NamedRegistry(Generic[N]):
    """Klayr's ``NamedRegistry``: ``register(cls, obj)``, ``get(cls)``, ``keys()``, ``values()``.

    Registration order is kept, so metadata and iteration are deterministic.
    """

    def __init__(self) -> None:
        self._registry: dict[type, N] = {}

    def register(self, cls: type[T], instance: T) -> None:
        """Register ``instance`` under its class ``cls``."""
        if not isinstance(instance, cls):
            raise TypeError(f"{instance!r} is not an instance of {cls.__name__}")
        self._registry[cls] = instance  # type: ignore[assignment]

    def get(self, cls: type[T]) -> T:
        """The instance registered for ``cls``; raises NotFoundError if there is none."""
        try:
            return self._registry[cls]  # type: ignore[return-value]
        except KeyError:
            raise NotFoundError(f"Class {cls.__name__} is not registered.") from None

    def keys(self) -> list[bytes]:
        """The keys of the registered items (store prefixes, event keys), in registration order."""
        return [item.key for item in self._registry.values()]

    def values(self) -> list[RegistryEntry]:
        """Name, key and schema of every registered item, in registration order."""
        return [RegistryEntry(item.name, item.key, item.schema) for item in self._registry.values()]

    def instances(self) -> list[N]:
        """The registered instances themselves."""
        return list(self._registry.values())

    def __iter__(self) -> Iterator[N]:
        return iter(self._registry.values())

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, cls: object) -> bool:
        return cls in self._registry
