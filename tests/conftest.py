"""Session set-up shared by every test: the Node.js oracle is installed once when npm is present."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.oracle.node import NODE_MODULES, ORACLE_DIR

# The node, plugin and testing tests run the hello example's module beside the default modules.
_HELLO = Path(__file__).resolve().parents[1] / "examples" / "hello_module"
if str(_HELLO) not in sys.path:
    sys.path.insert(0, str(_HELLO))


def pytest_sessionstart(session: object) -> None:
    """Install Klayr's npm packages for the oracle tests (pinned by package-lock.json).

    Without npm, or when the install fails, oracle tests skip with the reason; set
    KLAYR_PY_NO_ORACLE=1 to skip them on purpose.
    """
    if os.environ.get("KLAYR_PY_NO_ORACLE") or _all_installed():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return
    # Say what the pause is (a minute or more on a first run), past pytest's output capture.
    report = sys.__stderr__ or sys.stderr
    report.write("klayr_py tests: installing Klayr's npm packages (npm ci in tests/oracle)... ")
    report.flush()
    done = subprocess.run(
        [npm, "ci", "--silent", "--no-audit", "--no-fund"],
        cwd=ORACLE_DIR,
        check=False,
        timeout=600,
        capture_output=True,
        text=True,
    )
    failure = (done.stderr.strip().splitlines() or ["no message"])[-1]
    report.write("done\n" if done.returncode == 0 else f"failed ({failure}): oracle tests skip\n")


def _all_installed() -> bool:
    """Whether every package pinned in package.json is in node_modules (a new pin reinstalls)."""
    pinned = json.loads((ORACLE_DIR / "package.json").read_text())["dependencies"]
    return all((NODE_MODULES / name / "package.json").is_file() for name in pinned)
