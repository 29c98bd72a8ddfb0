"""Klayr's state store over LevelDB: module stores, block cache, snapshots, state root, revert.

See docs/state.md for the key layout, atomicity and performance.
"""

from klayr_py.state._page_cache import DEFAULT_PAGE_CACHE_SIZE
from klayr_py.state.diff import STATE_DIFF_SCHEMA, StateDiff
from klayr_py.state.keys import (
    KEY_STATE_SEQUENCE,
    PREFIX_DIFF,
    PREFIX_PAGE_WRITTEN,
    PREFIX_SMT,
    PREFIX_STALE_PAGES,
    PREFIX_STATE,
    PREFIX_STATE_MARKER,
    SMT_KEY_LENGTH,
    smt_key,
    smt_leaves,
    smt_value,
)
from klayr_py.state.offchain_store import OffchainStore
from klayr_py.state.state_store import PendingCommit, StateStore
from klayr_py.state.sub_store import PrefixedSubStore, ReadOnlyStateStore, ReadOnlySubStore

__all__ = [
    "DEFAULT_PAGE_CACHE_SIZE",
    "KEY_STATE_SEQUENCE",
    "PREFIX_DIFF",
    "PREFIX_PAGE_WRITTEN",
    "PREFIX_SMT",
    "PREFIX_STALE_PAGES",
    "PREFIX_STATE",
    "PREFIX_STATE_MARKER",
    "SMT_KEY_LENGTH",
    "STATE_DIFF_SCHEMA",
    "OffchainStore",
    "PendingCommit",
    "PrefixedSubStore",
    "ReadOnlyStateStore",
    "ReadOnlySubStore",
    "StateDiff",
    "StateStore",
    "smt_key",
    "smt_leaves",
    "smt_value",
]
