"""Every Python example in docs/ runs (blocks showing an interactive session are skipped)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[object]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for number, block in enumerate(_BLOCK.findall(page.read_text())):
            if ">>>" not in block:
                found.append(pytest.param(block, id=f"{page.stem}-{number}"))
    return found


@pytest.mark.parametrize("source", _examples())
def test_docs_example_runs(source: str) -> None:
    # As a script: an example's `if __name__ == "__main__":` block runs too.
    exec(compile(source, "<docs example>", "exec", dont_inherit=True), {"__name__": "__main__"})
