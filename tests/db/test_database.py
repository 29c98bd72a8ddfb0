"""The database contract: LevelDB and the in-memory database pass the same tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py.db import Database, InMemoryDatabase, LevelDB, WriteBatch
from klayr_py.errors import KlayrError, NotFoundError

Factory = Callable[[], Database]


@pytest.fixture(params=["memory", "leveldb"])
def make_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Makes fresh databases of one kind; LevelDB ones are closed after the test."""
    opened: list[Database] = []

    def make() -> Database:
        if request.param == "memory":
            db: Database = InMemoryDatabase()
        else:
            db = LevelDB(tmp_path / f"db{len(opened)}")
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


@pytest.fixture
def db(make_db: Factory) -> Database:
    return make_db()


def _fill(db: Database, keys: list[bytes]) -> None:
    for key in keys:
        db.set(key, b"v" + key)


KEYS = [b"\x01", b"\x01\x00", b"\x01\x01", b"\x02", b"\x02\xff", b"\x03", b"\xff"]


def test_get_set_delete(db: Database) -> None:
    assert db.get_or_none(b"k") is None
    assert not db.has(b"k")
    db.set(b"k", b"value")
    assert db.get(b"k") == b"value"
    assert db.has(b"k")
    db.set(b"k", b"other")
    assert db.get(b"k") == b"other"
    db.delete(b"k")
    assert db.get_or_none(b"k") is None
    db.delete(b"k")  # deleting a missing key is fine


def test_empty_value_is_a_value(db: Database) -> None:
    db.set(b"k", b"")
    assert db.get(b"k") == b""
    assert db.has(b"k")


def test_get_missing_raises_not_found_naming_the_key(db: Database) -> None:
    with pytest.raises(NotFoundError, match="0aff01") as info:
        db.get(b"\x0a\xff\x01")
    assert isinstance(info.value, KlayrError)
    assert isinstance(info.value, KeyError)


def test_iterate_whole_database_in_order(db: Database) -> None:
    _fill(db, list(reversed(KEYS)))
    assert [k for k, _ in db.iterate()] == KEYS
    assert [k for k, _ in db.iterate(reverse=True)] == KEYS[::-1]
    assert dict(db.iterate()) == {k: b"v" + k for k in KEYS}


def test_iterate_bounds_are_inclusive(db: Database) -> None:
    _fill(db, KEYS)
    assert [k for k, _ in db.iterate(gte=b"\x01\x00", lte=b"\x02")] == [
        b"\x01\x00",
        b"\x01\x01",
        b"\x02",
    ]
    assert [k for k, _ in db.iterate(gte=b"\x01\x00", lte=b"\x02", reverse=True)] == [
        b"\x02",
        b"\x01\x01",
        b"\x01\x00",
    ]
    # bounds that are not keys
    assert [k for k, _ in db.iterate(gte=b"\x01\x00\x00", lte=b"\x02\x00")] == [
        b"\x01\x01",
        b"\x02",
    ]
    assert [k for k, _ in db.iterate(gte=b"\x02")] == [b"\x02", b"\x02\xff", b"\x03", b"\xff"]
    assert [k for k, _ in db.iterate(lte=b"\x01\x00")] == [b"\x01", b"\x01\x00"]


def test_iterate_limit(db: Database) -> None:
    _fill(db, KEYS)
    assert [k for k, _ in db.iterate(limit=2)] == KEYS[:2]
    assert [k for k, _ in db.iterate(limit=2, reverse=True)] == [b"\xff", b"\x03"]
    assert [k for k, _ in db.iterate(gte=b"\x02", lte=b"\x03", limit=2, reverse=True)] == [
        b"\x03",
        b"\x02\xff",
    ]
    assert list(db.iterate(limit=0)) == []
    assert len(list(db.iterate(limit=100))) == len(KEYS)
    with pytest.raises(ValueError, match="limit"):
        db.iterate(limit=-1)


def test_iterate_empty_ranges(db: Database) -> None:
    _fill(db, KEYS)
    assert list(db.iterate(gte=b"\x03", lte=b"\x02")) == []
    assert list(db.iterate(gte=b"\x04", lte=b"\x05")) == []
    assert list(InMemoryDatabase().iterate()) == []


def test_iterate_reads_a_snapshot(db: Database) -> None:
    _fill(db, KEYS)
    pairs = db.iterate()
    first = next(iter(pairs))
    db.set(b"\x02\x00", b"new")
    db.delete(b"\x03")
    rest = list(pairs)
    assert [first[0]] + [k for k, _ in rest] == KEYS


def test_batch_is_invisible_until_written(db: Database) -> None:
    db.set(b"gone", b"x")
    batch = db.new_batch()
    assert isinstance(batch, WriteBatch)
    batch.set(b"a", b"1")
    batch.set(b"b", b"2")
    batch.delete(b"gone")
    assert len(batch) == 3
    assert db.get_or_none(b"a") is None
    assert db.has(b"gone")
    db.write(batch)
    assert db.get(b"a") == b"1"
    assert db.get(b"b") == b"2"
    assert not db.has(b"gone")


