"""The ABCI socket server: in-order answers, Flush, bad input rejected while it serves on."""

from __future__ import annotations

import asyncio
import logging

import pytest

from klayr_py.node.cometbft.application import AbciApplication
from klayr_py.node.cometbft.framing import encode_response, encode_uvarint, read_frame
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.cometbft.server import AbciServer, answer_frame, handle_request


class _CountingApp(AbciApplication):
    """Counts CheckTx calls; CheckTx of b"boom" raises (an application bug)."""

    def __init__(self) -> None:
        self.checked: list[bytes] = []

    def check_tx(self, request: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        if request.tx == b"boom":
            raise RuntimeError("the application broke")
        self.checked.append(request.tx)
        return abci.ResponseCheckTx(code=0, gas_wanted=len(request.tx))


def _frame(request: abci.Request) -> bytes:
    body = request.SerializeToString()
    return encode_uvarint(len(body)) + body


async def _answers(server: AbciServer, stream: bytes, count: int) -> list[abci.Response]:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(stream)
    await writer.drain()
    responses = []
    for _ in range(count):
        body = await asyncio.wait_for(read_frame(reader), 5)
        assert body is not None
        responses.append(abci.Response.FromString(body))
    writer.close()
    return responses


def _serve(app: AbciApplication, stream: bytes, count: int) -> list[abci.Response]:
    async def scenario() -> list[abci.Response]:
        server = AbciServer(app, port=0)
        await server.start()
        try:
            return await _answers(server, stream, count)
        finally:
            await server.close()

    return asyncio.run(scenario())


def test_handle_request_dispatches_by_request_type() -> None:
    app = _CountingApp()
    response = handle_request(app, abci.Request(check_tx=abci.RequestCheckTx(tx=b"abc")))
    assert response.WhichOneof("value") == "check_tx"
    assert response.check_tx.gas_wanted == 3
    echo = handle_request(app, abci.Request(echo=abci.RequestEcho(message="hi")))
    assert echo.echo.message == "hi"


def test_answers_in_order_then_flush() -> None:
    app = _CountingApp()
    stream = b"".join(
        _frame(request)
        for request in [
            abci.Request(echo=abci.RequestEcho(message="one")),
            abci.Request(check_tx=abci.RequestCheckTx(tx=b"tx-1")),
            abci.Request(info=abci.RequestInfo()),
            abci.Request(flush=abci.RequestFlush()),
        ]
    )
    kinds = [response.WhichOneof("value") for response in _serve(app, stream, 4)]
    assert kinds == ["echo", "check_tx", "info", "flush"]
    assert app.checked == [b"tx-1"]


def test_undecodable_frame_gets_an_exception_and_the_connection_serves_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _CountingApp()
    garbage = b"\xff\xff\xff\xff"
    stream = (
        encode_uvarint(len(garbage))
        + garbage
        + _frame(abci.Request(check_tx=abci.RequestCheckTx(tx=b"after")))
        + _frame(abci.Request(flush=abci.RequestFlush()))
    )
    with caplog.at_level(logging.WARNING, logger="klayr_py.cometbft"):
        first, second, _ = _serve(app, stream, 3)
    assert first.WhichOneof("value") == "exception"
    assert "not an ABCI Request" in first.exception.error
    assert "not an ABCI Request" in caplog.text
    assert second.check_tx.code == 0
    assert app.checked == [b"after"]  # the garbage never reached the application


def test_application_error_is_an_exception_response() -> None:
    app = _CountingApp()
    stream = _frame(abci.Request(check_tx=abci.RequestCheckTx(tx=b"boom")))
    [response] = _serve(app, stream, 1)
    assert response.exception.error == "check_tx failed: the application broke"


def test_broken_length_closes_only_that_connection(caplog: pytest.LogCaptureFixture) -> None:
    app = _CountingApp()

    async def scenario() -> list[abci.Response]:
        server = AbciServer(app, port=0)
        await server.start()
        try:
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"\xff" * 11)  # not a varint: the framing is lost
            await writer.drain()
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
            writer.close()
            stream = _frame(abci.Request(check_tx=abci.RequestCheckTx(tx=b"next")))
            return await _answers(server, stream, 1)  # a new connection is served
        finally:
            await server.close()

    with caplog.at_level(logging.WARNING, logger="klayr_py.cometbft"):
        [response] = asyncio.run(scenario())
    assert "not a varint" in caplog.text
    assert response.check_tx.code == 0
    assert app.checked == [b"next"]


def test_answers_to_requests_that_arrived_together_leave_in_one_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _CountingApp()
    writes: list[int] = []
    original = asyncio.StreamWriter.write

    def counted(self: asyncio.StreamWriter, data: bytes | bytearray | memoryview) -> None:
        writes.append(len(data))
        original(self, data)

    monkeypatch.setattr(asyncio.StreamWriter, "write", counted)
    requests = [abci.Request(check_tx=abci.RequestCheckTx(tx=b"t%d" % i)) for i in range(200)]
    stream = b"".join(_frame(r) for r in [*requests, abci.Request(flush=abci.RequestFlush())])
    responses = _serve(app, stream, 201)
    expected = [len(r.check_tx.tx) for r in requests]
    assert [r.check_tx.gas_wanted for r in responses[:200]] == expected
    assert responses[200].WhichOneof("value") == "flush"
    assert len(writes) - 1 <= 3  # the client's one write, then a few of the server's, not 201


class _BlockApp(_CountingApp):
    """Answers FinalizeBlock with results and events, as a real application does."""

    def finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        response = abci.ResponseFinalizeBlock(app_hash=b"\x01" * 32)
        for tx in request.txs:
            result = response.tx_results.add(code=0, log=tx.hex())
            result.events.add(type="m.e").attributes.add(key="data", value=tx.hex(), index=True)
        return response


def test_answer_frame_is_the_framed_response_without_a_copy() -> None:
    app = _BlockApp()
    requests = [
        abci.Request(check_tx=abci.RequestCheckTx(tx=b"abc")),
        abci.Request(info=abci.RequestInfo()),
        abci.Request(echo=abci.RequestEcho(message="hi")),
        abci.Request(flush=abci.RequestFlush()),
        abci.Request(commit=abci.RequestCommit()),
        abci.Request(
            finalize_block=abci.RequestFinalizeBlock(txs=[b"t%d" % i for i in range(300)])
        ),
    ]
    for request in requests:
        assert answer_frame(app, request) == encode_response(handle_request(app, request))
