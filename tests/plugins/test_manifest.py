"""plugin.toml: every field, semver precedence, npm-style constraints, one error listing all."""

from __future__ import annotations

import itertools
import os
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klayr_py.errors import KlayrError
from klayr_py.plugins.manifest import (
    Capability,
    ManifestError,
    PluginConfigError,
    PluginManifest,
    Version,
    VersionConstraint,
    VersionError,
    is_plugin_name,
    load_manifest,
    rpc_namespace,
)

MINIMAL = 'name = "hello-stats"\nversion = "1.0.0"\nentry_point = "hello_stats.plugin"\n'


def manifest(extra: str = "", **fields: str) -> PluginManifest:
    lines = {"name": '"hello-stats"', "version": '"1.0.0"', "entry_point": '"hello_stats.plugin"'}
    lines.update(fields)
    text = "".join(f"{key} = {value}\n" for key, value in lines.items()) + extra
    return PluginManifest.from_toml(text, source="plugins/hello/plugin.toml")


def problems(extra: str = "", **fields: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        manifest(extra, **fields)
    return caught.value.problems


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
     "1.0.0-x.7.z.92", "1.0.0-x-y-z.--", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
     "1.0.0+21AF26D3----117B344092BD", "1.0.0-0A.is.legal"],
)  # fmt: skip
def test_valid_versions_round_trip(text: str) -> None:
    assert str(Version.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "v1.2.3", "1.2.3-", "1.2.3+",
     "1.2.3-01", "1.2.3-alpha..1", "1.2.3+a..b", "1.2.3-al$pha", " 1.2.3", "1.2.3 ", "-1.2.3",
     "1.2.٣", "", "a.b.c"],
)  # fmt: skip
def test_invalid_versions_are_refused(text: str) -> None:
    with pytest.raises(VersionError, match="is not a semantic version"):
        Version.parse(text)


def test_a_version_must_be_a_string() -> None:
    with pytest.raises(VersionError, match="must be a string"):
        Version.parse(1)  # type: ignore[arg-type]


def test_hand_built_versions_are_checked() -> None:
    assert Version(1, 2, 3, ("beta", 1)) == Version.parse("1.2.3-beta.1")
    with pytest.raises(VersionError):
        Version(-1, 0, 0)
    with pytest.raises(VersionError):
        Version(1, 0, 0, ("bad id",))


def test_prerelease_precedence_follows_semver() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
               "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]  # fmt: skip
    versions = [Version.parse(text) for text in ordered]
    assert sorted(reversed(versions)) == versions
    assert all(a < b for a, b in itertools.pairwise(versions))
    assert Version.parse("1.0.0-2") < Version.parse("1.0.0-10")  # numeric, not lexical
    assert Version.parse("1.0.0-999") < Version.parse("1.0.0-a")  # numeric below alphanumeric
    assert Version.parse("1.0.0-Z") < Version.parse("1.0.0-a")  # ASCII order


def test_build_metadata_is_ignored_in_precedence() -> None:
    a, b = Version.parse("1.0.0+a"), Version.parse("1.0.0+b")
    assert a == b and hash(a) == hash(b) and not a < b and a <= b and a >= b
    assert str(a) == "1.0.0+a" and a.build == ("a",)
    assert Version.parse("1.0.0-rc.1+z") < Version.parse("1.0.0+a")


def test_version_properties() -> None:
    version = Version.parse("1.2.3-rc.1+build.5")
    assert version.release == (1, 2, 3)
    assert version.prerelease == ("rc", 1) and version.is_prerelease
    assert not Version.parse("1.2.3").is_prerelease
    assert repr(version) == "Version('1.2.3-rc.1+build.5')"
    assert version != "1.2.3-rc.1+build.5"


_numbers = st.integers(min_value=0, max_value=10**6)
_numeric_ids = _numbers.map(str)
_alnum_ids = st.from_regex(r"[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*", fullmatch=True).filter(
    lambda text: len(text) <= 8
)
_build_ids = st.from_regex(r"[0-9A-Za-z-]{1,6}", fullmatch=True)


