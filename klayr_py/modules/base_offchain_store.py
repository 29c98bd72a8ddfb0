"""Off-chain stores: a module's data outside the state root (not reverted with blocks)."""

from __future__ import annotations

from typing import TypeVar

from klayr_py.crypto.utils import hash as sha256
from klayr_py.interfaces import OffchainStoreGetter, SubStore
from klayr_py.modules.base_store import _PrefixedStore, compute_store_prefix

T = TypeVar("T")


class BaseOffchainStore(_PrefixedStore[T, OffchainStoreGetter, OffchainStoreGetter]):
    """``BaseOffchainStore(module_name, version=0)``, reached through ``ctx.get_offchain_store``.

    The sub-store prefix is the first 2 bytes of sha256(store name + 2-byte big-endian version),
    as Klayr computes it.
    """

    def __init__(self, module_name: str, version: int = 0) -> None:
        super().__init__()
        self.version = version
        self.module_name = module_name
        self.store_prefix = compute_store_prefix(module_name)
        self.sub_store_prefix = sha256(self.name.encode() + version.to_bytes(2, "big"))[:2]

    def _reader(self, ctx: OffchainStoreGetter) -> SubStore:
        return ctx.get_offchain_store(self.store_prefix, self.sub_store_prefix)

    _writer = _reader


BaseOffchainStore._generic_base = BaseOffchainStore
