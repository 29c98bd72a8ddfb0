"""The Rust extension for the differential tests, or a skip saying why it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest


def native_module() -> ModuleType:
    """``klayr_py._native`` imported directly (whatever KLAYR_PY_NO_NATIVE says), or a skip."""
    try:
        return importlib.import_module("klayr_py._native")
    except ImportError as error:  # only on a machine where cargo was absent at install time
        pytest.skip(f"klayr_py._native is not built ({error}); see docs/native.md")
