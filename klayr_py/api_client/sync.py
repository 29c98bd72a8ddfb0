"""``SyncAPIClient``: :class:`APIClient` for code that is not async (the CLI, scripts, tests).

The async client runs on a private event loop in a daemon thread, so WebSocket notifications
keep arriving between calls; subscription callbacks run on that thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import TimeoutError as FutureTimeoutError
from pathlib import Path
from typing import Any, TypeVar

from klayr_py.api_client.client import DEFAULT_TIMEOUT, APIClient, Callback
from klayr_py.api_client.errors import APIClientError
from klayr_py.chain import Transaction

__all__ = ["SyncAPIClient", "connect"]

T = TypeVar("T")


class SyncAPIClient:
    """The blocking face of an :class:`APIClient`; ``close()`` (or ``with``) when done."""

    def __init__(self, client: APIClient) -> None:
        self.client = client
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="klayr-py-api-client", daemon=True
        )
        self._thread.start()
        try:
            self._run(client.connect())
        except BaseException:
            self._stop_loop()
            raise

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            # The client's own timeout fires first; this one only guards against a stuck loop.
            return future.result(self.client.timeout + 5)
        except FutureTimeoutError:
            future.cancel()
            raise APIClientError(f"no answer from {self.client.address}") from None

    def _stop_loop(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def close(self) -> None:
        """Close the connection and stop the private loop."""
        if self._loop.is_closed():
            return
        try:
            self._run(self.client.close())
        finally:
            self._stop_loop()

    def __enter__(self) -> SyncAPIClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def invoke(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """See :meth:`APIClient.invoke`."""
        return self._run(self.client.invoke(method, params))

    def subscribe(self, topic: str, callback: Callback) -> None:
        """See :meth:`APIClient.subscribe`; ``callback`` runs on the client's thread."""
        self._run(self.client.subscribe(topic, callback))

    def unsubscribe(self, topic: str, callback: Callback | None = None) -> None:
        """See :meth:`APIClient.unsubscribe`."""
        self._run(self.client.unsubscribe(topic, callback))

    def get_node_info(self) -> dict[str, Any]:
        """``system_getNodeInfo``."""
        return self._run(self.client.get_node_info())

    def get_metadata(self) -> dict[str, Any]:
        """``system_getMetadata``."""
        return self._run(self.client.get_metadata())

    def get_schema(self) -> dict[str, Any]:
        """``system_getSchema``."""
        return self._run(self.client.get_schema())

    def get_last_block(self) -> dict[str, Any]:
        """``chain_getLastBlock``."""
        return self._run(self.client.get_last_block())

    def get_block_by_height(self, height: int) -> dict[str, Any]:
        """``chain_getBlockByHeight``."""
        return self._run(self.client.get_block_by_height(height))

    def get_block_by_id(self, block_id: str | bytes) -> dict[str, Any]:
        """``chain_getBlockByID``."""
        return self._run(self.client.get_block_by_id(block_id))

    def get_events(self, height: int) -> list[dict[str, Any]]:
        """See :meth:`APIClient.get_events`."""
        return self._run(self.client.get_events(height))

    def get_auth_account(self, address: str) -> dict[str, Any]:
        """``auth_getAuthAccount``."""
        return self._run(self.client.get_auth_account(address))

    def verify_chain(
        self, chain_id: str, genesis_block_id: str | None = None, *, expected_by: str = "you"
    ) -> None:
        """See :meth:`APIClient.verify_chain`."""
        self._run(self.client.verify_chain(chain_id, genesis_block_id, expected_by=expected_by))

    def next_nonce(self, address: str) -> int:
        """See :meth:`APIClient.next_nonce`."""
        return self._run(self.client.next_nonce(address))

    def create_transaction(
        self,
        module: str,
        command: str,
        params_json: Mapping[str, Any],
        private_key: str | bytes,
        *,
        fee: int | None = None,
        nonce: int | None = None,
    ) -> Transaction:
        """See :meth:`APIClient.create_transaction`."""
        return self._run(
            self.client.create_transaction(
                module, command, params_json, private_key, fee=fee, nonce=nonce
            )
        )

    def send_transaction(self, transaction: Transaction | bytes | str) -> str:
        """``txpool_postTransaction``; the transaction ID."""
        return self._run(self.client.send_transaction(transaction))

    def dry_run_transaction(self, transaction: Transaction | bytes | str) -> dict[str, Any]:
        """``txpool_dryRunTransaction``."""
        return self._run(self.client.dry_run_transaction(transaction))


def connect(target: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> SyncAPIClient:
    """A connected :class:`SyncAPIClient`: ``target`` is a ``ws://``/``http://`` URL, the IPC
    socket, or a data directory (its ``rpc.sock``)."""
    text = str(target)
    if "://" in text:
        client = APIClient.from_url(text, timeout=timeout)
    else:
        client = APIClient.from_ipc(text, timeout=timeout)
    return SyncAPIClient(client)
