"""Klayr's block assets (``@klayr/chain`` ``block_assets.js``): per-module data in a block."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from klayr_py import codec
from klayr_py.chain._common import cached, check_schema, require_fields
from klayr_py.chain.constants import MAX_ASSET_DATA_SIZE_BYTES, is_valid_name
from klayr_py.chain.schemas import BLOCK_ASSET_SCHEMA
from klayr_py.errors import BlockError
from klayr_py.tree import merkle_root

__all__ = ["BlockAsset", "BlockAssets"]


def _js_order(module: str) -> bytes:
    """A sort key ordering strings as JavaScript's ``<`` does: by UTF-16 code units.

    Klayr checks the order with ``>``; Python's str order (code points) differs from it only
    beyond the Basic Multilingual Plane, but the genesis check admits any string.
    """
    return module.encode("utf-16-be", "surrogatepass")


@dataclass(frozen=True)
class BlockAsset:
    """The asset of one module in a block: opaque ``data`` the module decodes itself."""

    module: str
    data: bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> BlockAsset:
        """Decode Klayr's encoding strictly; a flaw raises :class:`CodecError` naming the field."""
        value = codec.decode(BLOCK_ASSET_SCHEMA, data)
        return cls(value["module"], value["data"])

    def get_bytes(self) -> bytes:
        """The encoded asset: a leaf of the asset root."""
        return codec.encode(BLOCK_ASSET_SCHEMA, self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """Klayr's properties: ``module`` and ``data`` bytes."""
        return {"module": self.module, "data": self.data}

    def to_json(self) -> dict[str, Any]:
        """Klayr's JSON form: ``module`` and hex ``data``."""
        return {"module": self.module, "data": self.data.hex()}


@dataclass(frozen=True)
class BlockAssets:
    """The assets of a block, in the order given (as decoded: :meth:`validate` checks it).

    Immutable; :meth:`with_asset` returns a copy with one more asset, kept in the order Klayr
    validates, so assets built that way always pass the ordering checks.
    """

    assets: Sequence[BlockAsset] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.assets, tuple):
            object.__setattr__(self, "assets", tuple(self.assets))

    @classmethod
    def from_bytes(cls, values: Iterable[bytes]) -> BlockAssets:
        """Decode each encoded asset of a block."""
        return cls([BlockAsset.from_bytes(value) for value in values])

    @classmethod
    def from_json(cls, values: Iterable[Mapping[str, Any]]) -> BlockAssets:
        """Parse Klayr's JSON form: a list of ``{"module", "data" (hex)}``."""
        assets = []
        for position, value in enumerate(values):
            where = f"assets[{position}]"
            require_fields(value, ("module", "data"), BlockError, where)
            try:
                decoded = codec.from_json(BLOCK_ASSET_SCHEMA, value)
            except (TypeError, ValueError) as exc:
                raise BlockError(f"invalid {where} JSON: {exc}") from exc
            assets.append(BlockAsset(decoded["module"], decoded["data"]))
        return cls(assets)

    def __iter__(self) -> Iterator[BlockAsset]:
        return iter(self.assets)

    def __len__(self) -> int:
        return len(self.assets)

    def get_all(self) -> list[BlockAsset]:
        """Every asset, in order."""
        return list(self.assets)

    def get_asset(self, module: str) -> bytes | None:
        """The data of ``module``'s asset, or None when it has none."""
        for asset in self.assets:
            if asset.module == module:
                return asset.data
        return None

    def with_asset(self, module: str, data: bytes) -> BlockAssets:
        """A copy with ``module``'s asset added in sorted position; a module may set one asset."""
        if self.get_asset(module) is not None:
            raise BlockError(f'Module asset for "{module}" is already set.')
        return BlockAssets(
            sorted((*self.assets, BlockAsset(module, data)), key=lambda a: _js_order(a.module))
        )

    def get_bytes(self) -> list[bytes]:
        """Each asset encoded, in order: what a block carries and the asset root is built from."""
        return list(self._bytes)

    def get_root(self) -> bytes:
        """The asset root: the Merkle root (LIP 0031) of :meth:`get_bytes`."""
        return merkle_root(self._bytes)

    def to_json(self) -> list[dict[str, Any]]:
        """Klayr's JSON form: a list of ``{"module", "data" (hex)}``."""
        return [asset.to_json() for asset in self.assets]

    def validate(self) -> None:
        """Klayr's checks outside genesis: schema, module names, data size, sorted, unique.

        Raises :class:`BlockError` at the first asset that breaks a rule, in Klayr's order.
        """
        self._validate(genesis=False)

    def validate_genesis(self) -> None:
        """Klayr's checks of genesis assets: schema, sorted, unique (any name, any size)."""
        self._validate(genesis=True)

    def _validate(self, *, genesis: bool) -> None:
        last: BlockAsset | None = None
        for position, asset in enumerate(self.assets):
            where = f"assets[{position}]"
            check_schema(BLOCK_ASSET_SCHEMA, asset.to_dict(), BlockError, where)
            if not genesis:
                if not is_valid_name(asset.module):
                    raise BlockError(
                        f"Invalid module name {asset.module!r} in {where}: letters and digits only"
                    )
                if len(asset.data) > MAX_ASSET_DATA_SIZE_BYTES:
                    raise BlockError(
                        f"Module with ID {asset.module} has data size more than "
                        f"{MAX_ASSET_DATA_SIZE_BYTES} bytes ({where} has {len(asset.data)})."
                    )
            if last is not None:
                if _js_order(last.module) > _js_order(asset.module):
                    raise BlockError(
                        "Assets are not sorted by the module property value in lexicographical "
                        f"order: {where} ({asset.module!r}) comes after {last.module!r}."
                    )
                if asset.module == last.module:
                    raise BlockError(
                        f"Module with ID {asset.module} has duplicate entries ({where})."
                    )
            last = asset

    @cached
    def _bytes(self) -> tuple[bytes, ...]:
        return tuple(asset.get_bytes() for asset in self.assets)
