"""Endpoints: read-only queries of a module, served over RPC as ``<module>_<endpointName>``."""

from __future__ import annotations

from typing import Any, ClassVar

from klayr_py.modules.named_registry import NamedRegistry


class BaseEndpoint:
    """``BaseEndpoint(stores, offchain_stores)``.

    Each public method ``def get_hello(self, ctx) -> ...`` is an endpoint, served as
    ``hello_getHello``. Its context gives read-only on-chain stores and read-write off-chain
    stores, as in Klayr. Set ``request_schemas`` / ``response_schemas`` (keyed by the Python method
    name) to describe and validate requests.
    """

    request_schemas: ClassVar[dict[str, dict[str, Any]]] = {}
    response_schemas: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, stores: NamedRegistry[Any], offchain_stores: NamedRegistry[Any]) -> None:
        self.stores = stores
        self.offchain_stores = offchain_stores

    def endpoint_names(self) -> list[str]:
        """The Python names of the endpoint methods, sorted."""
        return sorted(
            name
            for name in dir(type(self))
            if not name.startswith("_")
            and name not in _NOT_ENDPOINTS
            and callable(getattr(type(self), name))
        )


_NOT_ENDPOINTS = frozenset({"endpoint_names"})