@st.composite
def version_texts(draw: st.DrawFn) -> str:
    text = ".".join(str(draw(st.integers(0, 3))) for _ in range(3))
    pre = draw(
        st.lists(st.one_of(st.integers(0, 3).map(str), _numeric_ids, _alnum_ids), max_size=3)
    )
    build = draw(st.lists(_build_ids, max_size=2))
    if pre:
        text += "-" + ".".join(pre)
    if build:
        text += "+" + ".".join(build)
    return text


def reference_compare(a: str, b: str) -> int:
    """Semver 2.0.0 section 11, written out literally from the text."""

    def split(text: str) -> tuple[list[int], list[str]]:
        text = text.split("+", 1)[0]
        core, _, pre = text.partition("-")
        return [int(part) for part in core.split(".")], pre.split(".") if pre else []

    (core_a, pre_a), (core_b, pre_b) = split(a), split(b)
    if core_a != core_b:
        return -1 if core_a < core_b else 1
    if not pre_a or not pre_b:
        return (not pre_a) - (not pre_b)
    for x, y in zip(pre_a, pre_b, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pre_a) > len(pre_b)) - (len(pre_a) < len(pre_b))


@given(version_texts())
def test_parsing_round_trips(text: str) -> None:
    version = Version.parse(text)
    assert str(version) == text
    assert Version.parse(str(version)) == version


@given(version_texts(), version_texts())
def test_precedence_matches_the_semver_text(a: str, b: str) -> None:
    x, y = Version.parse(a), Version.parse(b)
    expected = reference_compare(a, b)
    assert [x < y, x == y, x > y] == [expected < 0, expected == 0, expected > 0]
    assert (x <= y) == (expected <= 0) and (x >= y) == (expected >= 0)
    if x == y:
        assert hash(x) == hash(y)


@given(st.lists(version_texts(), min_size=3, max_size=3))
def test_precedence_is_transitive(texts: list[str]) -> None:
    a, b, c = sorted(Version.parse(text) for text in texts)
    assert a <= b <= c and a <= c


@given(version_texts())
def test_caret_tilde_and_equals_allow_the_version_itself(text: str) -> None:
    version = Version.parse(text)
    for operator in ("^", "~", "=", "==", ">=", "<=", ""):
        assert VersionConstraint.parse(operator + text).allows(version), operator
    assert not VersionConstraint.parse(">" + text).allows(version)
    assert not VersionConstraint.parse("<" + text).allows(version)
    assert VersionConstraint.parse("*").allows(version)


@given(version_texts())
def test_caret_stops_before_the_next_breaking_release(text: str) -> None:
    version = Version.parse(text)
    caret = VersionConstraint.parse("^" + text)
    major, minor, patch = version.release
    if major:
        breaking = f"{major + 1}.0.0"
    elif minor:
        breaking = f"0.{minor + 1}.0"
    else:
        breaking = f"0.0.{patch + 1}"
    assert not caret.allows(breaking)


