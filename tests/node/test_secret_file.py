"""Key files are owner-only: created 0600 in 0700 directories, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from klayr_py.node.dev import dev_accounts, write_generator_keys
from klayr_py.node.secret_file import write_secret_file


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the common default, under which write_text gives 0644
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_secret_file_and_its_new_directories_are_owner_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    target = shared / "config" / "keys" / "keys.json"
    write_secret_file(target, '{"keys": []}\n')
    assert target.read_text() == '{"keys": []}\n'
    assert _mode(target) == 0o600
    assert _mode(shared / "config") == 0o700
    assert _mode(shared / "config" / "keys") == 0o700
    assert _mode(shared) == 0o755  # an existing directory is left as it was


def test_a_world_readable_file_is_replaced_by_an_owner_only_one(tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_secret_file(target, "new")
    assert (target.read_text(), _mode(target)) == ("new", 0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]  # no temporary file left


def test_generator_keys_are_written_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    write_generator_keys(target, dev_accounts(1, "secret file test"))
    assert _mode(target) == 0o600
    assert "generatorPrivateKey" in target.read_text()
