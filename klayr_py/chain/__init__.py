"""Chain data: Klayr's schemas for transactions, block headers, blocks, assets and events."""

from klayr_py.chain import schemas

__all__ = ["schemas"]
