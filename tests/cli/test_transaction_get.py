"""``transaction get`` finds a transaction that a block takes out of the pool mid-lookup."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.api_client import RpcClientError
from klayr_py.cli._client import _find_transaction
from klayr_py.errors import KlayrError

TX = {"id": "ab" * 32, "module": "hello", "command": "createHello", "params": ""}


class _Node:
    """Answers as a node whose block lands between the chain and the pool questions."""

    def __init__(self, block_lands_after: int) -> None:
        self.calls = 0
        self.block_lands_after = block_lands_after

    def invoke(self, method: str, params: dict[str, Any]) -> Any:
        self.calls += 1
        in_block = self.calls > self.block_lands_after
        if method == "chain_getTransactionByID":
            if in_block:
                return TX
            raise RpcClientError(-32602, "not found", method=method)
        return [] if in_block else [TX]


def test_a_transaction_moving_from_pool_to_block_is_still_found() -> None:
    # chain: not yet; pool: already gone (the block landed); chain again: there.
    assert _find_transaction(_Node(block_lands_after=1), TX["id"]) == (TX, "in a block")  # type: ignore[arg-type]


def test_pending_and_missing_transactions() -> None:
    assert _find_transaction(_Node(block_lands_after=99), TX["id"]) == (TX, "in the pool")  # type: ignore[arg-type]
    with pytest.raises(KlayrError, match="on the chain or in the node's pool"):
        _find_transaction(_Node(block_lands_after=99), "cd" * 32)  # type: ignore[arg-type]