@given(version_texts(), version_texts(), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
def test_a_conjunction_allows_a_release_iff_each_part_does(
    low: str, high: str, major: int, minor: int, patch: int
) -> None:
    release = Version(major, minor, patch)
    both = VersionConstraint.parse(f">={low}, <{high}")
    assert both.allows(release) == (
        VersionConstraint.parse(f">={low}").allows(release)
        and VersionConstraint.parse(f"<{high}").allows(release)
    )


# --- constraints ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "allowed", "refused"),
    [
        (">=1.2.0", ["1.2.0", "1.2.1", "5.0.0"], ["1.1.9", "1.2.0-rc.1", "1.3.0-beta"]),
        (">1.2.0", ["1.2.1", "2.0.0"], ["1.2.0", "1.1.0"]),
        ("<=2.0.0", ["2.0.0", "0.0.0", "1.9.9"], ["2.0.1", "2.0.0-rc.1"]),
        ("<2.0.0", ["1.9.9", "0.1.0"], ["2.0.0", "2.0.0-rc.1", "3.0.0"]),
        ("=1.2.3", ["1.2.3", "1.2.3+build"], ["1.2.4", "1.2.2", "1.2.3-rc.1"]),
        ("==1.2.3", ["1.2.3"], ["1.2.4"]),
        ("1.2.3", ["1.2.3"], ["1.2.4"]),
        ("^1.2.3", ["1.2.3", "1.9.9", "1.2.4"], ["1.2.2", "2.0.0", "2.0.0-alpha", "1.3.0-rc.1"]),
        ("^0.2.3", ["0.2.3", "0.2.9"], ["0.2.2", "0.3.0", "1.0.0"]),
        ("^0.0.3", ["0.0.3", "0.0.3+b"], ["0.0.4", "0.0.2", "0.1.0", "0.0.4-0"]),
        ("^0.0", ["0.0.0", "0.0.9"], ["0.1.0"]),
        ("^0", ["0.0.0", "0.9.9"], ["1.0.0"]),
        ("^1.2", ["1.2.0", "1.9.0"], ["1.1.9", "2.0.0"]),
        ("^1", ["1.0.0", "1.9.0"], ["0.9.0", "2.0.0"]),
        ("^1.2.3-beta.2", ["1.2.3-beta.2", "1.2.3-beta.4", "1.2.3", "1.5.0"],
         ["1.2.3-beta.1", "1.2.4-beta", "2.0.0"]),
        ("~1.2.3", ["1.2.3", "1.2.9"], ["1.2.2", "1.3.0"]),
        ("~0.2.3", ["0.2.3", "0.2.9"], ["0.3.0"]),
        ("~0.0.3", ["0.0.3", "0.0.9"], ["0.1.0"]),
        ("~1.2", ["1.2.0", "1.2.9"], ["1.3.0", "1.1.0"]),
        ("~1", ["1.0.0", "1.9.9"], ["2.0.0"]),
        (">=1", ["1.0.0", "9.0.0"], ["0.9.9"]),
        (">1", ["2.0.0"], ["1.9.9", "1.0.0"]),
        (">1.2", ["1.3.0"], ["1.2.9"]),
        ("<1.2", ["1.1.9"], ["1.2.0", "1.2.0-alpha"]),
        ("<=1.2", ["1.2.9"], ["1.3.0"]),
        ("=1", ["1.0.0", "1.9.9"], ["2.0.0", "0.9.9"]),
        ("1.x", ["1.0.0", "1.9.9"], ["2.0.0"]),
        ("1.2.*", ["1.2.0", "1.2.9"], ["1.3.0"]),
        ("*", ["0.0.0", "1.0.0-alpha", "99.0.0"], []),
        (">=1.0.0, <2.0.0", ["1.0.0", "1.9.9"], ["0.9.9", "2.0.0"]),
        (">=1.0.0 <2.0.0", ["1.0.0", "1.9.9"], ["0.9.9", "2.0.0"]),
        (">= 1.0.0 , < 2", ["1.5.0"], ["2.0.0"]),
        (">=1.0.0, *", ["1.0.0"], ["0.1.0"]),
        (">*", [], ["0.0.0", "1.0.0"]),
    ],
)  # fmt: skip
def test_constraint_operators_and_boundaries(
    constraint: str, allowed: list[str], refused: list[str]
) -> None:
    parsed = VersionConstraint.parse(constraint)
    for version in allowed:
        assert parsed.allows(version), f"{constraint} should allow {version}"
        assert parsed.allows(Version.parse(version))
    for version in refused:
        assert not parsed.allows(version), f"{constraint} should refuse {version}"


@pytest.mark.parametrize(
    ("constraint", "normalized"),
    [("^1.2.3", ">=1.2.3 <2.0.0-0"), ("^0.2.3", ">=0.2.3 <0.3.0-0"), ("^0.0.3", ">=0.0.3 <0.0.4-0"),
     ("~1.2.3", ">=1.2.3 <1.3.0-0"), (">1.2", ">=1.3.0"), ("*", "*"), ("=1.2.3", "1.2.3"),
     ("^0", "<1.0.0-0"), (">=1.0.0, <2.0.0", ">=1.0.0 <2.0.0")],
)  # fmt: skip
def test_constraints_desugar_like_npm(constraint: str, normalized: str) -> None:
    parsed = VersionConstraint.parse(constraint)
    assert parsed.normalized == normalized
    assert str(parsed) == constraint


