"""The engine's activity as Klayr's named notifications, for whoever publishes them.

``chain_newBlock``, ``chain_deleteBlock`` and ``txpool_newTransaction`` carry Klayr's payloads
(``{blockHeader}``, ``{transaction}``); each event of a new block is ``<module>_<eventName>``
with its data decoded. The RPC server's WebSocket subscribers and the plugins receive the same
notifications through this one mechanism.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from klayr_py.chain import Block, Event, Transaction
from klayr_py.node.rpc.backend import RpcBackend
from klayr_py.node.rpc.methods import decoded_event_json

__all__ = ["forward_notifications", "topic_matches"]

Publish = Callable[[str, Any], None]


def topic_matches(subscribed: str, event_name: str) -> bool:
    """Klayr's subscription rule: the name equals the topic or contains it (``chain_``...)."""
    return subscribed == event_name or subscribed in event_name


def forward_notifications(
    engine: RpcBackend, publish: Publish, wants: Callable[[str], bool]
) -> None:
    """Call ``publish(name, payload)`` for the engine's blocks, deleted blocks, new pool
    transactions, and the events someone ``wants`` (decoding them only then)."""

    def new_block(block: Block, events: list[Event]) -> None:
        publish("chain_newBlock", {"blockHeader": block.header.to_json()})
        for event in events:
            name = f"{event.module}_{event.name}"
            if wants(name):
                publish(name, decoded_event_json(engine, event))

    def deleted_block(block: Block, _events: list[Event]) -> None:
        publish("chain_deleteBlock", {"blockHeader": block.header.to_json()})

    def new_transaction(transaction: Transaction) -> None:
        publish("txpool_newTransaction", {"transaction": transaction.to_json()})

    engine.new_block_listeners.append(new_block)
    engine.delete_block_listeners.append(deleted_block)
    engine.new_transaction_listeners.append(new_transaction)
