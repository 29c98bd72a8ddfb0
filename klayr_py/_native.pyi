"""Types of the optional Rust extension (native/); see klayr_py/_native_loader.py."""

from collections.abc import Callable, Mapping
from typing import Any

from klayr_py.tree.node_store import NodeStore

DEBUG_BUILD: bool

def sorted_root(keys: list[bytes], values: list[bytes], key_length: int, depth: int) -> bytes: ...
def hash_chain(node: bytes, path: str) -> bytes: ...
def chain_nodes(node: bytes, path: str) -> list[bytes]: ...
def merkle_root(leaves: list[bytes]) -> bytes: ...
def apply_changes(
    db: NodeStore,
    root: bytes,
    changes: Mapping[bytes, bytes],
    key_length: int,
    page_height: int,
    stale: list[bytes] | None = None,
) -> bytes: ...

class Decoder:
    def __init__(
        self, program: tuple[Any, ...], fallback: Callable[[Any], dict[str, Any]]
    ) -> None: ...
    def __call__(self, data: Any) -> dict[str, Any]: ...

class Encoder:
    def __init__(self, program: tuple[Any, ...], fallback: Callable[[Any], bytes]) -> None: ...
    def __call__(self, value: Any) -> bytes: ...