@pytest.mark.parametrize(
    ("constraint", "reason"),
    [("", "empty"), ("  ", "empty"), (">=1.0.0,", "empty part"), (",<2", "empty part"),
     ("^1.2.3.4", "is not a version"), ("~>1.2", "cannot read|not a version"),
     ("^", "cannot read"), (">=01.0.0", "is not a version"), ("1.x.3", "follows a wildcard"),
     ("x.1", "follows a wildcard"), ("1.2-beta", "not a version"), ("1.2.x-beta", "no patch"),
     (">=1.0.0 || <0.5", r"'\|\|' is not supported"), ("abc", "not a version"),
     (">=1.0.0 <", "cannot read")],
)  # fmt: skip
def test_bad_constraints_are_refused(constraint: str, reason: str) -> None:
    with pytest.raises(VersionError, match=reason):
        VersionConstraint.parse(constraint)


def test_a_constraint_must_be_a_string() -> None:
    with pytest.raises(VersionError, match="must be a string"):
        VersionConstraint.parse(5)  # type: ignore[arg-type]


def test_allows_rejects_a_bad_version_string() -> None:
    with pytest.raises(VersionError):
        VersionConstraint.parse("*").allows("1.0")


# --- manifest fields --------------------------------------------------------------------------


def test_a_minimal_manifest() -> None:
    parsed = PluginManifest.from_toml(MINIMAL)
    assert parsed.name == "hello-stats" and parsed.rpc_namespace == "helloStats"
    assert parsed.version == Version(1, 0, 0)
    assert parsed.entry_kind == "module" and parsed.entry_module == "hello_stats.plugin"
    assert parsed.entry_object is None and parsed.entry_path(Path("x")) is None
    assert parsed.description is None and parsed.author is None
    assert parsed.capabilities == () and parsed.dependencies == {}
    assert parsed.optional_dependencies == {} and parsed.config_schema is None
    assert parsed.limits.memory_mb is None and parsed.limits.cpu_seconds is None
    assert parsed.limits.open_files is None


def test_a_full_manifest() -> None:
    parsed = PluginManifest.from_toml(
        """
name = "hello_stats"
version = "2.1.0-rc.1+build.7"
entry_point = "hello_stats.plugin:HelloStatsPlugin"
description = "Counts hellos per address."
author = "Klayr builders"
capabilities = ["subscribe_events", "plugin_storage", "register_rpc_endpoint"]

[dependencies]
indexer = "^1.2"

[optional_dependencies]
notifier = ">=0.3.0, <1.0.0"

[config_schema]
type = "object"
properties.top = { type = "integer", default = 10 }

[limits]
memory_mb = 256
cpu_seconds = 60
open_files = 64
"""
    )
    assert parsed.rpc_namespace == "helloStats"
    assert str(parsed.version) == "2.1.0-rc.1+build.7"
    assert parsed.entry_module == "hello_stats.plugin"
    assert parsed.entry_object == "HelloStatsPlugin"
    assert parsed.description == "Counts hellos per address." and parsed.author == "Klayr builders"
    assert parsed.capabilities == (
        Capability.SUBSCRIBE_EVENTS,
        Capability.PLUGIN_STORAGE,
        Capability.REGISTER_RPC_ENDPOINT,
    )
    assert "plugin_storage" in parsed.capabilities
    assert parsed.dependencies["indexer"].allows("1.5.0")
    assert not parsed.optional_dependencies["notifier"].allows("1.0.0")
    assert (parsed.limits.memory_mb, parsed.limits.cpu_seconds, parsed.limits.open_files) == (
        256,
        60,
        64,
    )
    dumped = parsed.model_dump(mode="json")
    assert dumped["version"] == "2.1.0-rc.1+build.7"
    assert dumped["dependencies"] == {"indexer": "^1.2"}
    assert PluginManifest.from_dict(dumped) == parsed


@pytest.mark.parametrize(
    ("name", "namespace"),
    [("hello", "hello"), ("hello-stats", "helloStats"), ("hello_stats", "helloStats"),
     ("a1-b2-c3", "a1B2C3"), ("x", "x"), ("my-2nd-plugin", "my2ndPlugin")],
)  # fmt: skip
def test_names_and_rpc_namespaces(name: str, namespace: str) -> None:
    assert is_plugin_name(name) and rpc_namespace(name) == namespace
    assert manifest(name=f'"{name}"').rpc_namespace == namespace


