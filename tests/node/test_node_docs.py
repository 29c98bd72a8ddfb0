"""docs/node.md's "A chain in a few lines", saved and run as a script, as a reader would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "node.md"


def _example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## A chain in a few lines", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block under 'A chain in a few lines'"
    return match.group(1)


@pytest.mark.parametrize("guarded", [True, False])
def test_the_few_lines_chain_runs_as_a_script(tmp_path: Path, guarded: bool) -> None:
    code = _example()
    if not guarded:  # as a reader may paste it: the body at top level, no __main__ guard
        code = code.replace('if __name__ == "__main__":', "if True:")
    script = tmp_path / "chain.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "'availableBalance': '1000000000000'" in done.stdout, done.stdout
