"""Klayr values as ABCI messages: events, validator updates, timestamps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from klayr_py.chain import Event
from klayr_py.contexts.hooks import NextValidators
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.cometbft.proto.tendermint.crypto import keys_pb2

__all__ = ["abci_events", "validator_updates", "weights_of"]


def abci_events(events: Iterable[Event]) -> list[abci.Event]:
    """Klayr events as ABCI events: type ``<module>.<name>``, hex data and topics, the index."""
    return [
        abci.Event(
            type=f"{event.module}.{event.name}",
            attributes=[
                abci.EventAttribute(key="data", value=event.data.hex()),
                abci.EventAttribute(
                    key="topics", value=",".join(topic.hex() for topic in event.topics), index=True
                ),
                abci.EventAttribute(key="index", value=str(event.index)),
            ],
        )
        for event in events
    ]


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
