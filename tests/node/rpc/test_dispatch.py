"""The dispatcher's limits and where it runs each method (issue #17, items 1 and 3)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from klayr_py.node.rpc.dispatch import Dispatcher, RpcLimits
from klayr_py.node.rpc.errors import INVALID_REQUEST, LIMIT_EXCEEDED, METHOD_NOT_FOUND, RpcError


class _Methods:
    """The part of RpcMethods the dispatcher uses, with methods that record their thread."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}

    def call(self, name: str, params: Mapping[str, Any]) -> Any:
        self.threads[name] = threading.current_thread().name
        if name in ("chain_getBlocksByHeightBetween", "txpool_getTransactionsFromPool"):
            return ["x" * int(params.get("size", 10))]
        if name == "chain_getBlockByHeight":  # a slow committed read
            time.sleep(float(params.get("sleep", 0)))
            return {"height": 1}
        if name == "hello_slow":  # a plugin-like endpoint that answers later

            async def later() -> str:
                await asyncio.sleep(float(params.get("sleep", 0)))
                return "late"

            return later()
        raise RpcError(METHOD_NOT_FOUND, f"Method {name} does not exist.")


def _answer(message: Any, **limits: Any) -> Any:
    async def run() -> str | None:
        dispatcher = Dispatcher(_Methods(), RpcLimits(**limits))  # type: ignore[arg-type]
        try:
            return await dispatcher.dispatch(message)
        finally:
            dispatcher.close()

    text = asyncio.run(run())
    return None if text is None else json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise AssertionError(f"the reply holds {name}, which is not JSON")


def _request(method: str, request_id: Any = 1, **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


def test_committed_reads_run_on_a_worker_and_live_state_on_the_loop() -> None:
    methods = _Methods()

    async def run() -> str:
        dispatcher = Dispatcher(methods)  # type: ignore[arg-type]
        try:
            await dispatcher.dispatch(_request("chain_getBlocksByHeightBetween"))
            await dispatcher.dispatch(_request("txpool_getTransactionsFromPool"))
        finally:
            dispatcher.close()
        return threading.current_thread().name

    loop_thread = asyncio.run(run())
    assert methods.threads["chain_getBlocksByHeightBetween"].startswith("klayr-rpc")
    assert methods.threads["txpool_getTransactionsFromPool"] == loop_thread


def test_a_batch_longer_than_the_limit_is_refused_naming_it() -> None:
    batch = [_request("chain_getBlockByHeight", index) for index in range(6)]
    reply = _answer(batch, max_batch_length=5)
    assert reply["error"]["code"] == INVALID_REQUEST
    assert "rpc.maxBatchLength (5)" in reply["error"]["message"]
    assert len(_answer(batch[:5], max_batch_length=5)) == 5


def test_a_response_over_the_size_limit_is_refused_naming_it() -> None:
    reply = _answer(_request("chain_getBlocksByHeightBetween", size=5000), max_response_size=4096)
    assert reply["error"]["code"] == LIMIT_EXCEEDED
    assert "rpc.maxResponseSize (4096 bytes)" in reply["error"]["message"]
    assert "result" in _answer(
        _request("chain_getBlocksByHeightBetween", size=3000), max_response_size=4096
    )


def test_a_batch_stops_answering_once_its_replies_reach_the_size_limit() -> None:
    batch = [_request("chain_getBlocksByHeightBetween", index, size=1500) for index in range(5)]
    replies = _answer(batch, max_response_size=4096)
    assert [reply["id"] for reply in replies] == [0, 1, 2, 3, 4]
    assert ["result" in reply for reply in replies] == [True, True, False, False, False]
    assert all(reply["error"]["code"] == LIMIT_EXCEEDED for reply in replies[2:])
    assert len(json.dumps(replies)) <= 4096


@pytest.mark.parametrize("method", ["chain_getBlockByHeight", "hello_slow"])
def test_a_request_over_the_time_limit_is_refused_naming_it(method: str) -> None:
    started = time.monotonic()
    reply = _answer(_request(method, sleep=1.0), request_timeout=0.2)
    assert time.monotonic() - started < 1.0 or method == "chain_getBlockByHeight"
    assert reply["error"]["code"] == LIMIT_EXCEEDED
    assert "rpc.requestTimeout (0.2 s)" in reply["error"]["message"]


def test_the_time_limit_covers_a_whole_batch() -> None:
    # Each request takes 0.3 s, well within the limit alone; together they pass it.
    batch = [_request("hello_slow", index, sleep=0.3) for index in range(6)]
    started = time.monotonic()
    replies = _answer(batch, request_timeout=1.0)
    assert time.monotonic() - started < 1.6  # not 1.8 s: the rest was not run
    assert [reply["id"] for reply in replies] == list(range(6))
    assert "result" in replies[0] and "error" in replies[-1]
    answered = ["result" in reply for reply in replies]
    assert answered == sorted(answered, reverse=True)  # answers, then only refusals
    assert all(reply["error"]["code"] == LIMIT_EXCEEDED for reply in replies if "error" in reply)


@pytest.mark.parametrize("raw_id", ["NaN", "Infinity", "-Infinity", "1e400", "1.5", "true"])
def test_an_id_json_cannot_echo_is_an_invalid_request(raw_id: str) -> None:
    async def run() -> str | None:
        dispatcher = Dispatcher(_Methods())  # type: ignore[arg-type]
        try:
            text = f'{{"jsonrpc":"2.0","id":{raw_id},"method":"chain_getBlockByHeight"}}'
            return await dispatcher.respond(text)
        finally:
            dispatcher.close()

    text = asyncio.run(run())
    assert text is not None
    reply = json.loads(text, parse_constant=_no_constant)
    assert reply["id"] is None
    assert reply["error"]["code"] == INVALID_REQUEST, reply
    assert '"id" must be a string, an integer or null' in reply["error"]["message"]


def test_integer_and_string_ids_are_echoed() -> None:
    assert _answer(_request("chain_getBlockByHeight", 2**70))["id"] == 2**70
    assert _answer(_request("chain_getBlockByHeight", "abc"))["id"] == "abc"


def test_a_slow_plugin_endpoint_does_not_hold_up_live_state_reads() -> None:
    async def run() -> list[str]:
        dispatcher = Dispatcher(_Methods())  # type: ignore[arg-type]
        finished: list[str] = []

        async def ask(method: str, **params: Any) -> None:
            await dispatcher.dispatch(_request(method, **params))
            finished.append(method)

        try:
            await asyncio.gather(
                ask("hello_slow", sleep=0.5), ask("txpool_getTransactionsFromPool")
            )
        finally:
            dispatcher.close()
        return finished

    assert asyncio.run(run()) == ["txpool_getTransactionsFromPool", "hello_slow"]
