"""The plugin IPC protocol: length-delimited protobuf ``Envelope`` messages on a Unix socket.

``plugin_ipc.proto`` defines the messages (``plugin_ipc_pb2`` is generated from it and committed);
:mod:`klayr_py.plugins.protocol.framing` reads and writes them.
"""

from klayr_py.plugins.protocol.framing import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    FrameError,
    read_envelope,
    write_envelope,
)
from klayr_py.plugins.protocol.plugin_ipc_pb2 import (
    Envelope,
    Event,
    Heartbeat,
    Hello,
    Lagged,
    Request,
    Response,
    Shutdown,
    Welcome,
)

__all__ = [
    "MAX_FRAME_BYTES",
    "PROTOCOL_VERSION",
    "Envelope",
    "Event",
    "FrameError",
    "Heartbeat",
    "Hello",
    "Lagged",
    "Request",
    "Response",
    "Shutdown",
    "Welcome",
    "read_envelope",
    "write_envelope",
]
