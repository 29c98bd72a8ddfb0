"""A ``klayr-py init`` project, with a generated store and event, passes mypy --strict (the
project's own settings, which type-check what klayr_py exports to module authors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import klayr_py
from klayr_py.cli import cli

_ROOT = Path(klayr_py.__file__).resolve().parents[1]


def test_a_scaffolded_project_passes_strict_mypy(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    project = tmp_path / "my_chain"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(project), "--accounts", "1"])
    assert result.exit_code == 0, result.output
    cwd = os.getcwd()
    os.chdir(project)
    try:
        for kind, name in (("store", "Likes"), ("event", "Liked")):
            generated = runner.invoke(cli, ["generate", kind, "hello", name])
            assert generated.exit_code == 0, generated.output
    finally:
        os.chdir(cwd)
    sources = [str(path) for path in project.rglob("*.py") if "tests" not in path.parts]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(_ROOT / "pyproject.toml"), *sources],
        capture_output=True,
        text=True,
        cwd=project,
        env={**os.environ, "MYPYPATH": f"{_ROOT}:{project}"},
    )
    assert checked.returncode == 0, checked.stdout
