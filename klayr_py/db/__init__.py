"""Key-value databases: LevelDB on disk (plyvel) and an in-memory twin, with atomic write batches.

>>> from klayr_py.db import InMemoryDatabase
>>> db = InMemoryDatabase()
>>> batch = db.new_batch()
>>> batch.set(b"a", b"1"); batch.set(b"b", b"2")
>>> db.write(batch)
>>> list(db.iterate(gte=b"a", lte=b"b", reverse=True))
[(b'b', b'2'), (b'a', b'1')]
"""

from klayr_py.db.database import Database, WriteBatch
from klayr_py.db.in_memory import InMemoryDatabase
from klayr_py.db.leveldb import DEFAULT_LRU_CACHE_SIZE, LevelDB

__all__ = [
    "DEFAULT_LRU_CACHE_SIZE",
    "Database",
    "InMemoryDatabase",
    "LevelDB",
    "WriteBatch",
]
