"""The hello module's endpoints, method and metadata."""

from __future__ import annotations

import pytest
from helpers import CHAIN_ID, Chain, hello_transaction, keys

from klayr_py.contexts.event_queue import EventQueue
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import NotFoundError, ValidationError
from klayr_py.state import OffchainStore
from klayr_py.state_machine import HeaderInfo, MethodContext
from klayr_py.state_machine.endpoints import call_endpoint, list_endpoints


def _call(chain: Chain, name: str, params: dict[str, object]) -> object:
    module, python_name = list_endpoints([chain.module])[name]
    return call_endpoint(
        module,
        python_name,
        params,
        state_store=chain.state,
        offchain_store=OffchainStore(InMemoryDatabase()),
        chain_id=CHAIN_ID,
        header=HeaderInfo(chain.state.height, 0),
    )


def test_get_hello_and_counter() -> None:
    chain = Chain(InMemoryDatabase())
    chain.genesis()
    (alice,) = keys(1)
    tx = hello_transaction(alice, 0, "hello from alice")
    assert _call(chain, "hello_getHelloCounter", {}) == {"counter": 0}
    chain.block([tx])
    address = get_klayr32_address_from_address(tx.sender_address)
    assert _call(chain, "hello_getHello", {"address": address}) == {"message": "hello from alice"}
    assert _call(chain, "hello_getHelloCounter", {}) == {"counter": 1}


def test_get_hello_rejects_bad_params_and_unknown_accounts() -> None:
    chain = Chain(InMemoryDatabase())
    chain.genesis()
    with pytest.raises(ValidationError, match="address"):
        _call(chain, "hello_getHello", {"address": "not-an-address"})
    with pytest.raises(ValidationError):
        _call(chain, "hello_getHello", {})
    nobody = get_klayr32_address_from_address(bytes(20))
    with pytest.raises(NotFoundError) as missing:
        _call(chain, "hello_getHello", {"address": nobody})
    assert str(missing.value) == f"{nobody} has not said hello yet"


def test_method_reads_the_message() -> None:
    chain = Chain(InMemoryDatabase())
    chain.genesis()
    (alice,) = keys(1)
    tx = hello_transaction(alice, 0, "method hello")
    chain.block([tx])
    ctx = MethodContext(chain.state, EventQueue(0))
    assert chain.module.method.get_hello(ctx, tx.sender_address) == "method hello"


def test_metadata_lists_command_stores_event_and_endpoints() -> None:
    chain = Chain(InMemoryDatabase())
    meta = chain.module.metadata().to_json(chain.module.name)
    assert meta["name"] == "hello"
    assert [c["name"] for c in meta["commands"]] == ["createHello"]
    assert meta["commands"][0]["params"]["properties"]["message"]["maxLength"] == 256
    assert [e["name"] for e in meta["events"]] == ["newHello"]
    assert [s["key"] for s in meta["stores"]] == ["2cf24dba0000", "2cf24dba8000"]
    assert [e["name"] for e in meta["endpoints"]] == ["getHello", "getHelloCounter"]
    assert meta["endpoints"][0]["request"]["properties"]["address"]["format"] == "klayr32"
