"""Klayr events as ABCI events, built in place."""

from __future__ import annotations

from klayr_py.chain import Event
from klayr_py.node.cometbft._convert import add_abci_events
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci


def test_events_become_abci_events_with_hex_data_topics_and_index() -> None:
    events = [
        Event(module="token", name="transfer", data=b"\x01\x02", topics=(b"\xaa", b"\xbb\xcc"),
              height=7, index=3),
        Event(module="hello", name="newHello", data=b"", topics=(), height=7, index=4),
    ]  # fmt: skip
    result = abci.ExecTxResult(code=1)
    add_abci_events(result.events, events)
    expected = [
        abci.Event(
            type="token.transfer",
            attributes=[
                abci.EventAttribute(key="data", value="0102"),
                abci.EventAttribute(key="topics", value="aa,bbcc", index=True),
                abci.EventAttribute(key="index", value="3"),
            ],
        ),
        abci.Event(
            type="hello.newHello",
            attributes=[
                abci.EventAttribute(key="data", value=""),
                abci.EventAttribute(key="topics", value="", index=True),
                abci.EventAttribute(key="index", value="4"),
            ],
        ),
    ]
    assert list(result.events) == expected
    assert result.code == 1  # the rest of the message untouched
    add_abci_events(result.events, [])
    assert len(result.events) == 2