@pytest.mark.parametrize(
    "name",
    ["Hello", "1hello", "-hello", "_hello", "hello-", "hello--stats", "hello stats", "hello.stats",
     "héllo", "", "a" * 65],
)  # fmt: skip
def test_bad_names_are_refused(name: str) -> None:
    assert not is_plugin_name(name)
    [line] = problems(name=f'"{name}"')
    assert line.startswith(f"name: {name!r} is not a valid plugin name")


def test_a_name_must_be_a_string() -> None:
    assert problems(name="5") == ["name: must be a string, got 5"]


def test_a_bad_version_is_refused() -> None:
    [line] = problems(version='"1.0"')
    assert line.startswith("version: '1.0' is not a semantic version")
    [line] = problems(version="1")
    assert line.startswith("version: a version must be a string")


@pytest.mark.parametrize("field", ["name", "version", "entry_point"])
def test_required_fields(field: str) -> None:
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(field))
    with pytest.raises(ManifestError) as caught:
        PluginManifest.from_toml(text)
    assert caught.value.problems == [f"{field}: required field is missing"]


def test_unknown_fields_are_errors() -> None:
    assert problems(homepage='"x"') == ["homepage: unknown field"]


def test_description_and_author_must_be_strings() -> None:
    assert problems(description="1", author="true") == [
        "description: Input should be a valid string, got 1",
        "author: Input should be a valid string, got True",
    ]


@pytest.mark.parametrize(
    ("entry_point", "kind"),
    [("hello_stats", "module"), ("hello_stats.plugin", "module"), ("pkg.mod:Cls", "module"),
     ("pkg.mod:ns.Cls", "module"), ("./run", "executable"), ("bin/run.sh", "executable")],
)  # fmt: skip
def test_entry_point_kinds(entry_point: str, kind: str) -> None:
    assert manifest(entry_point=f'"{entry_point}"').entry_kind == kind


@pytest.mark.parametrize(
    ("entry_point", "reason"),
    [("hello stats", "not a Python module path"), ("1mod", "not a Python module path"),
     ("pkg.mod:", "not a Python module path"), ("pkg..mod", "not a Python module path"),
     ("/usr/bin/run", "relative to the plugin directory"), ("../other/run", "inside the plugin"),
     ("bin/../../run", "inside the plugin")],
)  # fmt: skip
def test_bad_entry_points(entry_point: str, reason: str) -> None:
    [line] = problems(entry_point=f'"{entry_point}"')
    assert line.startswith("entry_point: ") and reason in line


def test_entry_kind_can_be_declared() -> None:
    parsed = manifest(entry_point='"run.sh"', entry_kind='"executable"')
    assert parsed.entry_kind == "executable" and parsed.entry_module is None
    assert parsed.entry_path(Path("/p")) == Path("/p/run.sh")
    assert problems(entry_kind='"binary"') == [
        "entry_kind: must be 'module' or 'executable', got 'binary'"
    ]


def test_an_executable_entry_point_is_checked_in_its_directory(tmp_path: Path) -> None:
    def write(entry: str) -> None:
        (tmp_path / "plugin.toml").write_text(MINIMAL.replace("hello_stats.plugin", entry))

    write("./bin/run")
    with pytest.raises(ManifestError, match="is not a file in the plugin directory"):
        load_manifest(tmp_path)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "run").write_text("#!/bin/sh\n")
    with pytest.raises(ManifestError, match="is not executable"):
        load_manifest(tmp_path)
    (tmp_path / "bin" / "run").chmod(0o755)
    loaded = load_manifest(tmp_path)
    assert loaded.entry_kind == "executable"
    assert loaded.entry_path(tmp_path) == tmp_path / "bin" / "run"
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.write_text("#!/bin/sh\n")
    outside.chmod(0o755)
    os.symlink(outside, tmp_path / "escape")
    write("./escape")
    with pytest.raises(ManifestError, match="resolves outside the plugin directory"):
        load_manifest(tmp_path)


