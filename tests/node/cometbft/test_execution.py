"""The block-assets entry of a CometBFT block: round trip, and broken entries refused by name."""

from __future__ import annotations

import pytest

from klayr_py.chain import BlockAssets
from klayr_py.node.cometbft.execution import (
    ASSETS_MARKER,
    ProposalError,
    decode_assets,
    encode_assets,
    split_entries,
)


def test_assets_entry_round_trips_and_leads_the_transactions() -> None:
    assets = BlockAssets().with_asset("hello", b"\x01\x02").with_asset("token", b"x" * 18)
    entry = encode_assets(assets)
    assert entry.startswith(ASSETS_MARKER)
    assert decode_assets(entry).get_bytes() == assets.get_bytes()
    found, transactions = split_entries([entry, b"\x0atx"])
    assert found.get_bytes() == assets.get_bytes() and transactions == [b"\x0atx"]
    assert len(split_entries([b"\x0atx"])[0]) == 0  # no entry: no assets


@pytest.mark.parametrize(
    ("tail", "reason"),
    [(b"\x85", "truncated length"), (b"\x05ab", "truncated asset"), (b"\x02\xff\xff", "assets")],
)
def test_broken_assets_entries_are_proposal_errors(tail: bytes, reason: str) -> None:
    with pytest.raises(ProposalError, match=reason):
        decode_assets(ASSETS_MARKER + tail)
