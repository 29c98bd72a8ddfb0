"""On-chain stores: a module's prefixed key space in the state, values encoded by schema."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol, TypeVar

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.crypto.utils import hash as sha256
from klayr_py.errors import NotFoundError
from klayr_py.modules._declared import Declared

T = TypeVar("T")

ADDRESS_LENGTH = 20


class SubStore(Protocol):
    """A prefixed view of the state (what ``ctx.get_store(prefix, sub_prefix)`` returns)."""

    def get(self, key: bytes) -> bytes: ...
    def has(self, key: bytes) -> bool: ...
    def set(self, key: bytes, value: bytes) -> None: ...
    def delete(self, key: bytes) -> None: ...
    def iterate(
        self,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[tuple[bytes, bytes]]: ...


class StoreContext(Protocol):
    """Any context that reaches the on-chain state: hook contexts, method contexts, endpoints."""

    def get_store(self, store_prefix: bytes, sub_store_prefix: bytes) -> SubStore: ...


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


class _PrefixedStore(Declared[T]):
    """Shared machinery of on-chain and off-chain stores."""

    _suffix = "Store"

    store_prefix: bytes
    sub_store_prefix: bytes
    module_name: str = ""

    @property
    def key(self) -> bytes:
        """store_prefix + sub_store_prefix: the 6 bytes every key of this store starts with."""
        return self.store_prefix + self.sub_store_prefix

    def _sub_store(self, ctx: Any) -> SubStore:
        sub: SubStore = ctx.get_store(self.store_prefix, self.sub_store_prefix)
        return sub

    def get(self, ctx: Any, key: bytes = b"") -> T:
        """The value at ``key``; raises NotFoundError when there is none, naming the module,
        the store and the key (a 20-byte key as the Klayr32 address it almost always is)."""
        try:
            raw = self._sub_store(ctx).get(key)
        except NotFoundError:
            raise NotFoundError(self._missing(key)) from None
        return self.values.decode(raw)

    def _missing(self, key: bytes) -> str:
        owner = f"the {self.module_name} module's" if self.module_name else "the"
        where = f"{owner} {self.name} store"
        if not key:
            return f"{where} holds no value yet"
        if len(key) == ADDRESS_LENGTH:
            return f"{where} holds nothing for address {get_klayr32_address_from_address(key)}"
        return f"{where} holds nothing under key {key.hex()}"

    def has(self, ctx: Any, key: bytes = b"") -> bool:
        """Whether ``key`` holds a value."""
        return self._sub_store(ctx).has(key)

    def set(self, ctx: Any, key: bytes, value: T | dict[str, Any]) -> None:
        """Store ``value`` (a model instance or dict) at ``key``."""
        self._sub_store(ctx).set(key, self.values.encode(value))

    def delete(self, ctx: Any, key: bytes = b"") -> None:
        """Remove ``key`` (Klayr's ``del``)."""
        self._sub_store(ctx).delete(key)

    def iterate(
        self,
        ctx: Any,
        gte: bytes | None = None,
        lte: bytes | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[KeyValue]:
        """Entries with ``gte <= key <= lte`` in key order (or reverse), values decoded."""
        decode = self.values.decode
        return [
            KeyValue(key, decode(value))
            for key, value in self._sub_store(ctx).iterate(
                gte=gte, lte=lte, limit=limit, reverse=reverse
            )
        ]


class BaseStore(_PrefixedStore[T]):
    """An on-chain store: part of the state root, reverted with its block.

    ``BaseStore(module_name, index)``: the prefix comes from the module name and the store's index
    within its module, exactly as Klayr computes them, so keys are byte-compatible.
    """

    def __init__(self, module_name: str, index: int) -> None:
        super().__init__()
        self.module_name = module_name
        self.store_prefix = compute_store_prefix(module_name)
        self.sub_store_prefix = compute_sub_store_prefix(index)


BaseStore._generic_base = BaseStore


class BaseSingletonStore(BaseStore[T]):
    """A store of one value (a counter, a config): the empty key, no key arguments.

    Klayr modules keep such values under the empty key, so this is byte-compatible with them.
    """

    def get_value(self, ctx: Any) -> T:
        """The value; raises NotFoundError before it is first set."""
        return self.get(ctx, b"")

    def set_value(self, ctx: Any, value: T) -> None:
        """Store the value."""
        self.set(ctx, b"", value)

    def has_value(self, ctx: Any) -> bool:
        """Whether the value was set."""
        return self.has(ctx, b"")
