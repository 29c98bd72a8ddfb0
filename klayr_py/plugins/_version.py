"""Semantic versions (semver 2.0.0) and npm-style version constraints for plugin manifests.

:class:`Version` orders by semver precedence (build metadata ignored, so ``1.0.0+a == 1.0.0+b``).
:class:`VersionConstraint` reads ``>=1.2.0``, ``<2``, ``=1.2.3``/``==1.2.3``, ``^1.2.3``,
``~1.2.3``, ``*`` and conjunctions of them (``>=1.0.0, <2.0.0`` or ``>=1.0.0 <2.0.0``) with npm's
meaning, partial versions included (``^1.2``, ``>=1``, ``1.x``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from klayr_py.errors import KlayrError

__all__ = ["Comparator", "Version", "VersionConstraint", "VersionError"]


class VersionError(KlayrError, ValueError):
    """A version or version constraint is malformed; the message quotes it and says why."""


_NUMBER = r"0|[1-9][0-9]*"
_PRERELEASE_ID = r"0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*"
_BUILD_ID = r"[0-9A-Za-z-]+"
_PRERELEASE = rf"(?:{_PRERELEASE_ID})(?:\.(?:{_PRERELEASE_ID}))*"
_BUILD = rf"{_BUILD_ID}(?:\.{_BUILD_ID})*"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_PRERELEASE}))?(?:\+(?P<build>{_BUILD}))?"
)
_WILD = r"[xX*]"
_PARTIAL = re.compile(
    rf"(?P<major>{_NUMBER}|{_WILD})"
    rf"(?:\.(?P<minor>{_NUMBER}|{_WILD})"
    rf"(?:\.(?P<patch>{_NUMBER}|{_WILD})"
    rf"(?:-(?P<pre>{_PRERELEASE}))?(?:\+(?P<build>{_BUILD}))?)?)?"
)
_TOKEN = re.compile(r"\s*(?P<op>\^|~|>=|<=|==|=|>|<)?\s*(?P<version>[^\s<>=^~]+)\s*")
_SHAPE = "MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.2.3 or 1.0.0-beta.1"


_NOTHING = "<0.0.0-0"  # the comparator no version passes (npm's null set)


def _identifier(text: str) -> int | str:
    return int(text) if text.isdigit() else text


@dataclass(frozen=True, eq=False, repr=False)
class Version:
    """A semantic version; comparisons follow semver 2.0.0 precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()
    build: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Round-trip through the grammar so a hand-built Version is as valid as a parsed one.
        text = str(self)
        if min(self.major, self.minor, self.patch) < 0 or not _VERSION.fullmatch(text):
            raise VersionError(f"{text!r} is not a semantic version ({_SHAPE})")

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read ``MAJOR.MINOR.PATCH[-prerelease][+build]``; :class:`VersionError` otherwise."""
        if not isinstance(text, str):
            raise VersionError(f'a version must be a string such as "1.0.0", got {text!r}')
        match = _VERSION.fullmatch(text)
        if match is None:
            raise VersionError(f"{text!r} is not a semantic version ({_SHAPE})")
        pre, build = match["pre"], match["build"]
        return cls(
            int(match["major"]),
            int(match["minor"]),
            int(match["patch"]),
            tuple(_identifier(part) for part in pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    @property
    def release(self) -> tuple[int, int, int]:
        """``(major, minor, patch)``."""
        return (self.major, self.minor, self.patch)

    @property
    def is_prerelease(self) -> bool:
        """Whether the version carries a ``-prerelease`` tag."""
        return bool(self.prerelease)

    @property
    def precedence(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        """A key whose tuple order is semver precedence (build metadata plays no part)."""
        # A release ranks above its prereleases; numeric identifiers rank below alphanumeric ones.
        identifiers = tuple(
            (0, part, "") if isinstance(part, int) else (1, 0, part) for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, identifiers)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(part) for part in self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"Version({str(self)!r})"

    def __hash__(self) -> int:
        return hash(self.precedence)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.precedence == other.precedence

    def __lt__(self, other: Version) -> bool:
        return self.precedence < other.precedence

    def __le__(self, other: Version) -> bool:
        return self.precedence <= other.precedence

    def __gt__(self, other: Version) -> bool:
        return self.precedence > other.precedence

    def __ge__(self, other: Version) -> bool:
        return self.precedence >= other.precedence

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _text_schema(_coerce_version)


def _text_schema(coerce: Callable[[Any], Any]) -> core_schema.CoreSchema:
    """A pydantic field type read from its text (or taken as is) and written back as ``str``."""
    return core_schema.no_info_plain_validator_function(
        coerce, serialization=core_schema.plain_serializer_function_ser_schema(str)
    )


def _coerce_version(value: Any) -> Version:
    return value if isinstance(value, Version) else Version.parse(value)


Operator = Literal["<", "<=", ">", ">=", "="]


@dataclass(frozen=True)
class Comparator:
    """One primitive test, ``<op> <version>``; constraints desugar into these."""

    op: Operator
    version: Version

    def test(self, version: Version) -> bool:
        """Whether ``version`` passes this comparison (precedence only)."""
        key, bound = version.precedence, self.version.precedence
        if self.op == "<":
            return key < bound
        if self.op == "<=":
            return key <= bound
        if self.op == ">":
            return key > bound
        if self.op == ">=":
            return key >= bound
        return key == bound

    def __str__(self) -> str:
        return f"{self.op}{self.version}"


_Partial = tuple[int | None, int | None, int | None, tuple[int | str, ...]]


def _floor(major: int, minor: int, patch: int) -> Version:
    """The lowest version of a release: ``M.m.p-0`` (an exclusive upper bound skips them all)."""
    return Version(major, minor, patch, (0,))


def _desugar(op: str, partial: _Partial) -> list[Comparator]:
    major, minor, patch, pre = partial
    if major is None:  # "*", "x": any version, except that ">*" and "<*" match nothing.
        return [Comparator("<", _floor(0, 0, 0))] if op in (">", "<") else []
    low = Version(major, minor or 0, patch or 0, pre)
    if minor is None:
        next_up = _floor(major + 1, 0, 0)
    elif patch is None:
        next_up = _floor(major, minor + 1, 0)
    else:
        next_up = None  # a full version
    if op in ("", "=", "=="):
        return (
            [Comparator("=", low)]
            if next_up is None
            else [Comparator(">=", low), Comparator("<", next_up)]
        )
    if op == ">=":
        return [Comparator(">=", low)]
    if op == ">":
        if next_up is None:
            return [Comparator(">", low)]
        return [Comparator(">=", Version(*next_up.release))]
    if op == "<":
        return [Comparator("<", low if next_up is None else _floor(*low.release))]
    if op == "<=":
        return [Comparator("<=", low) if next_up is None else Comparator("<", next_up)]
    if op == "~":
        upper = _floor(major + 1, 0, 0) if minor is None else _floor(major, minor + 1, 0)
        return [Comparator(">=", low), Comparator("<", upper)]
    # "^": the leftmost non-zero of the given parts may not change.
    if major > 0 or minor is None:
        upper = _floor(major + 1, 0, 0)
    elif minor > 0 or patch is None:
        upper = _floor(0, minor + 1, 0)
    else:
        upper = _floor(0, 0, patch + 1)
    return [Comparator(">=", low), Comparator("<", upper)]


def _parse_partial(text: str, whole: str) -> _Partial:
    match = _PARTIAL.fullmatch(text)
    if match is None:
        raise VersionError(
            f"{whole!r} is not a valid version constraint: {text!r} is not a version "
            "(MAJOR[.MINOR[.PATCH[-prerelease][+build]]], 'x' or '*' for any part)"
        )
    parts: list[int | None] = []
    for name in ("major", "minor", "patch"):
        value = match[name]
        parts.append(None if value is None or value in "xX*" else int(value))
    if (parts[0] is None and parts[1] is not None) or (parts[1] is None and parts[2] is not None):
        raise VersionError(
            f"{whole!r} is not a valid version constraint: in {text!r} a number follows a wildcard"
        )
    if match["pre"] and parts[2] is None:
        raise VersionError(
            f"{whole!r} is not a valid version constraint: {text!r} has a prerelease tag but "
            "no patch number"
        )
    pre = tuple(_identifier(part) for part in match["pre"].split(".")) if match["pre"] else ()
    return (parts[0], parts[1], parts[2], pre)


@dataclass(frozen=True)
class VersionConstraint:
    """A conjunction of comparators; :meth:`allows` says whether a version satisfies all."""

    text: str
    comparators: tuple[Comparator, ...]

    @classmethod
    def parse(cls, text: str) -> VersionConstraint:
        """Read a constraint such as ``^1.2``, ``~0.3.1`` or ``>=1.0.0, <2.0.0``."""
        if not isinstance(text, str):
            raise VersionError(
                f'a version constraint must be a string such as "^1.0.0", got {text!r}'
            )
        if "||" in text:
            raise VersionError(f"{text!r} is not a valid version constraint: '||' is not supported")
        if not text.strip():
            raise VersionError("an empty version constraint (write '*' to accept any version)")
        comparators: list[Comparator] = []
        for segment in text.split(","):
            if not segment.strip():
                raise VersionError(
                    f"{text!r} is not a valid version constraint: an empty part between commas"
                )
            position = 0
            while position < len(segment):
                token = _TOKEN.match(segment, position)
                if token is None or token.end() == position:
                    raise VersionError(
                        f"{text!r} is not a valid version constraint: cannot read "
                        f"{segment[position:].strip()!r}"
                    )
                partial = _parse_partial(token["version"], text)
                comparators.extend(_desugar(token["op"] or "", partial))
                position = token.end()
        return cls(text.strip(), tuple(comparators))

    def allows(self, version: Version | str) -> bool:
        """Whether ``version`` satisfies every comparator (npm's prerelease rule included).

        As in npm, a prerelease satisfies a constraint only if one of its comparators names a
        prerelease of the same ``MAJOR.MINOR.PATCH``: ``>=1.0.0`` does not admit ``1.1.0-beta``.
        ``*`` admits everything, prereleases too.
        """
        if isinstance(version, str):
            version = Version.parse(version)
        if not all(comparator.test(version) for comparator in self.comparators):
            return False
        if not version.prerelease or not self.comparators:
            return True
        return any(
            comparator.version.prerelease and comparator.version.release == version.release
            for comparator in self.comparators
        )

    @property
    def normalized(self) -> str:
        """The primitive comparators, space-separated (``*`` for none): ``>=1.2.0 <2.0.0-0``.

        As npm's ``semver.validRange`` prints them: an equality is the bare version, a repeated
        comparator appears once, ``>=0.0.0``, which every release passes, is left out (``^0`` is
        ``<1.0.0-0``), and a set with ``<0.0.0-0``, which nothing passes, is just that.
        """
        shown = [
            str(comparator.version) if comparator.op == "=" else str(comparator)
            for comparator in self.comparators
        ]
        if _NOTHING in shown:
            return _NOTHING
        return " ".join(text for text in dict.fromkeys(shown) if text != ">=0.0.0") or "*"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return _text_schema(_coerce_constraint)


def _coerce_constraint(value: Any) -> VersionConstraint:
    return value if isinstance(value, VersionConstraint) else VersionConstraint.parse(value)
