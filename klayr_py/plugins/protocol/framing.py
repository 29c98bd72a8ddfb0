"""Framing of plugin IPC messages: a 4-byte big-endian length, then the encoded ``Envelope``.

A frame longer than :data:`MAX_FRAME_BYTES` or that does not decode is a :class:`FrameError`:
the peer is misbehaving and the connection is closed (the node then treats the plugin as crashed).
"""

from __future__ import annotations

import asyncio

from google.protobuf.message import DecodeError

from klayr_py.errors import KlayrError
from klayr_py.plugins.protocol.plugin_ipc_pb2 import Envelope

__all__ = ["MAX_FRAME_BYTES", "PROTOCOL_VERSION", "FrameError", "read_envelope", "write_envelope"]

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 4 << 20


class FrameError(KlayrError, ValueError):
    """A frame is oversized or not an Envelope."""


async def read_envelope(reader: asyncio.StreamReader) -> Envelope | None:
    """The next envelope, or None at a clean end of stream."""
    try:
        header = await reader.readexactly(4)
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise FrameError("the connection closed inside a frame header") from None
    length = int.from_bytes(header, "big")
    if length > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError("the connection closed inside a frame") from None
    envelope = Envelope()
    try:
        envelope.ParseFromString(body)
    except DecodeError as error:
        raise FrameError(f"frame is not an Envelope: {error}") from None
    return envelope


def encode_envelope(envelope: Envelope) -> bytes:
    """The frame of ``envelope``."""
    body = envelope.SerializeToString()
    if len(body) > MAX_FRAME_BYTES:
        raise FrameError(f"message of {len(body)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    return len(body).to_bytes(4, "big") + body


async def write_envelope(writer: asyncio.StreamWriter, envelope: Envelope) -> None:
    """Send ``envelope`` and wait until the transport takes it."""
    writer.write(encode_envelope(envelope))
    await writer.drain()
