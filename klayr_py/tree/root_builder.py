"""A sparse Merkle root computed while its leaves arrive, for trees whose keys come in groups.

Event trees (LIP 0065) are built from keys ``hash(topic)[:8] + index``: the keys of one topic share
64 bits and sit at the bottom of a chain of about 80 single-child branches, which is most of the
hashing of a block's event root. That chain depends on the group's keys alone, not on the rest
of the tree, except for where it ends (the depth at which the group's subtree hangs, set by its
nearest neighbour). :class:`SparseMerkleRootBuilder` therefore hashes each group -- its subtree
and its chain up to where it hangs among the groups known so far -- as soon as it is
:meth:`prepared <SparseMerkleRootBuilder.prepare>`, and :meth:`~SparseMerkleRootBuilder.root`
only joins the groups, picking each group's node at the depth where it finally hangs. Groups
only ever get nearer neighbours, so a group hangs at least as deep at the end as when it was
prepared, and every node the root needs was hashed. A group that receives more keys later is
hashed again. The root equals :func:`~klayr_py.tree.sparse_merkle_root` of all pairs.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, insort
from collections.abc import Iterable

from klayr_py.errors import TreeError
from klayr_py.tree._hash import EMPTY_HASH
from klayr_py.tree.sparse_merkle_tree import (
    BRANCH_PREFIX,
    LEAF_PREFIX,
    _chain_nodes,
    _hash_chain,
    _sorted_root,
)

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
        self._ints: list[int] = []  # every group, as an integer, sorted: its neighbours
        self._nodes: dict[bytes, _Group] = {}  # group -> see _group_nodes
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
                insort(self._ints, int.from_bytes(group, "big"))
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
                nodes[group] = self._hash_group(group)
        self._dirty.clear()

    def root(self) -> bytes:
        """The root of the tree holding every pair added."""
        self.prepare()
        for group in self._grown:
            self._nodes[group] = self._hash_group(group)
        self._grown.clear()
        if not self._groups:
            return EMPTY_HASH
        groups = sorted(self._groups)
        chains = [self._nodes[group] for group in groups]
        ints = self._ints  # the same groups, in the same order
        bits = self.group_length * 8
        sha256 = hashlib.sha256
        branch_prefix = BRANCH_PREFIX

        def hanging(i: int, depth: int) -> bytes:
            top, kept, subtree, path = chains[i]
            if top < 0:
                return kept[0]  # a lone leaf hangs anywhere
            offset = depth - top
            if offset < 0:  # cannot happen: groups only get nearer neighbours
                raise TreeError(f"group {groups[i].hex()} hangs at {depth}, above {top}")
            if offset < len(kept):
                return kept[offset]
            return _hash_chain(subtree, path[offset:])

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

    def _hash_group(self, group: bytes) -> _Group:
        """Hash a group down from the depth where it hangs among the groups known now (one
        below the longest prefix it shares with a neighbour)."""
        ints = self._ints
        value = int.from_bytes(group, "big")
        i = bisect_left(ints, value)
        shared = -1
        for neighbour in ints[max(i - 1, 0) : i + 2]:
            if neighbour != value:
                shared = max(shared, self.group_length * 8 - (value ^ neighbour).bit_length())
        return _group_nodes(self._groups[group], self.key_length, shared + 1)


_KEPT_DEPTHS = 16
"""A prepared group keeps its node at the depth where it hangs then and at the 16 depths below:
it hangs deeper at the end only if a later group shares more of its prefix (a few bits more, for
random topic hashes); deeper than that, root() hashes its chain again from its subtree."""

_Group = tuple[int, list[bytes], bytes, str]  # see _group_nodes


def _group_nodes(members: dict[bytes, bytes], key_length: int, top: int) -> _Group:
    """``(-1, [leaf hash], b"", "")`` for a lone key. Otherwise ``(top, nodes, subtree, path)``:
    ``nodes[d - top]`` is the group's subtree hung at depth ``d`` (its split node under the chain
    of single-child branches from ``d`` down) for ``d`` from ``top`` to at most
    ``top + _KEPT_DEPTHS``; ``subtree`` is its split node and ``path`` the chain's bits from
    ``top`` down (to hang it deeper)."""
    keys = sorted(members)
    if len(keys) == 1:
        return -1, [hashlib.sha256(LEAF_PREFIX + keys[0] + members[keys[0]]).digest()], b"", ""
    first = int.from_bytes(keys[0], "big")
    bits = key_length * 8
    split_depth = bits - (first ^ int.from_bytes(keys[-1], "big")).bit_length()
    subtree = _sorted_root(keys, [members[key] for key in keys], key_length, split_depth)
    path = format(first >> (bits - split_depth), f"0{split_depth}b")[top:]
    # The long part of the chain in the tight loop; its top nodes kept.
    kept = _chain_nodes(_hash_chain(subtree, path[_KEPT_DEPTHS:]), path[:_KEPT_DEPTHS])
    return top, kept, subtree, path
