"""BlockAssets: encoding, asset root and Klayr's ordering and size rules."""

from __future__ import annotations

import pytest
from hypothesis import given

from klayr_py import codec
from klayr_py.chain import BlockAsset, BlockAssets, BlockError, schemas
from klayr_py.chain.constants import EMPTY_HASH, MAX_ASSET_DATA_SIZE_BYTES
from klayr_py.errors import CodecError
from klayr_py.tree import merkle_root

from .strategies import block_assets


@given(block_assets())
def test_round_trips_and_root(assets: BlockAssets) -> None:
    assets.validate()
    assets.validate_genesis()
    encoded = assets.get_bytes()
    assert encoded == [
        codec.encode(schemas.BLOCK_ASSET_SCHEMA, {"module": a.module, "data": a.data})
        for a in assets
    ]
    assert BlockAssets.from_bytes(encoded) == assets
    assert BlockAssets.from_json(assets.to_json()) == assets
    assert assets.get_root() == merkle_root(encoded)
    modules = [asset.module for asset in assets]
    assert modules == sorted(modules) and len(set(modules)) == len(modules)


def test_empty_assets() -> None:
    assets = BlockAssets()
    assert assets.get_root() == EMPTY_HASH
    assert assets.get_bytes() == [] and assets.to_json() == [] and len(assets) == 0
    assets.validate()


def test_with_asset_keeps_klayrs_order_and_refuses_a_second_asset() -> None:
    assets = BlockAssets().with_asset("token", b"\x01").with_asset("auth", b"").with_asset("B", b"")
    # Klayr compares module names with JavaScript's `>`: code units, so upper case first.
    assert [a.module for a in assets] == ["B", "auth", "token"]
    assets.validate()
    assert assets.get_asset("auth") == b"" and assets.get_asset("pos") is None
    with pytest.raises(BlockError, match='"token" is already set'):
        assets.with_asset("token", b"\x02")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("token", b""), ("auth", b"")], "not sorted"),
        ([("auth", b""), ("auth", b"\x01")], "auth has duplicate entries"),
        ([("to-ken", b"")], "module name 'to-ken'"),
        ([("token", b"\x00" * (MAX_ASSET_DATA_SIZE_BYTES + 1))], "data size more than 18"),
    ],
)
def test_validate_failures(pairs: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(BlockError, match=message):
        BlockAssets([BlockAsset(m, d) for m, d in pairs]).validate()


def test_genesis_allows_any_name_and_size_but_not_disorder() -> None:
    BlockAssets([BlockAsset("to-ken", b"\x00" * 1000), BlockAsset("zz", b"")]).validate_genesis()
    with pytest.raises(BlockError, match="not sorted"):
        BlockAssets([BlockAsset("b", b""), BlockAsset("a", b"")]).validate_genesis()
    with pytest.raises(BlockError, match="duplicate"):
        BlockAssets([BlockAsset("a", b""), BlockAsset("a", b"")]).validate_genesis()


def test_order_is_javascripts_for_any_string() -> None:
    # U+1F600 sorts after U+FF5E in Python, before it in UTF-16 code units (as in JavaScript).
    BlockAssets([BlockAsset("\U0001f600", b""), BlockAsset("\uff5e", b"")]).validate_genesis()
    with pytest.raises(BlockError, match="not sorted"):
        BlockAssets([BlockAsset("\uff5e", b""), BlockAsset("\U0001f600", b"")]).validate_genesis()


def test_from_bytes_and_json_are_strict() -> None:
    with pytest.raises(CodecError):
        BlockAssets.from_bytes([b"\x0a\x01a"])
    with pytest.raises(BlockError, match=r"assets\[1\] JSON is missing 'data'"):
        BlockAssets.from_json([{"module": "a", "data": ""}, {"module": "b"}])
    with pytest.raises(BlockError, match=r"assets\[0\]"):
        BlockAssets.from_json([{"module": "a", "data": "zz"}])
