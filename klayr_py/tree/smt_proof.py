"""Sparse Merkle tree proofs (LIP 0039): the proof format, proof generation and verification.

A proof is ``sibling_hashes`` plus one query per queried key, each ``(key, value, bitmap)``. For a
present key the query holds the key and its value. For an absent key it holds the leaf found on the
key's path (another key and its value) or, where the path ends in an empty subtree, the queried key
and an empty value. Bit ``h - 1`` of the bitmap (read as a big-endian integer) tells whether the
sibling met at depth ``h`` is non-empty, so the bitmap's highest set bit is the depth of the node.

Generation and verification follow lisk-db 0.3.10 (the database Klayr v6 uses) step for step, so
proofs are byte-for-byte Klayr's and malformed proofs are rejected exactly where Klayr rejects them.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from klayr_py.errors import TreeError
from klayr_py.tree._hash import EMPTY_HASH

__all__ = [
    "QueryProof",
    "SparseMerkleProof",
    "calculate_root_from_proof",
    "generate_proof",
    "is_inclusion_proof",
    "verify_inclusion_proof",
    "verify_non_inclusion_proof",
    "verify_proof",
]

# Repeated here (not imported) because sparse_merkle_tree imports this module.
_LEAF_PREFIX = b"LSK_SMTL_"
_BRANCH_PREFIX = b"LSK_SMTB_"


@dataclass(frozen=True, slots=True)
class QueryProof:
    """The part of a proof about one queried key."""

    key: bytes
    value: bytes
    bitmap: bytes


@dataclass(frozen=True, slots=True)
class SparseMerkleProof:
    """A multi-key proof: the sibling hashes shared by all queries, and one query per key."""

    sibling_hashes: tuple[bytes, ...]
    queries: tuple[QueryProof, ...]

    def to_json(self) -> dict[str, Any]:
        """Klayr's JSON form (``siblingHashes``, ``queries[].key/value/bitmap``, all hex)."""
        return {
            "siblingHashes": [h.hex() for h in self.sibling_hashes],
            "queries": [
                {"key": q.key.hex(), "value": q.value.hex(), "bitmap": q.bitmap.hex()}
                for q in self.queries
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SparseMerkleProof:
        """Parse Klayr's JSON form of a proof."""
        try:
            return cls(
                tuple(bytes.fromhex(h) for h in data["siblingHashes"]),
                tuple(
                    QueryProof(
                        bytes.fromhex(q["key"]),
                        bytes.fromhex(q["value"]),
                        bytes.fromhex(q["bitmap"]),
                    )
                    for q in data["queries"]
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TreeError(f"malformed sparse Merkle proof JSON: {exc}") from exc


def is_inclusion_proof(key: bytes, query: QueryProof) -> bool:
    """Whether ``query`` claims ``key`` is present (same key, non-empty value), as Klayr decides."""
    return query.key == key and query.value != b""


def generate_proof(
    read: Callable[[bytes], bytes], root: bytes, keys: Sequence[bytes], key_length: int
) -> SparseMerkleProof:
    """Prove ``keys`` under ``root``: walk each key's path, then emit the needed siblings.

    Siblings are emitted deepest level first and, within a level, in key order, skipping siblings
    that are empty (the bitmap says so) or that the verifier computes from another query: the order
    in which lisk-db's verifier consumes them. ``read`` gives the record of a stored node.
    """
    for key in keys:
        if len(key) != key_length:
            raise TreeError(
                f"query key {key.hex()} has length {len(key)}; this tree's keys have length "
                f"{key_length}"
            )
    if not keys:
        return SparseMerkleProof((), ())
    key_bits = key_length * 8
    key_end = 1 + key_length
    # depth -> path prefix (as int) -> hash of the sibling of the node at that prefix
    levels: dict[int, dict[int, bytes]] = {}
    queries: list[QueryProof] = []
    for key in keys:
        key_int = int.from_bytes(key, "big")
        node = root
        depth = 0
        bitmap = 0
        while node != EMPTY_HASH:
            record = read(node)
            if record[0] == 0:
                queries.append(_query(record[1:key_end], record[key_end:], bitmap, depth))
                break
            if (key_int >> (key_bits - 1 - depth)) & 1:
                sibling, node = record[1:33], record[33:65]
            else:
                node, sibling = record[1:33], record[33:65]
            depth += 1
            if sibling != EMPTY_HASH:
                bitmap |= 1 << (depth - 1)
            levels.setdefault(depth, {}).setdefault(key_int >> (key_bits - depth), sibling)
        else:
            queries.append(_query(key, b"", bitmap, depth))
    sibling_hashes: list[bytes] = []
    for depth in sorted(levels, reverse=True):
        level = levels[depth]
        for prefix in sorted(level):
            sibling = level[prefix]
            if sibling != EMPTY_HASH and prefix ^ 1 not in level:
                sibling_hashes.append(sibling)
    return SparseMerkleProof(tuple(sibling_hashes), tuple(queries))


def _query(key: bytes, value: bytes, bitmap: int, depth: int) -> QueryProof:
    return QueryProof(key, value, bitmap.to_bytes((depth + 7) // 8, "big"))


def verify_proof(
    root: bytes, keys: Sequence[bytes], proof: SparseMerkleProof, key_length: int = 32
) -> bool:
    """Whether ``proof`` proves ``keys`` (each present or absent) under ``root``."""
    try:
        queries = _checked_queries(keys, proof, key_length)
        return _calculate_root(proof.sibling_hashes, queries) == root
    except TreeError:
        return False


def verify_inclusion_proof(
    root: bytes, keys: Sequence[bytes], proof: SparseMerkleProof, key_length: int = 32
) -> bool:
    """Whether ``proof`` is valid and shows every key in ``keys`` present."""
    return (
        len(keys) == len(proof.queries)
        and all(is_inclusion_proof(k, q) for k, q in zip(keys, proof.queries, strict=True))
        and verify_proof(root, keys, proof, key_length)
    )


def verify_non_inclusion_proof(
    root: bytes, keys: Sequence[bytes], proof: SparseMerkleProof, key_length: int = 32
) -> bool:
    """Whether ``proof`` is valid and shows every key in ``keys`` absent."""
    return (
        len(keys) == len(proof.queries)
        and not any(is_inclusion_proof(k, q) for k, q in zip(keys, proof.queries, strict=True))
        and verify_proof(root, keys, proof, key_length)
    )


def calculate_root_from_proof(proof: SparseMerkleProof) -> bytes:
    """The root ``proof`` leads to, without checking it against any queried keys.

    Raises :class:`TreeError` when the proof is inconsistent (as lisk-db's ``calculateRoot``).
    """
    by_path: dict[tuple[int, int], _Query] = {}
    for query in proof.queries:
        item = _Query.from_proof(query)
        by_path[item.path()] = item  # a later query for the same node wins, as in lisk-db
    return _calculate_root(proof.sibling_hashes, list(by_path.values()))


class _Query:
    """A query on its way up to the root during verification."""

    __slots__ = ("bitmap", "height", "key", "key_bits", "key_int", "node_hash")

    def __init__(self, key: bytes, bitmap: int, height: int, node_hash: bytes) -> None:
        self.key = key
        self.key_int = int.from_bytes(key, "big")
        self.key_bits = len(key) * 8
        self.bitmap = bitmap
        self.height = height
        self.node_hash = node_hash

    @classmethod
    def from_proof(cls, query: QueryProof) -> _Query:
        bitmap = int.from_bytes(query.bitmap, "big")
        height = bitmap.bit_length()  # leading zero bits are not part of the path
        if height > len(query.key) * 8:
            raise TreeError("bitmap is longer than the key")
        node_hash = (
            hashlib.sha256(_LEAF_PREFIX + query.key + query.value).digest()
            if query.value
            else EMPTY_HASH
        )
        return cls(query.key, bitmap, height, node_hash)

    def prefix(self) -> int:
        return self.key_int >> (self.key_bits - self.height)

    def path(self) -> tuple[int, int]:
        return self.height, self.prefix()

    def sort_key(self) -> tuple[int, bytes]:
        return -self.height, self.key

    def top_bit(self) -> int:
        """The bitmap bit for the current (deepest remaining) level."""
        return (self.bitmap >> (self.height - 1)) & 1

    def is_sibling_of(self, other: _Query) -> bool:
        return self.height == other.height and self.prefix() ^ other.prefix() == 1


def _checked_queries(
    keys: Sequence[bytes], proof: SparseMerkleProof, key_length: int
) -> list[_Query]:
    """lisk-db's checks of the queries against the queried keys; one item per distinct node."""
    if len(keys) != len(proof.queries):
        raise TreeError("the proof has a different number of queries than keys")
    seen: dict[tuple[int, int], QueryProof] = {}
    items: list[_Query] = []
    for key, query in zip(keys, proof.queries, strict=True):
        if len(key) != key_length or len(query.key) != key_length:
            raise TreeError("the length of a key is invalid")
        if query.bitmap[:1] == b"\x00":
            raise TreeError("bitmap has a leading zero byte")
        item = _Query.from_proof(query)
        if key != query.key:
            if not query.value:
                raise TreeError("a query for another key must have a non-empty value")
            common = (key_length * 8) - (item.key_int ^ int.from_bytes(key, "big")).bit_length()
            if item.height > common:
                raise TreeError("bitmap is longer than the common prefix of the keys")
        path = item.path()
        duplicate = seen.get(path)
        if duplicate is None:
            seen[path] = query
            items.append(item)
            continue
        if duplicate.bitmap != query.bitmap or duplicate.value != query.value:
            raise TreeError("mismatched values or bitmap")
        if query.value and query.key != duplicate.key:
            raise TreeError("mismatched keys")
    return items


def _calculate_root(sibling_hashes: Sequence[bytes], items: list[_Query]) -> bytes:
    """Climb from the queried nodes to the root, merging siblings and consuming sibling hashes."""
    queue = sorted(items, key=_Query.sort_key)
    order = [q.sort_key() for q in queue]
    used = 0
    while queue:
        query = queue.pop(0)
        order.pop(0)
        if query.height == 0:
            if used != len(sibling_hashes):
                raise TreeError("not all sibling hashes were used")
            return query.node_hash
        top_bit = query.top_bit()
        if queue and query.is_sibling_of(queue[0]):
            sibling = queue.pop(0)
            order.pop(0)
            if (sibling.node_hash == EMPTY_HASH) == bool(top_bit) or (
                query.node_hash == EMPTY_HASH
            ) == bool(sibling.top_bit()):
                raise TreeError("bitmap is not consistent with the nodes type")
            rest = (1 << (query.height - 1)) - 1
            if query.bitmap & rest != sibling.bitmap & rest:
                raise TreeError("nodes do not share a common path")
            sibling_hash = sibling.node_hash
        elif not top_bit:
            sibling_hash = EMPTY_HASH
        else:
            if used == len(sibling_hashes):
                raise TreeError("no more sibling hashes available")
            sibling_hash = sibling_hashes[used]
            used += 1
        if (query.key_int >> (query.key_bits - query.height)) & 1:
            pair = sibling_hash + query.node_hash
        else:
            pair = query.node_hash + sibling_hash
        query.node_hash = hashlib.sha256(_BRANCH_PREFIX + pair).digest()
        query.height -= 1
        query.bitmap &= (1 << query.height) - 1
        _insert(queue, order, query)
    raise TreeError("the proof has no queries")


def _insert(queue: list[_Query], order: list[tuple[int, bytes]], query: _Query) -> None:
    """Put ``query`` back in order, unless the next query is already at the same node."""
    sort_key = query.sort_key()
    index = bisect_right(order, sort_key)
    if index < len(queue) and queue[index].path() == query.path():
        return
    queue.insert(index, query)
    order.insert(index, sort_key)
