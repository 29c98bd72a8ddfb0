"""State-tree pages in LevelDB, behind a bounded in-memory cache.

Reading pages dominates a commit over a large state: a block of 1,000 changed keys over 10^6 keys
reads about 3,000 pages, most of them absent from LevelDB's block cache. Pages are content-
addressed and never change, so a cache of them needs no invalidation (pages pruned from the
database are discarded from it): the least recently used pages are simply dropped once the cache
holds ``max_bytes``. The top levels of the tree are read by
every block and so stay; pages written by a commit are added after the write succeeds.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from klayr_py.db import Database
from klayr_py.state.keys import PREFIX_SMT

DEFAULT_PAGE_CACHE_SIZE = 512 * 1024 * 1024
"""Bytes of pages kept in memory by default. The whole tree of 10^6 keys is 655,000 pages, 316 MiB
as this cache counts them (256 MiB kept about 80% of the pages a block reads). The cache only
holds pages that were read or written, so a small state costs only its own size."""

_ENTRY_OVERHEAD = 120  # bytes a cache entry costs beyond its page: key object, dict slot, links


class PageCache:
    """A least-recently-used cache of pages, bounded in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_PAGE_CACHE_SIZE) -> None:
        if max_bytes < 0:
            raise ValueError(f"page cache size must be at least 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._pages: OrderedDict[bytes, bytes] = OrderedDict()

    def get(self, page_hash: bytes) -> bytes | None:
        """The cached page, marked as recently used; None if not cached."""
        page = self._pages.get(page_hash)
        if page is None:
            self.misses += 1
            return None
        self.hits += 1
        self._pages.move_to_end(page_hash)
        return page

    def put(self, page_hash: bytes, page: bytes) -> None:
        """Cache ``page``, evicting the least recently used pages beyond the size bound."""
        self.put_many(((page_hash, page),))

    def put_many(self, pages: Iterable[tuple[bytes, bytes]]) -> None:
        """Cache every ``(page hash, page)``, then evict down to the bound once."""
        cached = self._pages
        pop = cached.pop
        size = self.size
        for page_hash, page in pages:
            old = pop(page_hash, None)
            if old is not None:
                size -= len(old) + _ENTRY_OVERHEAD
            cached[page_hash] = page
            size += len(page) + _ENTRY_OVERHEAD
        limit = self.max_bytes
        if size > limit:
            popitem = cached.popitem
            while size > limit and cached:
                size -= len(popitem(last=False)[1]) + _ENTRY_OVERHEAD
        self.size = size

    def discard_many(self, page_hashes: Iterable[bytes]) -> None:
        """Drop these pages if cached (pruned from the database: a read must not find them)."""
        pop = self._pages.pop
        size = self.size
        for page_hash in page_hashes:
            old = pop(page_hash, None)
            if old is not None:
                size -= len(old) + _ENTRY_OVERHEAD
        self.size = size

    def clear(self) -> None:
        """Drop every cached page."""
        self._pages.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._pages)


class PageStore:
    """The tree's :class:`~klayr_py.tree.NodeStore` for one update: reads through the cache into
    the database, and keeps the pages the update writes in ``written`` for the commit batch."""

    __slots__ = ("_cache", "_db", "written")

    def __init__(self, db: Database, cache: PageCache) -> None:
        self._db = db
        self._cache = cache
        self.written: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """The page stored under ``key`` (a node hash), or None."""
        page = self._cache.get(key)
        if page is None:
            page = self.written.get(key)
            if page is None:
                page = self._db.get_or_none(PREFIX_SMT + key)
                if page is not None:
                    self._cache.put(key, page)
        return page

    def set(self, key: bytes, value: bytes) -> None:
        """Keep a page written by the update (it reaches the database with the commit)."""
        self.written[key] = value
