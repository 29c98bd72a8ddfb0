"""ABCI framing: uvarint lengths as Go writes them, and every way a stream can break."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.node.cometbft.framing import (
    MAX_FRAME_BYTES,
    FramingError,
    MessageError,
    decode_request,
    encode_response,
    encode_uvarint,
    read_frame,
)
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci


def _read_all(data: bytes) -> list[bytes]:
    async def scenario() -> list[bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        frames = []
        while (frame := await read_frame(reader)) is not None:
            frames.append(frame)
        return frames

    return asyncio.run(scenario())


def test_uvarint_matches_go_put_uvarint() -> None:
    # Values from Go's encoding/binary: PutUvarint(1)=01, (127)=7f, (128)=80 01, (300)=ac 02.
    assert encode_uvarint(0) == b"\x00"
    assert encode_uvarint(1) == b"\x01"
    assert encode_uvarint(127) == b"\x7f"
    assert encode_uvarint(128) == b"\x80\x01"
    assert encode_uvarint(300) == b"\xac\x02"
    assert encode_uvarint(2**32) == b"\x80\x80\x80\x80\x10"
    with pytest.raises(ValueError, match="negative"):
        encode_uvarint(-1)


@given(st.lists(st.binary(max_size=300), max_size=5))
def test_frames_round_trip(bodies: list[bytes]) -> None:
    stream = b"".join(encode_uvarint(len(body)) + body for body in bodies)
    assert _read_all(stream) == bodies


def test_a_request_as_cometbft_sends_it_decodes() -> None:
    request = abci.Request(info=abci.RequestInfo(version="0.38.26", block_version=11))
    body = request.SerializeToString()
    [frame] = _read_all(encode_uvarint(len(body)) + body)
    assert decode_request(frame) == request


def test_response_frame_is_uvarint_then_body() -> None:
    response = abci.Response(echo=abci.ResponseEcho(message="x" * 200))
    body = response.SerializeToString()
    assert len(body) == 206  # field tags 2 + 3 bytes, message 200 bytes: a 2-byte length
    assert encode_response(response) == b"\xce\x01" + body  # 206 = 0x4e | 0x80, 0x01


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (b"\x85", "inside a frame length"),
        (b"\x05abc", "inside a frame: 3 of 5 bytes"),
        (b"\xff" * 11, "not a varint"),
        (encode_uvarint(MAX_FRAME_BYTES + 1), "exceeds"),
    ],
)
def test_broken_streams_are_framing_errors(stream: bytes, reason: str) -> None:
    with pytest.raises(FramingError, match=reason):
        _read_all(stream)


def test_undecodable_and_empty_bodies_are_message_errors() -> None:
    with pytest.raises(MessageError, match="not an ABCI Request"):
        decode_request(b"\xff\xff\xff")
    with pytest.raises(MessageError, match="no known request type"):
        decode_request(b"")
