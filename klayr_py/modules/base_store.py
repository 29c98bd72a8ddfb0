"""On-chain stores: a module's prefixed key space in the state, values encoded by schema."""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import NotFoundError
from klayr_py.interfaces import ImmutableStoreGetter, ImmutableSubStore, StoreGetter, SubStore
from klayr_py.modules._declared import Declared

T = TypeVar("T")
R = TypeVar("R")  # the context type that reads the store
W = TypeVar("W")  # the context type that writes it

ADDRESS_LENGTH = 20


class KeyValue(NamedTuple):
    """One entry of an iteration: the key within the store and its decoded value."""

    key: bytes
    value: Any


def compute_store_prefix(module_name: str) -> bytes:
    """First 4 bytes of sha256(module name) with the top bit cleared (Klayr's store prefix)."""
    prefix = bytearray(sha256(module_name.encode())[:4])
    prefix[0] &= 0x7F
    return bytes(prefix)


def compute_sub_store_prefix(index: int) -> bytes:
    """Klayr's sub-store prefix of an on-chain store: its 16-bit index, bits reversed, big-endian.

    (So index 0 is ``0000``, 1 is ``8000``, 2 is ``4000``: prefixes spread across the key space.)
    """
    if not 0 <= index < 1 << 16:
        raise ValueError(f"store index must be 0..65535, got {index}")
    return int(f"{index:016b}"[::-1], 2).to_bytes(2, "big")


class _PrefixedStore(Declared[T], Generic[T, R, W]):
    """Shared machinery of on-chain and off-chain stores; ``R``/``W`` type the contexts.

    Subclasses say how a context yields the sub-store (``_reader``, ``_writer``), so mypy checks
    that an on-chain write gets a writable context and an off-chain one an off-chain context.
    """

    _suffix = "Store"

    store_prefix: bytes
    sub_store_prefix: bytes
    module_name: str = ""

    @property
    def key(self) -> bytes:
        """store_prefix + sub_store_prefix: the 6 bytes every key of this store starts with."""
        return self.store_prefix + self.sub_store_prefix

    def _reader(self, ctx: R) -> ImmutableSubStore:
        raise NotImplementedError

    def _writer(self, ctx: W) -> SubStore:
        raise NotImplementedError

    def get(self, ctx: R, key: bytes = b"") -> T:
        """The value at ``key``; raises NotFoundError when there is none, naming the module,
        the store and the key (a 20-byte key as the Klayr32 address it almost always is)."""
        try:
            raw = self._reader(ctx).get(key)
        except NotFoundError:
            raise NotFoundError(self._missing(key)) from None
        return self.codec.decode(raw)

    def _missing(self, key: bytes) -> str:
        owner = f"the {self.module_name} module's" if self.module_name else "the"
        where = f"{owner} {self.name} store"
        if not key:
            return f"{where} holds no value yet"
        if len(key) == ADDRESS_LENGTH:
            return f"{where} holds nothing for address {get_klayr32_address_from_address(key)}"
        return f"{where} holds nothing under key {key.hex()}"

    def has(self, ctx: R, key: bytes = b"") -> bool:
        """Whether ``key`` holds a value."""
        return self._reader(ctx).has(key)

    def set(self, ctx: W, key: bytes, value: T | dict[str, Any]) -> None:
        """Store ``value`` (a model instance or dict) at ``key``."""
        self._writer(ctx).set(key, self.codec.encode(value))

    def delete(self, ctx: W, key: bytes = b"") -> None:
        """Remove ``key`` (Klayr's ``del``)."""
        self._writer(ctx).delete(key)

    def iterate(
        self,
        ctx: R,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[KeyValue]:
        """Entries with ``gte <= key <= lte`` in key order (or reverse), values decoded."""
        decode = self.codec.decode
        return [
            KeyValue(key, decode(value))
            for key, value in self._reader(ctx).iterate(
                gte=gte, lte=lte, limit=limit, reverse=reverse
            )
        ]


class BaseStore(_PrefixedStore[T, ImmutableStoreGetter, StoreGetter]):
    """An on-chain store: part of the state root, reverted with its block.

    ``BaseStore(module_name, index)``: the prefix comes from the module name and the store's index
    within its module, exactly as Klayr computes them, so keys are byte-compatible.
    """

    def __init__(self, module_name: str, index: int) -> None:
        super().__init__()
        self.module_name = module_name
        self.store_prefix = compute_store_prefix(module_name)
        self.sub_store_prefix = compute_sub_store_prefix(index)

    def _reader(self, ctx: ImmutableStoreGetter) -> ImmutableSubStore:
        return ctx.get_store(self.store_prefix, self.sub_store_prefix)

    def _writer(self, ctx: StoreGetter) -> SubStore:
        return ctx.get_store(self.store_prefix, self.sub_store_prefix)


BaseStore._generic_base = BaseStore


class BaseSingletonStore(BaseStore[T]):
    """A store of one value (a counter, a config): the empty key, no key arguments.

    Klayr modules keep such values under the empty key, so this is byte-compatible with them.
    """

    def get_value(self, ctx: ImmutableStoreGetter) -> T:
        """The value; raises NotFoundError before it is first set."""
        return self.get(ctx, b"")

    def set_value(self, ctx: StoreGetter, value: T) -> None:
        """Store the value."""
        self.set(ctx, b"", value)

    def has_value(self, ctx: ImmutableStoreGetter) -> bool:
        """Whether the value was set."""
        return self.has(ctx, b"")
