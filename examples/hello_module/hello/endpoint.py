"""Read-only queries: ``hello_getHello`` and ``hello_getHelloCounter``."""

from __future__ import annotations

from typing import Any, ClassVar

from hello.schemas import GET_HELLO_REQUEST_SCHEMA
from hello.stores.counter import CounterStore
from hello.stores.message import MessageStore
from klayr_py import BaseEndpoint, EndpointContext, NotFoundError
from klayr_py.crypto import get_address_from_klayr32_address


class HelloEndpoint(BaseEndpoint):
    """Endpoints of the Hello module."""

    request_schemas: ClassVar[dict[str, dict[str, Any]]] = {"get_hello": GET_HELLO_REQUEST_SCHEMA}

    def get_hello(self, ctx: EndpointContext) -> dict[str, Any]:
        """The latest hello of ``params.address`` (a Klayr32 address): ``{"message": ...}``."""
        address = get_address_from_klayr32_address(ctx.params["address"])
        store = self.stores.get(MessageStore)
        if not store.has(ctx, address):  # say it in the module's words, not the store's
            raise NotFoundError(f"{ctx.params['address']} has not said hello yet")
        return store.get(ctx, address).model_dump(by_alias=True)

    def get_hello_counter(self, ctx: EndpointContext) -> dict[str, Any]:
        """The number of hellos so far: ``{"counter": n}``."""
        try:
            return self.stores.get(CounterStore).get_value(ctx).model_dump(by_alias=True)
        except NotFoundError:
            return {"counter": 0}
