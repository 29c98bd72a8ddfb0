"""The node's JSON-RPC API: Klayr's method names and payloads over HTTP, WebSocket and IPC."""

from klayr_py.node.rpc.dispatch import Dispatcher, RpcLimits
from klayr_py.node.rpc.errors import RpcError
from klayr_py.node.rpc.methods import RpcMethods
from klayr_py.node.rpc.server import MAX_REQUEST_BYTES, RpcServer

__all__ = ["MAX_REQUEST_BYTES", "Dispatcher", "RpcError", "RpcLimits", "RpcMethods", "RpcServer"]
