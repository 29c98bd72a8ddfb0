"""The CometBFT binary: the pinned release, found on the machine or built from its Go module.

klayr_py speaks ABCI 2.0 as CometBFT v0.38 defines it (the vendored ``proto/``), so the binary
must be of that line. :func:`find_cometbft` looks, in order, at ``$KLAYR_PY_COMETBFT``, the
klayr_py cache (where :func:`install_cometbft` puts it) and ``cometbft`` on ``PATH`` (used only
when it reports a v0.38 version). :func:`install_cometbft` runs ``go install
github.com/cometbft/cometbft/cmd/cometbft@<COMETBFT_VERSION>`` into the cache: a few minutes on
two cores the first time, seconds once Go's build cache holds it.

``python -m klayr_py.node.cometbft.binary`` prints the binary's path, installing it if needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from klayr_py.errors import KlayrError

__all__ = [
    "COMETBFT_MODULE",
    "COMETBFT_VERSION",
    "CometBFTUnavailableError",
    "cache_dir",
    "find_cometbft",
    "install_cometbft",
    "require_cometbft",
]

COMETBFT_MODULE = "github.com/cometbft/cometbft/cmd/cometbft"
COMETBFT_VERSION = "v0.38.26"
"""The newest v0.38 (ABCI 2.0) release on the Go module proxy when this was pinned."""
_ABCI_LINE = "0.38."


class CometBFTUnavailableError(KlayrError, RuntimeError):
    """No usable CometBFT binary, and it could not be built (no Go, or the build failed)."""


def cache_dir() -> Path:
    """Where the pinned binary is installed: ``$KLAYR_PY_CACHE`` or ``~/.cache/klayr_py``."""
    root = os.environ.get("KLAYR_PY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "klayr_py"
    )
    return Path(root) / f"cometbft-{COMETBFT_VERSION}"


def _version_of(binary: str) -> str:
    try:
        done = subprocess.run(
            [binary, "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def find_cometbft() -> Path | None:
    """The CometBFT binary to run, or None when none of the ABCI 2.0 (v0.38) line is found."""
    explicit = os.environ.get("KLAYR_PY_COMETBFT")
    if explicit:
        return Path(explicit)
    cached = cache_dir() / "cometbft"
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    on_path = shutil.which("cometbft")
    if on_path is not None and _version_of(on_path).startswith(_ABCI_LINE):
        return Path(on_path)
    return None


def install_cometbft(timeout: float = 1800.0) -> Path:
    """Build the pinned CometBFT with ``go install`` into :func:`cache_dir`; its path."""
    go = shutil.which("go")
    if go is None:
        raise CometBFTUnavailableError(
            "CometBFT is not installed and Go is absent: install Go, or put a CometBFT "
            f"{COMETBFT_VERSION} binary on PATH or in $KLAYR_PY_COMETBFT"
        )
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(target)}
    command = [go, "install", f"{COMETBFT_MODULE}@{COMETBFT_VERSION}"]
    if shutil.which("nice") is not None:
        command = ["nice", *command]  # a build must not starve a running node or test
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise CometBFTUnavailableError(
            f"go install of CometBFT {COMETBFT_VERSION} took over {timeout:.0f} s"
        ) from None
    binary = target / "cometbft"
    if done.returncode != 0 or not binary.is_file():
        raise CometBFTUnavailableError(
            f"go install of CometBFT {COMETBFT_VERSION} failed: {done.stderr.strip()[-2000:]}"
        )
    return binary


def require_cometbft() -> Path:
    """:func:`find_cometbft`, else :func:`install_cometbft`."""
    return find_cometbft() or install_cometbft()


if __name__ == "__main__":
    try:
        print(require_cometbft())
    except CometBFTUnavailableError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
