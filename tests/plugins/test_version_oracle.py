"""Plugin version constraints mean what npm's ``semver`` says they mean (differential test).

This is why klayr_py keeps its own small semver module: the PyPI port ``node-semver`` (0.9.1)
agrees on ``satisfies`` but desugars ranges as npm's semver 5 did (``^1.2.3`` to ``<2.0.0``, where
npm's semver 7 says ``<2.0.0-0``), and npm's own package is the reference here.

Generated versions (prereleases included) and constraints (comparators, caret, tilde, x-ranges,
partial versions, conjunctions) are checked against npm's ``semver.satisfies`` and
``semver.compare``, in one Node.js process per batch.
"""

from __future__ import annotations

from hypothesis import strategies as st

from klayr_py.plugins.manifest import Version, VersionConstraint
from tests.oracle.batch import draw_many
from tests.oracle.node import require_oracle, run_node

_NUMBERS = st.integers(0, 3)
_PRERELEASE = st.lists(st.sampled_from(["alpha", "beta", "rc", "0", "1", "2"]), max_size=2)


@st.composite
def versions(draw: st.DrawFn) -> str:
    text = ".".join(str(draw(_NUMBERS)) for _ in range(3))
    pre = draw(_PRERELEASE)
    return f"{text}-{'.'.join(pre)}" if pre else text


@st.composite
def partials(draw: st.DrawFn) -> str:
    parts = [str(draw(_NUMBERS)) for _ in range(draw(st.integers(1, 3)))]
    if len(parts) < 3 and draw(st.booleans()):
        parts.append(draw(st.sampled_from(["x", "X", "*"])))
    if len(parts) == 3 and parts[-1].isdigit() and draw(st.booleans()):
        return f"{'.'.join(parts)}-{draw(st.sampled_from(['alpha', 'beta.1', '0']))}"
    return ".".join(parts)


@st.composite
def constraints(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    ops = st.sampled_from(["", "=", ">", ">=", "<", "<=", "^", "~"])
    return " ".join(draw(ops) + draw(partials()) for _ in range(count))


_SCRIPT = """
const semver = require('semver');
output(input.map(([v, r]) => [
  semver.satisfies(v, r), semver.compare(v, input[0][0]), semver.validRange(r),
]));
"""


def test_satisfies_and_ordering_agree_with_npm_semver() -> None:
    require_oracle("semver")
    pairs = [list(p) for p in draw_many(st.tuples(versions(), constraints()), 3000)]
    expected = run_node(_SCRIPT, pairs)
    first = Version.parse(pairs[0][0])
    for (version, constraint), (allowed, order, desugared) in zip(pairs, expected, strict=True):
        parsed = VersionConstraint.parse(constraint)
        assert parsed.allows(version) == allowed, f"{version!r} in {constraint!r}: npm {allowed}"
        assert parsed.normalized == (desugared or "*"), constraint
        mine = Version.parse(version)
        assert (mine > first) - (mine < first) == order, (version, pairs[0][0])
