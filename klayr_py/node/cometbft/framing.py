"""ABCI framing: each message is an unsigned varint length, then the encoded protobuf.

CometBFT's socket client writes ``Request`` messages this way and reads ``Response`` messages
the same way (``abci/types/messages.go``: ``protoio.NewDelimitedWriter``, ``binary.PutUvarint``).
A length prefix that is not a varint, a frame larger than :data:`MAX_FRAME_BYTES`, or a stream
that ends inside a frame loses the framing for good (:class:`FramingError`: the connection must
close); a complete frame whose body does not decode is a :class:`MessageError` (the server
answers with an exception response and reads on).
"""

from __future__ import annotations

import asyncio

from google.protobuf.message import DecodeError

from klayr_py.errors import KlayrError
from klayr_py.node.cometbft.proto.tendermint.abci.types_pb2 import Request, Response

__all__ = [
    "MAX_FRAME_BYTES",
    "FramingError",
    "MessageError",
    "decode_request",
    "encode_response",
    "encode_uvarint",
    "read_frame",
]

MAX_FRAME_BYTES = 64 << 20
"""Larger than any block CometBFT sends with its default ``max_bytes`` (21 MiB)."""
_MAX_VARINT_BYTES = 10


class FramingError(KlayrError, ValueError):
    """The byte stream is no longer a sequence of ABCI frames; the connection must close."""


class MessageError(KlayrError, ValueError):
    """A complete frame that is not a valid ABCI ``Request``."""


def encode_uvarint(value: int) -> bytes:
    """The unsigned LEB128 varint of ``value`` (Go's ``binary.PutUvarint``)."""
    if value < 0:
        raise ValueError(f"a varint length cannot be negative: {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """The body of the next frame, or None at a clean end of stream (between frames)."""
    length = 0
    for index in range(_MAX_VARINT_BYTES):
        byte = await reader.read(1)
        if not byte:
            if index == 0:
                return None
            raise FramingError("the connection closed inside a frame length")
        length |= (byte[0] & 0x7F) << (7 * index)
        if byte[0] < 0x80:
            break
    else:
        raise FramingError(f"frame length is not a varint: over {_MAX_VARINT_BYTES} bytes")
    if length > MAX_FRAME_BYTES:
        raise FramingError(f"frame of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError as error:
        raise FramingError(
            f"the connection closed inside a frame: {len(error.partial)} of {length} bytes"
        ) from None


def decode_request(body: bytes) -> Request:
    """The ``Request`` in ``body``; :class:`MessageError` if it does not decode or is empty."""
    request = Request()
    try:
        request.ParseFromString(body)
    except DecodeError as error:
        raise MessageError(f"frame is not an ABCI Request: {error}") from None
    if request.WhichOneof("value") is None:
        raise MessageError(f"ABCI Request of {len(body)} bytes carries no known request type")
    return request


def encode_response(response: Response) -> bytes:
    """The frame of ``response``."""
    body = response.SerializeToString()
    return encode_uvarint(len(body)) + body
