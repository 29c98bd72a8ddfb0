"""Which kernels klayr_py picks: the extension's when importable, Python's when told or missing."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import types

import pytest

from klayr_py import _native_loader

_PROBE = (
    "import logging; logging.basicConfig(level=logging.INFO, format='%(name)s: %(message)s');"
    "from klayr_py import _native_loader; from klayr_py.tree import merkle_tree;"
    "print(_native_loader.native is not None, merkle_tree._merkle_root.__module__)"
)


def _probe(environment: dict[str, str]) -> tuple[str, str]:
    """Import klayr_py in a fresh interpreter: (what it prints, what it logs)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip(), result.stderr.strip()


def _native_built() -> bool:
    try:
        import klayr_py._native  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("value", ["1", "yes"])
def test_the_variable_forces_python_kernels_and_says_so(value: str) -> None:
    printed, logged = _probe({"KLAYR_PY_NO_NATIVE": value})
    assert printed == "False klayr_py.tree.merkle_tree"
    assert logged == (
        "klayr_py.native: KLAYR_PY_NO_NATIVE is set: klayr_py uses its pure-Python kernels"
    )


@pytest.mark.parametrize("value", ["", "0"])
def test_the_extension_is_picked_when_built(value: str) -> None:
    if not _native_built():
        pytest.skip("klayr_py._native is not built (no cargo at install time)")
    printed, logged = _probe({"KLAYR_PY_NO_NATIVE": value})
    assert printed == "True klayr_py._native"
    assert logged == ""


def test_a_missing_extension_logs_one_line_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without cargo: the import fails, one warning, the Python kernel."""
    monkeypatch.delenv("KLAYR_PY_NO_NATIVE", raising=False)
    monkeypatch.setitem(sys.modules, "klayr_py._native", None)  # makes the import fail
    records: list[str] = []
    handler_logger = _native_loader._logger
    monkeypatch.setattr(handler_logger, "warning", lambda *args: records.append(args[0] % args[1:]))
    assert _native_loader._load() is None
    assert len(records) == 1
    assert records[0].startswith("klayr_py's Rust extension is not available")


def test_pick_returns_the_python_kernel_without_the_extension(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def kernel() -> str:
        return "python"

    monkeypatch.setattr(_native_loader, "native", None)
    assert _native_loader.pick("merkle_root", kernel) is kernel


def test_the_extension_is_a_release_build() -> None:
    """An editable install once built the debug profile, five times slower than Python."""
    if not _native_built():
        pytest.skip("klayr_py._native is not built (no cargo at install time)")
    import klayr_py._native as native

    assert native.DEBUG_BUILD is False


def test_a_kernel_missing_from_an_old_build_falls_back_to_python(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def kernel() -> str:
        return "python"

    monkeypatch.setattr(_native_loader, "native", types.ModuleType("klayr_py._native"))
    with caplog.at_level(logging.WARNING, logger="klayr_py.native"):
        assert _native_loader.pick("a_kernel_added_later", kernel) is kernel
    assert "has no a_kernel_added_later" in caplog.text