def test_capabilities() -> None:
    every = [capability.value for capability in Capability]
    assert every == ["read_chain", "read_state", "read_txpool", "subscribe_events",
                     "send_transactions", "register_rpc_endpoint", "plugin_storage",
                     "call_plugin", "network"]  # fmt: skip
    assert manifest(capabilities=repr(every).replace("'", '"')).capabilities == tuple(Capability)
    lines = problems(capabilities='["fly", "read_chain", "read_chain", 3, "fly"]')
    assert lines[0].startswith("capabilities[0]: unknown capability 'fly' (known: read_chain, ")
    assert lines[1] == "capabilities[2]: duplicate capability 'read_chain'"
    assert lines[2].startswith("capabilities[3]: unknown capability 3")
    assert lines[3].startswith("capabilities[4]: unknown capability 'fly'")
    assert problems(capabilities='"read_chain"') == [
        "capabilities: must be a list of capability names, got 'read_chain'"
    ]


def test_dependencies() -> None:
    parsed = manifest('[dependencies]\nindexer = "^1.2"\n"a-b" = "*"\n')
    assert set(parsed.dependencies) == {"indexer", "a-b"}
    assert str(parsed.dependencies["indexer"]) == "^1.2"
    lines = problems(
        '[dependencies]\nBad = "^1"\nhello-stats = "*"\nx = "^1.2.x.y"\ny = 5\nz = "^1"\n'
        '[optional_dependencies]\nz = "^2"\nw = ">=1 || <2"\n'
    )
    assert lines[0].startswith("dependencies.Bad: 'Bad' is not a valid plugin name")
    assert lines[1] == "dependencies.hello-stats: a plugin cannot depend on itself"
    assert lines[2].startswith("dependencies.x: '^1.2.x.y' is not a valid version constraint")
    assert lines[3].startswith("dependencies.y: a version constraint must be a string")
    assert lines[4].startswith("optional_dependencies.w: '>=1 || <2' is not a valid")
    assert len(lines) == 5
    assert problems('[dependencies]\nz = "^1"\n[optional_dependencies]\nz = "^2"\n') == [
        "optional_dependencies.z: already listed in [dependencies]"
    ]
    assert problems(dependencies='"x"') == [
        "dependencies: must be a table of plugin name = \"version constraint\", got 'x'"
    ]


def test_limits() -> None:
    assert manifest("[limits]\nmemory_mb = 1\n").limits.memory_mb == 1
    assert problems(
        "[limits]\nmemory_mb = 0\ncpu_seconds = 1.5\nopen_files = true\nswap = 1\n"
    ) == [
        "limits.memory_mb: Input should be greater than 0, got 0",
        "limits.cpu_seconds: Input should be a valid integer, got 1.5",
        "limits.open_files: Input should be a valid integer, got True",
        "limits.swap: unknown field",
    ]
    assert problems("[limits]\ncpu_seconds = -5\n") == [
        "limits.cpu_seconds: Input should be greater than 0, got -5"
    ]


def test_every_problem_is_listed_with_the_file() -> None:
    text = 'name = "Bad"\nversion = "x"\nentry_point = "a b"\ncapabilities = ["fly"]\nextra = 1\n'
    with pytest.raises(ManifestError) as caught:
        PluginManifest.from_toml(text, source="plugins/bad/plugin.toml")
    message = str(caught.value)
    assert message.startswith("plugins/bad/plugin.toml: 5 problems in the plugin manifest\n  name:")
    assert len(message.splitlines()) == 6
    assert "Traceback" not in message
    assert caught.value.source == "plugins/bad/plugin.toml"
    assert isinstance(caught.value, KlayrError) and isinstance(caught.value, ValueError)
    assert str(pickle.loads(pickle.dumps(caught.value))) == message


def test_malformed_toml_gives_line_and_column() -> None:
    with pytest.raises(ManifestError) as caught:
        PluginManifest.from_toml('name = "a"\nversion = 1.0.0\n', source="p/plugin.toml")
    assert str(caught.value) == (
        "p/plugin.toml: not valid TOML at line 2, column 14: "
        "Expected newline or end of document after a statement"
    )
    assert caught.value.problems == [
        "line 2, column 14: Expected newline or end of document after a statement"
    ]
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)