def test_batch_last_operation_on_a_key_wins(db: Database) -> None:
    batch = WriteBatch()
    batch.set(b"k", b"1")
    batch.delete(b"k")
    batch.set(b"j", b"1")
    batch.delete(b"j")
    batch.set(b"j", b"2")
    db.write(batch, sync=False)
    assert db.get_or_none(b"k") is None
    assert db.get(b"j") == b"2"
    batch.clear()
    assert len(batch) == 0


def test_batch_can_be_written_to_either_kind(make_db: Factory) -> None:
    first, second = make_db(), make_db()
    batch = WriteBatch()
    batch.set(b"x", b"y")
    first.write(batch)
    second.write(batch)
    assert first.get(b"x") == second.get(b"x") == b"y"


def test_context_manager_closes(make_db: Factory) -> None:
    with make_db() as db:
        db.set(b"a", b"b")
    with pytest.raises(RuntimeError):
        db.get(b"a")


def test_leveldb_persists_across_reopen(tmp_path: Path) -> None:
    with LevelDB(tmp_path / "db") as db:
        batch = db.new_batch()
        batch.set(b"a", b"1")
        db.write(batch)
        db.set(b"b", b"2")
    with LevelDB(tmp_path / "db", lru_cache_size=1 << 20) as db:
        assert list(db.iterate()) == [(b"a", b"1"), (b"b", b"2")]
        assert not db.closed
    assert db.closed


def test_leveldb_stores_uncompressed_and_reads_either(tmp_path: Path) -> None:
    """Uncompressed by default (tables as large as their values); a database written with
    snappy (plyvel's default) opens and grows uncompressed, and reads back with snappy on."""
    values = {i.to_bytes(4, "big"): bytes([i % 7]) * 500 for i in range(2000)}  # compressible
    sizes = {}
    for name, options in (("snappy", {"compression": "snappy"}), ("default", {})):
        path = tmp_path / name
        with LevelDB(path, **options) as db:
            for key, value in values.items():
                db.set(key, value)
            db.compact()  # the memtable written as a table
        sizes[name] = sum(table.stat().st_size for table in path.glob("*.ldb"))
    assert sizes["default"] > 10 * sizes["snappy"]  # 1 MB of values, stored as they are
    with LevelDB(tmp_path / "snappy") as db:
        assert dict(db.iterate()) == values
        db.set(b"new", b"x" * 500)
        db.compact()
    with LevelDB(tmp_path / "snappy", compression="snappy") as db:
        assert dict(db.iterate()) == {**values, b"new": b"x" * 500}


_key = st.binary(min_size=0, max_size=3)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(st.tuples(st.booleans(), _key, st.binary(max_size=4)), max_size=40),
    gte=st.none() | _key,
    lte=st.none() | _key,
    limit=st.none() | st.integers(0, 6),
    reverse=st.booleans(),
)
def test_iterate_matches_a_sorted_dict(
    make_db: Factory,
    ops: list[tuple[bool, bytes, bytes]],
    gte: bytes | None,
    lte: bytes | None,
    limit: int | None,
    reverse: bool,
) -> None:
    db = make_db()
    model: dict[bytes, bytes] = {}
    batch = db.new_batch()
    for is_set, key, value in ops:
        if is_set:
            batch.set(key, value)
            model[key] = value
        else:
            batch.delete(key)
            model.pop(key, None)
    db.write(batch, sync=False)
    expected = sorted(
        (k, v) for k, v in model.items() if (gte is None or k >= gte) and (lte is None or k <= lte)
    )
    if reverse:
        expected.reverse()
    if limit is not None:
        expected = expected[:limit]
    assert list(db.iterate(gte=gte, lte=lte, limit=limit, reverse=reverse)) == expected


def test_every_range_of_a_small_database(db: Database) -> None:
    """All bounds over all subsets of five keys: catches edge cases of the LevelDB binding
    (plyvel 1.5 loses reverse ranges that start at their lower bound)."""
    alphabet = [b"a", b"b", b"c", b"d", b"e"]
    bounds = [None, b"", b"a", b"b", b"bb", b"c", b"e", b"f"]
    for mask in range(32):
        present = [k for i, k in enumerate(alphabet) if mask >> i & 1]
        batch = db.new_batch()
        for key in alphabet:
            if key in present:
                batch.set(key, key)
            else:
                batch.delete(key)
        db.write(batch, sync=False)
        for gte in bounds:
            for lte in bounds:
                expected = [
                    k for k in present if (gte is None or k >= gte) and (lte is None or k <= lte)
                ]
                assert [k for k, _ in db.iterate(gte=gte, lte=lte)] == expected
                assert [k for k, _ in db.iterate(gte=gte, lte=lte, reverse=True)] == expected[::-1]
                assert [k for k, _ in db.iterate(gte=gte, lte=lte, reverse=True, limit=1)] == (
                    expected[-1:]
                )
