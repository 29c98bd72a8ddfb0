"""Building transactions: params the schema does not declare are refused by name; the next
nonce skips the ones the sender's pool transactions hold."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from klayr_py.api_client import APIClient, APIClientError, encode_params
from klayr_py.api_client.transactions import decode_event_data

HELLO_PARAMS = {
    "$id": "/hello/createHello",
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"dataType": "string", "fieldNumber": 1}},
}

NESTED = {
    "$id": "/test/nested",
    "type": "object",
    "required": ["entries"],
    "properties": {
        "entries": {
            "type": "array",
            "fieldNumber": 1,
            "items": {
                "type": "object",
                "required": ["amount"],
                "properties": {"amount": {"dataType": "uint64", "fieldNumber": 1}},
            },
        }
    },
}


def test_an_unknown_property_is_refused_naming_it() -> None:
    with pytest.raises(APIClientError) as refused:
        encode_params(HELLO_PARAMS, {"message": "hi", "x": 1})
    assert str(refused.value) == "invalid params: unknown property 'x' (declared: message)"


def test_unknown_properties_inside_arrays_are_named_by_path() -> None:
    with pytest.raises(APIClientError, match=r"unknown properties 'entries\[1\]\.amout', 'y'"):
        encode_params(NESTED, {"entries": [{"amount": "1"}, {"amout": "2"}], "y": 0})


def test_declared_properties_still_encode() -> None:
    assert encode_params(HELLO_PARAMS, {"message": "hi"}) == b"\x0a\x02hi"


class _FakeNode(APIClient):
    """Answers auth_getAuthAccount and txpool_getTransactionsFromPool from fixed values."""

    def __init__(self, confirmed: int, pending: list[int]) -> None:
        super().__init__(
            mode="http", rpc_url="http://127.0.0.1:1/rpc", ws_url="ws://127.0.0.1:1/rpc-ws"
        )
        self.answers = {
            "auth_getAuthAccount": {"nonce": str(confirmed)},
            "txpool_getTransactionsFromPool": [{"nonce": str(n)} for n in pending],
        }

    async def invoke(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.answers[method]


@pytest.mark.parametrize(
    ("confirmed", "pending", "expected"),
    [(2, [], 2), (2, [2], 3), (2, [2, 3], 4), (2, [3], 2), (5, [], 5)],
)
def test_next_nonce_skips_pending_nonces(confirmed: int, pending: list[int], expected: int) -> None:
    node = _FakeNode(confirmed, pending)
    assert asyncio.run(node.next_nonce("kly84mryvt6g6e72gw6n9mcnfqjskrh83ammqc2b4")) == expected


_METADATA = {
    "modules": [
        {
            "name": "hello",
            "events": [
                {
                    "name": "newHello",
                    "data": {
                        "$id": "/hello/events/newHello",
                        "type": "object",
                        "required": ["message"],
                        "properties": {"message": {"dataType": "string", "fieldNumber": 1}},
                    },
                }
            ],
        }
    ]
}


def test_event_data_is_decoded_by_the_metadata_schemas() -> None:
    result = {"module": "hello", "name": "commandExecutionResult", "data": "0801", "height": 3}
    assert decode_event_data(result, _METADATA)["data"] == {"success": True}
    failed = {"module": "hello", "name": "commandExecutionResult", "data": "0800"}
    assert decode_event_data(failed, _METADATA)["data"] == {"success": False}
    hello = {"module": "hello", "name": "newHello", "data": "0a026869", "topics": []}
    assert decode_event_data(hello, _METADATA) == {
        "module": "hello",
        "name": "newHello",
        "data": {"message": "hi"},
        "topics": [],
    }
    unknown = {"module": "other", "name": "thing", "data": "0a026869"}
    assert decode_event_data(unknown, _METADATA)["data"] == "0a026869"
