"""Run JavaScript against Klayr's own npm packages, as a test oracle.

The packages live in ``tests/oracle/node_modules``, installed from the pinned package-lock.json by
``tests/conftest.py`` at the start of a test session when npm is present. Tests that use the oracle
call :func:`require_oracle` and are skipped with a clear reason when Node.js or the packages are
absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ORACLE_DIR = Path(__file__).resolve().parent
NODE_MODULES = ORACLE_DIR / "node_modules"


def oracle_missing_reason(package: str = "@klayr/codec") -> str | None:
    """Why the oracle cannot run, or None when it can."""
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (NODE_MODULES / package / "package.json").is_file():
        return f"{package} is not installed (run: npm ci --prefix tests/oracle)"
    return None


def require_oracle(package: str = "@klayr/codec") -> None:
    """Skip the calling test when the oracle for ``package`` is unavailable."""
    reason = oracle_missing_reason(package)
    if reason is not None:
        pytest.skip(reason)


def run_node(script: str, payload: Any = None, timeout: float = 120.0) -> Any:
    """Run ``script`` with Node.js; it reads JSON ``payload`` from stdin and prints JSON to stdout.

    Inside the script, ``input`` holds the parsed payload and ``output(value)`` prints the result.
    """
    prelude = (
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "const output = (v) => process.stdout.write(JSON.stringify(v, "
        "(k, x) => typeof x === 'bigint' ? x.toString() : "
        "(x && x.type === 'Buffer' && Array.isArray(x.data) ? "
        "Buffer.from(x.data).toString('hex') : x)));\n"
    )
    proc = subprocess.run(
        ["node", "-e", prelude + script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ORACLE_DIR,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"node failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)
