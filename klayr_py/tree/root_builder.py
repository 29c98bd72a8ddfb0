"""A sparse Merkle root computed while its leaves arrive, for trees whose keys come in groups.

Event trees (LIP 0065) are built from keys ``hash(topic)[:8] + index``: the keys of one topic share
64 bits and sit at the bottom of a chain of about 80 single-child branches, which is most of the
hashing of a block's event root. That chain depends on the group's keys alone, not on the rest
of the tree, except for where it ends (the depth at which the group's subtree hangs, set by its
nearest neighbour). :class:`SparseMerkleRootBuilder` therefore hashes each group completely --
its subtree and every node of its chain up to the root -- as soon as it is :meth:`prepared
<SparseMerkleRootBuilder.prepare>`, and :meth:`~SparseMerkleRootBuilder.root` only joins the
groups, picking each group's node at the depth where it hangs. A group that receives more keys
later is hashed again. The root equals :func:`~klayr_py.tree.sparse_merkle_root` of all pairs.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable

from klayr_py.errors import TreeError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree.sparse_merkle_tree import BRANCH_PREFIX, LEAF_PREFIX, _hash_chain, _sorted_root

__all__ = ["SparseMerkleRootBuilder"]


class SparseMerkleRootBuilder:
    """Collects ``(key, value)`` pairs (non-empty values, each key once) and computes the root.

    ``group_length`` is how many leading key bytes make a group (8 for event trees); it changes
    only how the work is spread, never the root.
    """

    def __init__(self, key_length: int, group_length: int) -> None:
        if not 0 < group_length <= key_length:
            raise TreeError(f"group_length must be in 1..{key_length}, got {group_length}")
        self.key_length = key_length
        self.group_length = group_length
        self._groups: dict[bytes, dict[bytes, bytes]] = {}
        self._nodes: dict[bytes, list[bytes]] = {}  # group -> its node at each depth, or [leaf]
        self._dirty: set[bytes] = set()  # groups with keys added since the last prepare()
        self._grown: set[bytes] = set()  # groups that grew after they were hashed

    def add(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        """Add leaves; a key given twice (here or earlier) or an empty value raises TreeError."""
        groups = self._groups
        dirty = self._dirty
        length = self.group_length
        for key, value in pairs:
            if len(key) != self.key_length:
                raise TreeError(
                    f"key {key.hex()} has length {len(key)}; this tree's keys have length "
                    f"{self.key_length}"
                )
            if not value:
                raise TreeError(f"key {key.hex()} has an empty value")
            group = key[:length]
            members = groups.get(group)
            if members is None:
                members = groups[group] = {}
            elif key in members:
                raise TreeError(f"key {key.hex()} was added twice")
            members[key] = value
            dirty.add(group)

    def prepare(self) -> None:
        """Hash the groups that arrived since the last call (the bulk of the work).

        A group that grows after it was hashed is hashed again only once, by :meth:`root`: a
        key prefix shared by every batch (an event topic such as a generator's address) would
        otherwise be hashed again at every call.
        """
        nodes = self._nodes
        grown = self._grown
        for group in self._dirty:
            if group in grown:
                continue
            if group in nodes:
                del nodes[group]
                grown.add(group)
            else:
                nodes[group] = _group_nodes(self._groups[group], self.key_length)
        self._dirty.clear()

    def root(self) -> bytes:
        """The root of the tree holding every pair added."""
        self.prepare()
        for group in self._grown:
            self._nodes[group] = _group_nodes(self._groups[group], self.key_length)
        self._grown.clear()
        if not self._groups:
            return EMPTY_HASH
        groups = sorted(self._groups)
        chains = [self._nodes[group] for group in groups]
        ints = [int.from_bytes(group, "big") for group in groups]
        bits = self.group_length * 8
        sha256 = hashlib.sha256
        branch_prefix = BRANCH_PREFIX

        def hanging(i: int, depth: int) -> bytes:
            chain = chains[i]
            return chain[0] if len(chain) == 1 else chain[depth]  # a lone leaf hangs anywhere

        def join(lo: int, hi: int, depth: int) -> bytes:
            # At least two groups, which differ within their group bytes.
            first = ints[lo]
            split_depth = bits - (first ^ ints[hi - 1]).bit_length()
            shift = bits - 1 - split_depth
            mid = bisect_left(ints, ((first >> shift) | 1) << shift, lo, hi)
            below = split_depth + 1
            left = hanging(lo, below) if mid - lo == 1 else join(lo, mid, below)
            right = hanging(mid, below) if hi - mid == 1 else join(mid, hi, below)
            node = sha256(branch_prefix + left + right).digest()
            if split_depth > depth:
                node = _hash_chain(
                    node, format(first >> (bits - split_depth), f"0{split_depth}b")[depth:]
                )
            return node

        if len(groups) == 1:
            return hanging(0, 0)
        return join(0, len(groups), 0)


def _group_nodes(members: dict[bytes, bytes], key_length: int) -> list[bytes]:
    """``[leaf hash]`` for a lone key; otherwise the group's node at every depth 0..split, where
    split is the depth at which its keys part (the node at depth d is the group's subtree hung
    at d: its split node under the chain of single-child branches from d down)."""
    keys = sorted(members)
    if len(keys) == 1:
        return [hashlib.sha256(LEAF_PREFIX + keys[0] + members[keys[0]]).digest()]
    first = int.from_bytes(keys[0], "big")
    bits = key_length * 8
    split_depth = bits - (first ^ int.from_bytes(keys[-1], "big")).bit_length()
    nodes = [b""] * (split_depth + 1)
    node = nodes[split_depth] = _sorted_root(
        keys, [members[key] for key in keys], key_length, split_depth
    )
    path = format(first >> (bits - split_depth), f"0{split_depth}b")
    for depth in range(split_depth - 1, -1, -1):
        node = nodes[depth] = _hash_chain(node, path[depth])
    return nodes
