"""Klayr values as ABCI messages: events, validator updates, timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from klayr_py.chain import Event
from klayr_py.contexts.hooks import NextValidators
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.cometbft.proto.tendermint.crypto import keys_pb2

__all__ = ["add_abci_events", "validator_updates", "weights_of"]


def add_abci_events(target: Any, events: Iterable[Event]) -> None:
    """Append Klayr ``events`` as ABCI events to the repeated field ``target`` (an ``events``
    field): type ``<module>.<name>``, attributes ``data`` (hex), ``topics`` (hex, comma
    separated; indexed) and ``index``. Built in place: constructing each message and copying
    it into its parent cost twice as much (a FinalizeBlock answer holds six events per
    transfer)."""
    for event in events:
        item = target.add()
        item.type = f"{event.module}.{event.name}"
        data, topics, index = (item.attributes.add() for _ in range(3))
        data.key, data.value = "data", event.data.hex()
        topics.key, topics.value = "topics", ",".join(topic.hex() for topic in event.topics)
        topics.index = True
        index.key, index.value = "index", str(event.index)


def weights_of(validators: NextValidators) -> dict[bytes, int]:
    """BFT weight by generator key (CometBFT's voting power of that consensus key)."""
    return {v.generator_key: v.bft_weight for v in validators.validators}


def validator_updates(
    current: dict[bytes, int], following: dict[bytes, int]
) -> list[abci.ValidatorUpdate]:
    """CometBFT's updates turning the ``current`` set into ``following``: changed or new keys
    with their weight, dropped keys with power 0; sorted by key, so every node sends the same."""
    keys: Sequence[bytes] = sorted(set(current) | set(following))
    return [
        abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=key), power=following.get(key, 0))
        for key in keys
        if current.get(key, 0) != following.get(key, 0)
    ]
