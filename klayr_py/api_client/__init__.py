"""A client of the node's JSON-RPC API (Klayr's ``@klayr/api-client``), async and sync.

See docs/api_client.md.
"""

from klayr_py.api_client.client import (
    APIClient,
    Callback,
    create_http_client,
    create_ipc_client,
    create_ws_client,
)
from klayr_py.api_client.errors import (
    APIClientError,
    NodeUnreachableError,
    RpcClientError,
    WrongChainError,
)
from klayr_py.api_client.sync import SyncAPIClient, connect
from klayr_py.api_client.transactions import (
    build_transaction,
    command_params_schema,
    compute_min_fee,
    decode_params,
    encode_params,
    parse_private_key,
)

__all__ = [
    "APIClient",
    "APIClientError",
    "Callback",
    "NodeUnreachableError",
    "RpcClientError",
    "SyncAPIClient",
    "WrongChainError",
    "build_transaction",
    "command_params_schema",
    "compute_min_fee",
    "connect",
    "create_http_client",
    "create_ipc_client",
    "create_ws_client",
    "decode_params",
    "encode_params",
    "parse_private_key",
]
