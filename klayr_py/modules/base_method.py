"""Methods: a module's API for other modules (Cosmos's keeper), which may write state."""

from __future__ import annotations

from typing import Any

from klayr_py.modules.named_registry import NamedRegistry


class BaseMethod:
    """``BaseMethod(stores, events)``; public methods take a method context first."""

    def __init__(self, stores: NamedRegistry[Any], events: NamedRegistry[Any]) -> None:
        self.stores = stores
        self.events = events
