"""Each Rust kernel against its Python twin on one block's worth of work, interleaved.

Run by hand (not in CI; needs the extension built):
    python benchmarks/bench_native.py [--rounds 15] [--state-keys 100000]

Inputs are shaped like a block of 1,000 createHello transactions: an event tree of 4,000 leaves
(1,000 topics of 3 events and a topic shared by 1,000, 12-byte keys), 1,000 transaction IDs for
the regular Merkle root, and 1,000 new 38-byte keys (with 1,000 updates of existing ones) into a
state tree of ``--state-keys`` keys held in memory; and 1,000 encodings and decodings of a
transaction and of a block header (bench_codec.py's values) with each codec path. Each round
times every kernel once with each implementation, by this thread's CPU time; printed are the
median and range over the rounds and the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from bench_codec import BLOCK_HEADER, TRANSACTION  # noqa: E402

from klayr_py import _native_loader  # noqa: E402
from klayr_py.chain.schemas import BLOCK_HEADER_SCHEMA, TRANSACTION_SCHEMA  # noqa: E402
from klayr_py.codec import compile_schema  # noqa: E402
from klayr_py.codec._codegen import generate  # noqa: E402
from klayr_py.tree import EMPTY_HASH, InMemoryNodeStore, merkle_tree  # noqa: E402
from klayr_py.tree import sparse_merkle_tree as smt  # noqa: E402


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _event_leaves() -> tuple[list[bytes], list[bytes]]:
    pairs: dict[bytes, bytes] = {}
    shared = _sha(b"generator")[:8]
    for index in range(1000):
        topic = _sha(index.to_bytes(4, "big"))[:8]
        for event in range(3):
            key = topic + ((3 * index + event) << 2).to_bytes(4, "big")
            pairs[key] = _sha(key)
        pairs[shared + ((3000 + index) << 2).to_bytes(4, "big")] = _sha(bytes(index % 256))
    keys = sorted(pairs)
    return keys, [pairs[key] for key in keys]


def _state_tree(size: int) -> tuple[InMemoryNodeStore, bytes, dict[bytes, bytes]]:
    """A tree of ``size`` keys (built in batches by the native update) and one block's changes."""
    store = InMemoryNodeStore()
    root = EMPTY_HASH
    update = _native_loader.pick("apply_changes", smt._py_apply_changes)
    for start in range(0, size, 50_000):
        batch = {
            b"\x00" * 6 + _sha(i.to_bytes(8, "big")): b"value"
            for i in range(start, min(size, start + 50_000))
        }
        root = update(store, root, batch, 38, 4)
    changes = {b"\x00" * 6 + _sha(b"new" + i.to_bytes(8, "big")): b"fresh" for i in range(1000)}
    changes.update({b"\x00" * 6 + _sha(i.to_bytes(8, "big")): b"changed" for i in range(1000)})
    return store, root, changes


def _cpu_ms(work: Callable[[], object]) -> float:
    started = time.thread_time()
    work()
    return (time.thread_time() - started) * 1000


def main() -> None:
    """Time the kernels and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--state-keys", type=int, default=100_000)
    args = parser.parse_args()
    native = _native_loader.native
    if native is None:
        raise SystemExit("the Rust extension is not in use: build it or unset KLAYR_PY_NO_NATIVE")
    keys, values = _event_leaves()
    ids = [_sha(i.to_bytes(4, "big")) for i in range(1000)]
    store, root, changes = _state_tree(args.state_keys)
    cases: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "event root (4,000 leaves)": (
            lambda: native.sorted_root(keys, values, 12, 0),
            lambda: smt._py_sorted_root(keys, values, 12, 0),
        ),
        "transaction root (1,000 IDs)": (
            lambda: native.merkle_root(ids),
            lambda: merkle_tree._py_merkle_root(ids),
        ),
        f"state tree update (2,000 changes, {args.state_keys:,} keys)": (
            lambda: native.apply_changes(store, root, changes, 38, 4),
            lambda: smt._py_apply_changes(store, root, changes, 38, 4),
        ),
    }
    for label, schema, value in (
        ("transaction", TRANSACTION_SCHEMA, TRANSACTION),
        ("block header", BLOCK_HEADER_SCHEMA, BLOCK_HEADER),
    ):
        compiled = compile_schema(schema)
        python_encode, python_decode = generate(compiled.spec)
        data = python_encode(value)
        cases[f"encode {label} x1,000"] = (
            lambda e=compiled.encode, v=value: [e(v) for _ in range(1000)],
            lambda e=python_encode, v=value: [e(v) for _ in range(1000)],
        )
        cases[f"decode {label} x1,000"] = (
            lambda d=compiled.decode, b=data: [d(b) for _ in range(1000)],
            lambda d=python_decode, b=data: [d(b) for _ in range(1000)],
        )
    for rust, python in cases.values():
        assert rust() == python()
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
    for _ in range(args.rounds):
        for name, (rust, python) in cases.items():
            times[name][0].append(_cpu_ms(rust))
            times[name][1].append(_cpu_ms(python))
    print(f"CPU ms per call, {args.rounds} interleaved rounds: median (range)")
    for name, (rust, python) in times.items():
        ratios = [p / r for r, p in zip(rust, python, strict=True) if r > 0]
        print(
            f"  {name}: Rust {statistics.median(rust):.2f} ({min(rust):.2f}-{max(rust):.2f}), "
            f"Python {statistics.median(python):.2f} ({min(python):.2f}-{max(python):.2f}), "
            f"Python/Rust {statistics.median(ratios):.1f}x"
        )


if __name__ == "__main__":
    main()
