"""Endpoints: Klayr names, request validation, read-only on-chain and writable off-chain stores."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.db import InMemoryDatabase
from klayr_py.errors import EventError, NotFoundError, StateWriteError, ValidationError
from klayr_py.modules import BaseEndpoint, BaseOffchainStore, KlayrModel
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine import EndpointContext, HeaderInfo, ImmutableMethodContext
from klayr_py.state_machine.endpoints import call_endpoint, endpoint_name, list_endpoints

from .kv_module import CHAIN_ID, EntryStore, KvModule


class Visit(KlayrModel):
    count: int


class VisitStore(BaseOffchainStore[Visit]):
    pass


class KvEndpoint(BaseEndpoint):
    request_schemas = {  # noqa: RUF012
        "get_entry": {
            "$id": "/kv/endpoint/getEntry",
            "type": "object",
            "required": ["key"],
            "properties": {"key": {"type": "string", "format": "hex"}},
        }
    }

    def get_entry(self, ctx: EndpointContext) -> dict[str, Any]:
        entry = self.stores.get(EntryStore).get(ctx, bytes.fromhex(ctx.params["key"]))
        visits = self.offchain_stores.get(VisitStore)
        count = visits.get(ctx, b"").count if visits.has(ctx, b"") else 0
        visits.set(ctx, b"", Visit(count=count + 1))
        return {"value": str(entry.value), "visits": count + 1}

    def try_write(self, ctx: EndpointContext) -> str:
        try:
            self.stores.get(EntryStore).set(ctx, b"k", {"value": 1})
        except StateWriteError:
            return "refused"
        return "written"

    def try_event(self, ctx: EndpointContext) -> str:
        try:
            ctx.event_queue.add("kv", "e", b"")
        except EventError:
            return "refused"
        return "added"

    def context(self, ctx: EndpointContext) -> EndpointContext:
        return ctx


class EndpointKvModule(KvModule):
    name = "kv"

    def __init__(self) -> None:
        super().__init__()
        self.offchain_stores.register(VisitStore, VisitStore(self.name))
        self.endpoint = KvEndpoint(self.stores, self.offchain_stores)


@pytest.fixture
def setup() -> tuple[EndpointKvModule, StateStore, OffchainStore]:
    module = EndpointKvModule()
    state = StateStore(InMemoryDatabase())
    module.stores.get(EntryStore).set(state, b"\x01", {"value": 42})
    state.commit(state.prepare_commit(0))
    return module, state, OffchainStore(InMemoryDatabase())


def call(setup: Any, python_name: str, params: dict[str, Any] | None = None) -> Any:
    module, state, offchain = setup
    return call_endpoint(
        module,
        python_name,
        params or {},
        state_store=state,
        offchain_store=offchain,
        chain_id=CHAIN_ID,
        header=HeaderInfo(height=0, timestamp=1),
    )


def test_endpoint_names_are_module_and_camel_case() -> None:
    module = EndpointKvModule()
    assert endpoint_name(module, "get_entry") == "kv_getEntry"
    assert sorted(list_endpoints([module])) == [
        "kv_context",
        "kv_getEntry",
        "kv_tryEvent",
        "kv_tryWrite",
    ]
    assert list_endpoints([module])["kv_getEntry"] == (module, "get_entry")


def test_an_endpoint_reads_on_chain_and_writes_off_chain(setup: Any) -> None:
    assert call(setup, "get_entry", {"key": "01"}) == {"value": "42", "visits": 1}
    assert call(setup, "get_entry", {"key": "01"}) == {"value": "42", "visits": 2}
    _, state, offchain = setup
    assert not state.has_changes
    offchain.commit()
    assert call(setup, "get_entry", {"key": "01"})["visits"] == 3


def test_on_chain_stores_and_events_are_read_only(setup: Any) -> None:
    assert call(setup, "try_write") == "refused"
    assert call(setup, "try_event") == "refused"
    ctx = call(setup, "context")
    assert isinstance(ctx, EndpointContext)
    assert isinstance(ctx.get_immutable_method_context(), ImmutableMethodContext)
    assert ctx.chain_id == CHAIN_ID and ctx.header == HeaderInfo(0, 1) and ctx.params == {}


def test_requests_are_validated_and_unknown_endpoints_refused(setup: Any) -> None:
    with pytest.raises(ValidationError, match="key"):
        call(setup, "get_entry", {})
    with pytest.raises(ValidationError, match="key"):
        call(setup, "get_entry", {"key": "not hex"})
    with pytest.raises(NotFoundError, match="kv_missing"):
        call(setup, "missing")
    with pytest.raises(NotFoundError):  # the store's own NotFoundError: no entry under 02
        call(setup, "get_entry", {"key": "02"})
