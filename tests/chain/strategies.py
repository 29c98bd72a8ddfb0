"""Hypothesis strategies for chain objects: valid ones by default, wide ones for the oracle."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from klayr_py.chain import (
    AggregateCommit,
    BlockAsset,
    BlockAssets,
    BlockHeader,
    Event,
    Transaction,
)
from tests.oracle.batch import draw_many  # noqa: F401 - re-exported for the oracle tests

UINT32 = st.integers(0, 2**32 - 1)
UINT64 = st.integers(0, 2**64 - 1)
NAMES = st.from_regex(r"[a-zA-Z0-9]{1,32}", fullmatch=True)
# Names Klayr's validation rejects, or accepts only in genesis: bad characters, too long, empty.
ODD_NAMES = st.one_of(
    NAMES,
    st.text(min_size=0, max_size=40),
    st.from_regex(r"[a-z]{1,10}[-_ .][a-z]{0,10}", fullmatch=True),
)
HASHES = st.binary(min_size=32, max_size=32)
SIGNATURES = st.binary(min_size=64, max_size=64)


def private_keys() -> st.SearchStrategy[bytes]:
    """Klayr's 64-byte private keys: a seed and its public key."""
    from klayr_py.crypto import get_key_pair_from_seed

    return st.binary(min_size=32, max_size=32).map(lambda s: get_key_pair_from_seed(s).private_key)


@st.composite
def transactions(draw: st.DrawFn, *, valid: bool = True) -> Transaction:
    """A transaction; ``valid=False`` also draws ones Klayr's ``validate`` rejects."""
    signatures = st.lists(st.one_of(SIGNATURES, st.just(b"")), min_size=1, max_size=3)
    tx = Transaction(
        module=draw(NAMES),
        command=draw(NAMES),
        nonce=draw(UINT64),
        fee=draw(UINT64),
        sender_public_key=draw(st.binary(min_size=32, max_size=32)),
        params=draw(st.binary(max_size=300)),
        signatures=draw(signatures),
    )
    if valid:
        return tx
    # One defect at a time, so every rule (not only the first Klayr checks) gets exercised.
    defect = draw(
        st.sampled_from(["module", "command", "key", "params", "no signatures", "signature"])
    )
    if defect == "module":
        return replace(tx, module=draw(ODD_NAMES))
    if defect == "command":
        return replace(tx, command=draw(ODD_NAMES))
    if defect == "key":
        return replace(tx, sender_public_key=draw(st.binary(min_size=31, max_size=33)))
    if defect == "params":
        # Around MAX_PARAMS_SIZE (14336): too large for hypothesis to draw byte by byte.
        return replace(tx, params=b"\x01" * draw(st.integers(14334, 14340)))
    if defect == "no signatures":
        return replace(tx, signatures=[])
    return replace(tx, signatures=[*tx.signatures, draw(st.binary(max_size=70))])


@st.composite
def aggregate_commits(draw: st.DrawFn) -> AggregateCommit:
    return AggregateCommit(
        height=draw(UINT32),
        aggregation_bits=draw(st.binary(max_size=8)),
        certificate_signature=draw(st.one_of(st.just(b""), st.binary(min_size=96, max_size=96))),
    )


@st.composite
def block_headers(draw: st.DrawFn, *, signed_length: bool = True) -> BlockHeader:
    """A header with random fields (20-byte generator address, so its JSON is Klayr32)."""
    return BlockHeader(
        version=draw(UINT32),
        timestamp=draw(UINT32),
        height=draw(UINT32),
        previous_block_id=draw(st.one_of(HASHES, st.binary(max_size=40))),
        generator_address=draw(st.binary(min_size=20, max_size=20)),
        transaction_root=draw(HASHES),
        asset_root=draw(HASHES),
        event_root=draw(HASHES),
        state_root=draw(HASHES),
        max_height_prevoted=draw(UINT32),
        max_height_generated=draw(UINT32),
        implies_max_prevotes=draw(st.booleans()),
        validators_hash=draw(HASHES),
        aggregate_commit=draw(aggregate_commits()),
        signature=draw(SIGNATURES if signed_length else st.binary(max_size=70)),
    )


@st.composite
def block_assets(draw: st.DrawFn, *, valid: bool = True) -> BlockAssets:
    """Assets built through ``with_asset`` (so sorted, unique), or with one defect."""
    assets = BlockAssets()
    for module in draw(st.lists(NAMES, unique=True, max_size=6)):
        assets = assets.with_asset(module, draw(st.binary(max_size=18)))
    if valid:
        return assets
    items = list(assets)
    defect = draw(st.sampled_from(["name", "size", "order", "duplicate"]))
    if defect == "name":
        items.insert(draw(st.integers(0, len(items))), BlockAsset(draw(ODD_NAMES), b""))
    elif defect == "size":
        items.append(BlockAsset("zz", draw(st.binary(min_size=19, max_size=30))))
    elif defect == "order" and len(items) > 1:
        items.reverse()
    elif items:
        items.append(items[-1])
    return BlockAssets(items)


@st.composite
def events(draw: st.DrawFn, *, topic_pool: list[bytes] | None = None) -> Event:
    topic = st.sampled_from(topic_pool) if topic_pool else st.binary(max_size=40)
    return Event(
        module=draw(NAMES),
        name=draw(NAMES),
        data=draw(st.binary(max_size=100)),
        topics=draw(st.lists(topic, max_size=4)),
        height=draw(UINT32),
        index=draw(st.integers(0, 2**30 - 1)),
    )
