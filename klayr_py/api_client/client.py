"""``APIClient``: the node's JSON-RPC API from Python, over WebSocket, HTTP or the IPC socket.

Klayr's ``@klayr/api-client`` in asyncio: ``invoke`` any method, ``subscribe`` to events, and
helpers that build, sign and send transactions from the chain's metadata. A WebSocket client
carries requests and notifications on one connection; an HTTP client POSTs each request and
opens a WebSocket only when something subscribes; an IPC client does the same over the node's
Unix socket (``<dataPath>/rpc.sock``).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from klayr_py.api_client.errors import (
    APIClientError,
    NodeUnreachableError,
    RpcClientError,
    WrongChainError,
)
from klayr_py.api_client.transactions import (
    build_transaction,
    command_params_schema,
    decode_event_data,
    encode_params,
    parse_private_key,
)
from klayr_py.chain import Transaction
from klayr_py.crypto.address import get_klayr32_address_from_public_key
from klayr_py.crypto.ed import get_public_key_from_private_key

__all__ = [
    "APIClient",
    "Callback",
    "create_http_client",
    "create_ipc_client",
    "create_ws_client",
]

Callback = Callable[[Any], Awaitable[None] | None]
"""Called with a notification's ``params`` (a coroutine function is awaited in a task)."""

_Mode = Literal["ws", "http"]
_IPC_BASE = "http://localhost"
DEFAULT_TIMEOUT = 30.0


