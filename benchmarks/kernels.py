"""Switch klayr_py between its Rust kernels and their pure-Python twins inside one process.

``KLAYR_PY_NO_NATIVE=1`` decides once, at import; a side-by-side benchmark needs both in one run
(interleaved rounds share the machine's fast and slow periods), so this swaps the module-level
names the tree code calls and the encode/decode paths of every schema compiled so far. For
benchmarks only: the library never switches at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from klayr_py import _native_loader
from klayr_py.chain import roots
from klayr_py.codec import compiled
from klayr_py.codec._codegen import generate
from klayr_py.tree import merkle_tree, root_builder, sparse_merkle_tree

KERNELS = ("native", "python")

# (module, name the code calls, name of the Python twin in sparse_merkle_tree/merkle_tree)
_SWITCHED = [
    (sparse_merkle_tree, "_sorted_root", sparse_merkle_tree._py_sorted_root),
    (sparse_merkle_tree, "_hash_chain", sparse_merkle_tree._py_hash_chain),
    (sparse_merkle_tree, "_chain_nodes", sparse_merkle_tree._py_chain_nodes),
    (sparse_merkle_tree, "_apply_changes", sparse_merkle_tree._py_apply_changes),
    (root_builder, "_sorted_root", sparse_merkle_tree._py_sorted_root),
    (root_builder, "_hash_chain", sparse_merkle_tree._py_hash_chain),
    (root_builder, "_chain_nodes", sparse_merkle_tree._py_chain_nodes),
    (merkle_tree, "_merkle_root", merkle_tree._py_merkle_root),
    (roots, "_event_root", roots._py_event_root),
    (roots, "_EventRootTask", roots._PyEventRootTask),
]


def native_available() -> bool:
    """Whether the extension is in use in this process (built and not disabled)."""
    return _native_loader.native is not None


_python_paths: dict[int, tuple[Any, Any]] = {}  # id(CompiledSchema) -> generated encode, decode


def _swap_codec_paths(python: bool) -> list[tuple[Any, Any, Any]]:
    """Give every compiled schema its generated Python paths (if ``python``); what to restore."""
    saved = []
    for schema in list(compiled._by_content.values()):
        saved.append((schema, schema.encode, schema.decode))
        if python:
            paths = _python_paths.get(id(schema))
            if paths is None:
                paths = _python_paths[id(schema)] = generate(schema.spec)
            schema.encode, schema.decode = paths
    return saved


@contextmanager
def kernels(which: str) -> Iterator[None]:
    """Run the body on ``which`` kernels ("native": as imported; "python": the twins)."""
    if which not in KERNELS:
        raise ValueError(f"kernels must be one of {KERNELS}, got {which!r}")
    if which == "native" and not native_available():
        raise SystemExit("the Rust extension is not in use: build it or unset KLAYR_PY_NO_NATIVE")
    saved = [(module, name, getattr(module, name)) for module, name, _ in _SWITCHED]
    if which == "python":
        for module, name, twin in _SWITCHED:
            setattr(module, name, twin)
    saved_paths = _swap_codec_paths(which == "python")
    try:
        yield
    finally:
        for module, name, kernel in saved:
            setattr(module, name, kernel)
        for schema, encode, decode in saved_paths:
            schema.encode, schema.decode = encode, decode
