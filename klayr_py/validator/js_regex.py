"""Compile JSON-schema ``pattern`` strings with JavaScript's meaning, as Ajv does.

Klayr's patterns run under JavaScript's RegExp, where ``$`` matches only at the very end and
``.`` excludes every line terminator. Python's ``$`` also matches before a trailing newline, so an
unchanged pattern like ``^[a-z]+$`` would accept ``"abc\\n"`` where Klayr rejects it. We translate
those two tokens (and JavaScript's named groups) and match ``\\d``/``\\w``/``\\b`` as ASCII,
like JavaScript.
"""

from __future__ import annotations

import functools
import re

_JS_DOT = "[^\\n\\r\\u2028\\u2029]"
_NAMED_BACKREFERENCE = re.compile(r"\\k<([A-Za-z_][A-Za-z0-9_]*)>")


def _translate(pattern: str) -> str:
    """Rewrite JavaScript-only meanings of ``$`` and ``.`` outside character classes."""
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        backreference = _NAMED_BACKREFERENCE.match(pattern, index)
        if backreference:
            out.append(f"(?P={backreference.group(1)})")
            index = backreference.end()
            continue
        if char == "\\" and index + 1 < len(pattern):
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            out.append("(?P<")  # a JavaScript named group
            index += 3
            continue
        elif char == "$":
            out.append("\\Z")
        elif char == ".":
            out.append(_JS_DOT)
        else:
            out.append(char)
        index += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def compile_js_pattern(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` as JavaScript would read it; raises :class:`re.error` if invalid."""
    return re.compile(_translate(pattern), re.ASCII)