class APIClient:
    """A connection to one node. Create with :meth:`from_url` or :meth:`from_ipc`, then
    ``await client.connect()`` (or ``async with``); :func:`create_ws_client` does both."""

    def __init__(
        self,
        *,
        mode: _Mode,
        rpc_url: str,
        ws_url: str,
        socket_path: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.mode = mode
        self.rpc_url = rpc_url
        self.ws_url = ws_url
        self.socket_path = socket_path
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._callbacks: dict[str, list[Callback]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._node_info: dict[str, Any] | None = None
        self._metadata: dict[str, Any] | None = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_url(cls, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> APIClient:
        """``ws://host:port/rpc-ws`` (requests and events on one socket) or
        ``http://host:port/rpc`` (subscriptions then use ``/rpc-ws`` on the same host)."""
        parts = urlsplit(url)
        if parts.scheme in ("ws", "wss"):
            http = "https" if parts.scheme == "wss" else "http"
            rpc = urlunsplit((http, parts.netloc, _sibling(parts.path, "/rpc"), "", ""))
            return cls(mode="ws", rpc_url=rpc, ws_url=url, timeout=timeout)
        if parts.scheme in ("http", "https"):
            ws = "wss" if parts.scheme == "https" else "ws"
            ws_url = urlunsplit((ws, parts.netloc, _sibling(parts.path, "/rpc-ws"), "", ""))
            return cls(mode="http", rpc_url=url, ws_url=ws_url, timeout=timeout)
        raise APIClientError(f"unsupported node URL {url!r}: use ws://... or http://...")

    @classmethod
    def from_ipc(cls, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> APIClient:
        """The node's Unix socket; a data directory stands for its ``rpc.sock``."""
        socket_path = Path(path).expanduser()
        if socket_path.is_dir():
            socket_path = socket_path / "rpc.sock"
        return cls(
            mode="http",
            rpc_url=f"{_IPC_BASE}/rpc",
            ws_url=f"{_IPC_BASE}/rpc-ws",
            socket_path=socket_path,
            timeout=timeout,
        )

    @property
    def address(self) -> str:
        """Where the node is, for messages."""
        if self.socket_path is not None:
            return str(self.socket_path)
        return self.ws_url if self.mode == "ws" else self.rpc_url

    # -- connection ---------------------------------------------------------------------------

    async def connect(self) -> APIClient:
        """Open the session (and the WebSocket in ws mode); fails fast if the node is away."""
        if self._session is not None:
            return self
        if self.socket_path is not None and not self.socket_path.exists():
            raise NodeUnreachableError(
                f"cannot reach the node: no IPC socket at {self.socket_path} (is it running "
                'with rpc.modes including "ipc"?)'
            )
        connector: aiohttp.BaseConnector | None = None
        if self.socket_path is not None:
            connector = aiohttp.UnixConnector(path=str(self.socket_path))
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=None, connect=self.timeout)
        )
        if self.mode == "ws":
            try:
                await self._open_socket()
            except BaseException:
                await self.close()
                raise
        return self

    async def close(self) -> None:
        """Close the WebSocket and the session; pending requests fail."""
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        self._socket = None
        self._fail_pending(NodeUnreachableError(f"the connection to {self.address} was closed"))
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> APIClient:
        return await self.connect()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _open_socket(self) -> aiohttp.ClientWebSocketResponse:
        if self._socket is not None and not self._socket.closed:
            return self._socket
        session = self._require_session()
        try:
            socket = await session.ws_connect(self.ws_url, heartbeat=20.0, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as error:
            raise NodeUnreachableError(
                f"the node at {self.address} does not serve WebSocket /rpc-ws "
                f'(HTTP {error.status}); enable rpc mode "ws"'
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._unreachable(error) from None
        self._socket = socket
        self._reader = asyncio.create_task(self._read_loop(socket))
        return socket

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise APIClientError("the client is not connected: call connect() first")
        return self._session

    def _unreachable(self, error: BaseException) -> NodeUnreachableError:
        reason = str(error) or type(error).__name__
        return NodeUnreachableError(
            f"cannot reach the node at {self.address}: {reason} (is it running?)"
        )

    def _fail_pending(self, error: BaseException) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    # -- requests -----------------------------------------------------------------------------

    async def invoke(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call ``method`` with ``params``; the result, or :class:`RpcClientError`."""
        request_id = next(self._ids)
        request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        if self.mode == "ws":
            response = await self._invoke_ws(request)
        else:
            response = await self._invoke_http(request)
        if not isinstance(response, dict):
            raise APIClientError(f"{method}: unexpected answer from the node: {response!r}")
        error = response.get("error")
        if error is not None:
            raise RpcClientError(
                int(error.get("code", 0)), str(error.get("message", "")), error.get("data"), method
            )
        return response.get("result")

    async def _invoke_http(self, request: dict[str, Any]) -> Any:
        session = self._require_session()
        try:
            async with session.post(
                self.rpc_url, json=request, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as answer:
                if answer.status == 404:
                    raise NodeUnreachableError(
                        f"the node at {self.address} does not serve HTTP /rpc; enable rpc "
                        'mode "http"'
                    )
                text = await answer.text()
        except TimeoutError:
            raise APIClientError(
                f"{request['method']}: no answer from {self.address} in {self.timeout:g} s"
            ) from None
        except (aiohttp.ClientError, OSError) as error:
            raise self._unreachable(error) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise APIClientError(f"the node answered with invalid JSON: {text[:200]!r}") from None

    async def _invoke_ws(self, request: dict[str, Any]) -> Any:
        socket = await self._open_socket()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request["id"]] = future
        try:
            await socket.send_str(json.dumps(request))
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise APIClientError(
                f"{request['method']}: no answer from {self.address} in {self.timeout:g} s"
            ) from None
        except (aiohttp.ClientError, ConnectionError) as error:
            if isinstance(error, NodeUnreachableError):
                raise
            raise self._unreachable(error) from None
        finally:
            self._pending.pop(request["id"], None)

    async def _read_loop(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for frame in socket:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = json.loads(frame.data)
                except json.JSONDecodeError:
                    continue
                if not isinstance(message, dict):
                    continue
                if "id" in message and message.get("id") in self._pending:
                    future = self._pending[message["id"]]
                    if not future.done():
                        future.set_result(message)
                elif "method" in message and "id" not in message:
                    self._notify(str(message["method"]), message.get("params"))
        finally:
            if self._socket is socket:
                self._socket = None
            self._fail_pending(NodeUnreachableError(f"the node at {self.address} went away"))

    # -- subscriptions ------------------------------------------------------------------------

    async def subscribe(self, topic: str, callback: Callback) -> None:
        """Call ``callback(params)`` for each ``topic`` notification (``chain_newBlock``,
        ``txpool_newTransaction``, ``hello_newHello`` ...); the node matches substrings."""
        first = topic not in self._callbacks
        self._callbacks.setdefault(topic, []).append(callback)
        if first:
            try:
                await self._subscription("subscribe", topic)
            except BaseException:
                self._callbacks.pop(topic, None)
                raise

    async def unsubscribe(self, topic: str, callback: Callback | None = None) -> None:
        """Stop ``callback`` (or every callback) for ``topic``."""
        callbacks = self._callbacks.get(topic, [])
        if callback is not None and callback in callbacks:
            callbacks.remove(callback)
        else:
            callbacks.clear()
        if not callbacks and topic in self._callbacks:
            del self._callbacks[topic]
            if self._socket is not None:
                await self._subscription("unsubscribe", topic)

    async def _subscription(self, method: str, topic: str) -> None:
        request = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": method,
            "params": {"topics": [topic]},
        }
        response = await self._invoke_ws(request)
        error = response.get("error") if isinstance(response, dict) else None
        if error is not None:
            raise RpcClientError(int(error.get("code", 0)), str(error.get("message")), None, method)

    def _notify(self, event_name: str, params: Any) -> None:
        for topic, callbacks in list(self._callbacks.items()):
            if topic != event_name and topic not in event_name:
                continue
            for callback in list(callbacks):
                outcome = callback(params)
                if inspect.isawaitable(outcome):
                    task = asyncio.ensure_future(outcome)
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    # -- helpers ------------------------------------------------------------------------------

    async def get_node_info(self) -> dict[str, Any]:
        """``system_getNodeInfo``: chain ID, height, genesis config ..."""
        info: dict[str, Any] = await self.invoke("system_getNodeInfo")
        self._node_info = info
        return info

    async def get_metadata(self) -> dict[str, Any]:
        """``system_getMetadata``: every module's commands, events, endpoints (cached)."""
        if self._metadata is None:
            self._metadata = await self.invoke("system_getMetadata")
        return self._metadata

    async def get_schema(self) -> dict[str, Any]:
        """``system_getSchema``: the block, header, transaction and event schemas."""
        schema: dict[str, Any] = await self.invoke("system_getSchema")
        return schema

    async def get_last_block(self) -> dict[str, Any]:
        """``chain_getLastBlock`` (JSON)."""
        block: dict[str, Any] = await self.invoke("chain_getLastBlock")
        return block

    async def get_block_by_height(self, height: int) -> dict[str, Any]:
        """``chain_getBlockByHeight`` (JSON)."""
        block: dict[str, Any] = await self.invoke("chain_getBlockByHeight", {"height": height})
        return block

    async def get_block_by_id(self, block_id: str | bytes) -> dict[str, Any]:
        """``chain_getBlockByID`` (JSON)."""
        block: dict[str, Any] = await self.invoke("chain_getBlockByID", {"id": _hex(block_id)})
        return block

    async def get_events(self, height: int) -> list[dict[str, Any]]:
        """``chain_getEvents`` with each event's ``data`` decoded (Klayr's ``event.get``): the
        node sends it as hex, the schemas come from the metadata; ``commandExecutionResult``
        becomes ``{"success": true|false}``."""
        metadata = await self.get_metadata()
        events: list[dict[str, Any]] = await self.invoke("chain_getEvents", {"height": height})
        return [decode_event_data(event, metadata) for event in events]

    async def get_auth_account(self, address: str) -> dict[str, Any]:
        """``auth_getAuthAccount``: nonce (a decimal string) and multisignature keys."""
        account: dict[str, Any] = await self.invoke("auth_getAuthAccount", {"address": address})
        return account

    async def verify_chain(
        self, chain_id: str, genesis_block_id: str | None = None, *, expected_by: str = "you"
    ) -> None:
        """:class:`WrongChainError` naming both sides unless the node runs chain ``chain_id``
        (hex) from genesis block ``genesis_block_id`` (hex; not checked when None).

        ``expected_by`` says who expects that chain (e.g. ``config/config.json``), for the
        message. Two dev chains on one machine share accounts and often a port: without this a
        command meant for one would quietly read, or post to, the other.
        """
        info = await self.get_node_info()
        node_chain = str(info["chainID"])
        where = f"the node at {self.address}"
        if node_chain.lower() != chain_id.lower():
            raise WrongChainError(
                f"{where} runs chain {node_chain}, but {expected_by} expects chain "
                f"{chain_id.lower()}: refusing to act on the wrong chain (is another chain's "
                "node on that address? start the right node, or point --url/--config at it)"
            )
        if genesis_block_id is None:
            return
        genesis = await self.get_block_by_height(int(info.get("genesisHeight", 0)))
        node_genesis = str(genesis["header"]["id"])
        if node_genesis.lower() != genesis_block_id.lower():
            raise WrongChainError(
                f"{where} runs chain {node_chain} from genesis block {node_genesis}, but "
                f"{expected_by} expects genesis block {genesis_block_id.lower()}: refusing to "
                "act on the wrong chain (is another node of the same chain ID on that address?)"
            )

    async def next_nonce(self, address: str) -> int:
        """The nonce of ``address``'s next transaction: the account's confirmed nonce, skipping
        the nonces its transactions in the node's pool already hold (two quick sends must not
        both take the same nonce)."""
        nonce = int((await self.get_auth_account(address))["nonce"])
        pending = await self.invoke("txpool_getTransactionsFromPool", {"address": address})
        taken = {int(entry["nonce"]) for entry in pending}
        while nonce in taken:
            nonce += 1
        return nonce

    async def get_min_fee_per_byte(self) -> int:
        """``fee_getMinFeePerByte``, else the node's ``genesis.minFeePerByte``."""
        try:
            answer = await self.invoke("fee_getMinFeePerByte")
            return int(answer["minFeePerByte"])
        except (RpcClientError, KeyError, TypeError, ValueError):
            info = self._node_info or await self.get_node_info()
            return int(info.get("genesis", {}).get("minFeePerByte", 1000))

    async def create_transaction(
        self,
        module: str,
        command: str,
        params_json: Mapping[str, Any],
        private_key: str | bytes,
        *,
        fee: int | None = None,
        nonce: int | None = None,
    ) -> Transaction:
        """A signed transaction: params encoded with the command's schema from the metadata,
        the account's next nonce unless given (:meth:`next_nonce`, pool included), Klayr's
        minimum fee unless given."""
        key = parse_private_key(private_key)
        public_key = get_public_key_from_private_key(key)
        info = self._node_info or await self.get_node_info()
        schema = command_params_schema(await self.get_metadata(), module, command)
        params = encode_params(schema, params_json)
        if nonce is None:
            nonce = await self.next_nonce(get_klayr32_address_from_public_key(public_key))
        min_fee_per_byte = await self.get_min_fee_per_byte() if fee is None else 0
        return build_transaction(
            module=module,
            command=command,
            params=params,
            nonce=nonce,
            chain_id=bytes.fromhex(info["chainID"]),
            min_fee_per_byte=min_fee_per_byte,
            private_key=key,
            fee=fee,
        )

    async def send_transaction(self, transaction: Transaction | bytes | str) -> str:
        """``txpool_postTransaction``; the transaction ID (hex)."""
        if isinstance(transaction, Transaction):
            transaction = transaction.get_bytes()
        answer = await self.invoke("txpool_postTransaction", {"transaction": _hex(transaction)})
        return str(answer["transactionId"])

    async def dry_run_transaction(self, transaction: Transaction | bytes | str) -> dict[str, Any]:
        """``txpool_dryRunTransaction``: result (1 ok, 0 fail, -1 invalid) and events."""
        if isinstance(transaction, Transaction):
            transaction = transaction.get_bytes()
        answer: dict[str, Any] = await self.invoke(
            "txpool_dryRunTransaction", {"transaction": _hex(transaction)}
        )
        return answer


def _hex(value: str | bytes) -> str:
    return value.hex() if isinstance(value, bytes) else value


def _sibling(path: str, route: str) -> str:
    """``/rpc`` <-> ``/rpc-ws`` on the same prefix."""
    for known in ("/rpc-ws", "/rpc"):
        if path.endswith(known):
            return path[: -len(known)] + route
    return path.rstrip("/") + route


async def create_ws_client(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> APIClient:
    """A connected client over WebSocket (Klayr's ``createWSClient``)."""
    return await APIClient.from_url(url, timeout=timeout).connect()


async def create_http_client(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> APIClient:
    """A connected client over HTTP."""
    return await APIClient.from_url(url, timeout=timeout).connect()


async def create_ipc_client(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> APIClient:
    """A connected client over the node's IPC socket (a data directory or the socket)."""
    return await APIClient.from_ipc(path, timeout=timeout).connect()
