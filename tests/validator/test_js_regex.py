"""Patterns are read as JavaScript reads them, so Klayr's patterns accept the same strings."""

from __future__ import annotations

import re

import pytest

from klayr_py.validator.js_regex import compile_js_pattern


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[a-z]+$", "abc", True),
        ("^[a-z]+$", "abc\n", False),  # Python's $ would match before the newline
        ("^a.c$", "a\rc", False),  # JavaScript's . excludes every line terminator
        ("^a.c$", "a\u2028c", False),
        ("^a[.$]c$", "a$c", True),  # inside a class, $ and . stay literal
        ("^\\$\\.$", "$.", True),
        ("^\\d+$", "١٢٣", False),  # \d is ASCII in JavaScript
        ("^\\w+$", "é", False),
        ("^(?<n>a)\\k<n>$", "aa", True),
        ("^(?<=x)?a(?!b)", "a", True),  # lookarounds are left alone
    ],
)
def test_javascript_semantics(pattern: str, text: str, matches: bool) -> None:
    assert (compile_js_pattern(pattern).search(text) is not None) == matches


def test_invalid_pattern_raises() -> None:
    with pytest.raises(re.error):
        compile_js_pattern("(")