def test_load_manifest_reads_a_directory_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "plugin.toml").write_text(MINIMAL)
    assert load_manifest(tmp_path).name == "hello-stats"
    assert load_manifest(tmp_path / "plugin.toml").name == "hello-stats"
    with pytest.raises(
        ManifestError, match=r"missing/plugin.toml: cannot read the plugin manifest"
    ):
        load_manifest(tmp_path / "missing")
    (tmp_path / "plugin.toml").write_bytes(b'name = "\xff"\n')
    with pytest.raises(ManifestError, match="not UTF-8"):
        load_manifest(tmp_path)


# --- config schema ----------------------------------------------------------------------------

SCHEMA = """
[config_schema]
type = "object"
required = ["token"]
additionalProperties = false

[config_schema.properties.top]
type = "integer"
minimum = 1
default = 10

[config_schema.properties.token]
type = "string"

[config_schema.properties.server]
type = "object"
default = {}
properties.host = { type = "string", default = "127.0.0.1" }
properties.port = { type = "integer", default = 8080 }

[config_schema.properties.peers]
type = "array"
items = { type = "object", properties.weight = { type = "integer", default = 1 } }
"""


def test_config_defaults_are_applied() -> None:
    parsed = manifest(SCHEMA)
    config = {"token": "t", "peers": [{}, {"weight": 3}]}
    assert parsed.validate_config(config) == {
        "token": "t",
        "top": 10,
        "server": {"host": "127.0.0.1", "port": 8080},
        "peers": [{"weight": 1}, {"weight": 3}],
    }
    assert config == {"token": "t", "peers": [{}, {"weight": 3}]}  # not modified
    assert parsed.validate_config({"token": "t", "top": 3, "server": {"port": 1}})["server"] == {
        "host": "127.0.0.1",
        "port": 1,
    }


def test_config_errors_list_every_bad_key() -> None:
    parsed = manifest(SCHEMA)
    with pytest.raises(PluginConfigError) as caught:
        parsed.validate_config({"top": 0, "foo": 1, "bar": 2, "server": {"port": "x"}})
    assert caught.value.problems == [
        "bar: unknown setting",
        "foo: unknown setting",
        "server.port: 'x' is not of type 'integer'",
        "token: required setting is missing",
        "top: 0 is less than the minimum of 1",
    ]
    assert str(caught.value).startswith(
        "config of plugin 'hello-stats': 5 invalid settings\n  bar:"
    )
    with pytest.raises(PluginConfigError, match=r"peers\[1\]\.weight: 'x' is not of type"):
        parsed.validate_config({"token": "t", "peers": [{}, {"weight": "x"}]})
    with pytest.raises(PluginConfigError, match="token: required setting is missing"):
        parsed.validate_config(None)
    with pytest.raises(PluginConfigError, match="must be a table"):
        parsed.validate_config([1])  # type: ignore[arg-type]
    error = caught.value
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_without_a_schema_any_config_is_accepted() -> None:
    assert manifest().validate_config({"anything": [1]}) == {"anything": [1]}
    assert manifest().validate_config() == {}


def test_config_schema_is_checked_against_draft_2020_12() -> None:
    lines = problems(
        '[config_schema]\ntype = "array"\nproperties.a = { type = "int", pattern = "(" }\n'
        "minProperties = -1\n"
    )
    assert lines == [
        "config_schema.minProperties: not a valid JSON schema: -1 is less than the minimum of 0",
        "config_schema.properties.a.pattern: not a valid JSON schema: '(' is not a 'regex'",
        "config_schema.properties.a.type: not a valid JSON schema: "
        "'int' is not valid under any of the given schemas",
        "config_schema.type: a plugin config is a table: must be 'object', got 'array'",
    ]
    assert problems(config_schema='"x"') == [
        "config_schema: must be a table (a JSON schema object), got 'x'"
    ]
    # 2020-12 keywords are understood.
    parsed = manifest(
        '[config_schema]\nprefixItems = [{ type = "string" }]\n'
        '"$defs" = { a = { type = "string" } }\n'
    )
    assert parsed.config_schema is not None
