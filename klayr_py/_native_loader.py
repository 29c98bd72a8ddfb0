"""The one place that decides whether klayr_py's Rust kernels (``klayr_py._native``) are used.

The extension is optional: built from ``native/`` when cargo is present at install time, absent
otherwise. Each kernel's pure-Python twin stays the reference and the fallback. Setting the
environment variable ``KLAYR_PY_NO_NATIVE`` to a non-empty value other than ``0`` forces the
Python code (as ``AIOHTTP_NO_EXTENSIONS`` does for aiohttp); either way one log line says so.
Modules pick a kernel with :func:`pick`, so nothing else ever mentions the extension.
"""

from __future__ import annotations

import importlib
import logging
import os
from types import ModuleType
from typing import TypeVar

__all__ = ["NO_NATIVE_VARIABLE", "native", "pick"]

NO_NATIVE_VARIABLE = "KLAYR_PY_NO_NATIVE"

_logger = logging.getLogger("klayr_py.native")

_Kernel = TypeVar("_Kernel")


def _load() -> ModuleType | None:
    if os.environ.get(NO_NATIVE_VARIABLE, "") not in ("", "0"):
        _logger.info("%s is set: klayr_py uses its pure-Python kernels", NO_NATIVE_VARIABLE)
        return None
    try:
        return importlib.import_module("klayr_py._native")
    except ImportError as error:
        _logger.warning(
            "klayr_py's Rust extension is not available (%s): using the slower pure-Python "
            "kernels; see docs/native.md",
            error,
        )
        return None


native: ModuleType | None = _load()
"""The extension module, or None when absent or disabled."""


def pick(name: str, python_kernel: _Kernel) -> _Kernel:
    """The extension's function ``name`` if the extension is in use, else ``python_kernel``
    (its twin, with the same signature, results and errors)."""
    if native is None:
        return python_kernel
    kernel: _Kernel | None = getattr(native, name, None)
    if kernel is None:  # an extension built from older sources: rebuild it (pip install -e .)
        _logger.warning(
            "klayr_py's Rust extension has no %s (built from older sources?): using the "
            "pure-Python kernel",
            name,
        )
        return python_kernel
    return kernel
