"""Discovery of plugin directories and resolution: load order, refusals, optional deps, cycles."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from klayr_py.node.plugin_host.discovery import (
    DiscoveredPlugin,
    DiscoveryResult,
    Resolution,
    discover,
    resolve,
)
from klayr_py.plugins.manifest import PluginManifest


def plugin(
    name: str,
    version: str = "1.0.0",
    requires: dict[str, str] | None = None,
    optional: dict[str, str] | None = None,
    schema: dict[str, Any] | None = None,
) -> DiscoveredPlugin:
    data: dict[str, Any] = {
        "name": name,
        "version": version,
        "entry_point": f"{name.replace('-', '_')}.plugin",
        "dependencies": requires or {},
        "optional_dependencies": optional or {},
    }
    if schema is not None:
        data["config_schema"] = schema
    return DiscoveredPlugin(PluginManifest.from_dict(data), Path("plugins") / name)


def installed(*plugins: DiscoveredPlugin) -> dict[str, DiscoveredPlugin]:
    return {found.name: found for found in plugins}


def write(root: Path, directory: str, text: str) -> Path:
    (root / directory).mkdir(parents=True, exist_ok=True)
    (root / directory / "plugin.toml").write_text(text)
    return root / directory


def toml(name: str, version: str = "1.0.0", extra: str = "") -> str:
    module = name.replace("-", "_")
    return f'name = "{name}"\nversion = "{version}"\nentry_point = "{module}.plugin"\n{extra}'


# --- discover ---------------------------------------------------------------------------------


def test_discover_reads_each_plugin_directory(tmp_path: Path) -> None:
    write(tmp_path, "stats", toml("hello-stats"))
    write(tmp_path, "indexer", toml("indexer", "2.0.0"))
    (tmp_path / "no-manifest").mkdir()
    write(tmp_path, ".hidden", toml("hidden"))
    write(tmp_path, "_disabled", toml("disabled"))
    (tmp_path / "README.md").write_text("not a plugin")
    found = discover(tmp_path)
    assert list(found) == ["hello-stats", "indexer"]
    assert found["hello-stats"].path == tmp_path / "stats"
    assert found["hello-stats"].name == "hello-stats"
    assert str(found["indexer"].manifest.version) == "2.0.0"
    assert found.problems == [] and found.rejected == {}


def test_a_bad_manifest_is_reported_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, "good", toml("good"))
    write(tmp_path, "bad", toml("bad", "1.0"))
    write(tmp_path, "broken", "name = ")
    found = discover(tmp_path)
    assert list(found) == ["good"]
    assert [problem.path.name for problem in found.problems] == ["bad", "broken"]
    assert str(found.problems[0]).startswith(f"{tmp_path / 'bad' / 'plugin.toml'}: 1 problem")
    assert "version: '1.0' is not a semantic version" in found.problems[0].message
    assert "not valid TOML at end of document: Invalid value" in str(found.problems[1])
    assert found.rejected == {"bad": f"its manifest {tmp_path / 'bad' / 'plugin.toml'} is invalid"}


def test_duplicate_names_and_namespaces_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "stats-1", toml("hello-stats"))
    write(tmp_path, "stats-2", toml("hello-stats", "2.0.0"))
    write(tmp_path, "stats-3", toml("hello_stats"))
    write(tmp_path, "other", toml("other"))
    found = discover(tmp_path)
    assert list(found) == ["other"]
    assert len(found.problems) == 3
    assert all("share the RPC namespace 'helloStats'" in str(p) for p in found.problems)
    assert set(found.rejected) == {"hello-stats", "hello_stats"}


def test_a_missing_plugins_directory_means_no_plugins(tmp_path: Path) -> None:
    assert discover(tmp_path / "absent") == {}
    (tmp_path / "file").write_text("")
    found = discover(tmp_path / "file")
    assert found == {} and "not a directory" in str(found.problems[0])


def test_discovered_plugins_resolve(tmp_path: Path) -> None:
    write(tmp_path, "a", toml("a", extra='[dependencies]\nb = "^1"\n'))
    write(tmp_path, "b", toml("b", "1.4.0"))
    write(tmp_path, "c", toml("c", extra='[dependencies]\nbad = "*"\n'))
    write(tmp_path, "bad", toml("bad", "nope"))
    found = discover(tmp_path)
    result = resolve(found)
    assert result.load_order == ["b", "a"]
    assert result.refused["c"].startswith(
        "requires 'bad' (*), which cannot be loaded: its manifest"
    )
    assert "bad" not in result.refused  # reported once, in found.problems
    enabled = resolve(found, enabled=["a", "b", "bad"])
    bad_file = tmp_path / "bad" / "plugin.toml"
    assert enabled.refused == {"bad": f"not loaded: its manifest {bad_file} is invalid"}


# --- resolve ----------------------------------------------------------------------------------


def test_no_plugins() -> None:
    assert resolve({}) == Resolution(load_order=[], refused={})


def test_a_chain_loads_dependencies_first() -> None:
    found = installed(
        plugin("c", requires={"b": "*"}), plugin("b", requires={"a": "^1"}), plugin("a")
    )
    result = resolve(found)
    assert result.load_order == ["a", "b", "c"]
    assert result.refused == {} and result.missing_optional == {} and result.cycles == []


def test_a_diamond() -> None:
    found = installed(
        plugin("top", requires={"left": "*", "right": "*"}),
        plugin("left", requires={"base": ">=1.0.0"}),
        plugin("right", requires={"base": "~1.0"}),
        plugin("base", "1.0.5"),
    )
    assert resolve(found).load_order == ["base", "left", "right", "top"]


def test_ties_are_broken_by_name_and_input_order_does_not_matter() -> None:
    plugins = [
        plugin("zeta"),
        plugin("alpha"),
        plugin("mid", requires={"zeta": "*"}),
        plugin("beta"),
    ]
    orders = {
        tuple(resolve(installed(*perm)).load_order) for perm in itertools.permutations(plugins)
    }
    assert orders == {("alpha", "beta", "zeta", "mid")}


def test_a_missing_hard_dependency_refuses_the_plugin_and_its_dependants() -> None:
    found = installed(
        plugin("app", requires={"stats": "*"}),
        plugin("stats", requires={"indexer": "^2.0"}),
        plugin("solo"),
    )
    result = resolve(found)
    assert result.load_order == ["solo"]
    assert result.refused == {
        "app": "requires 'stats' (*), which is refused: "
        "requires 'indexer' (^2.0), which is not installed",
        "stats": "requires 'indexer' (^2.0), which is not installed",
    }


def test_a_version_mismatch_refuses() -> None:
    found = installed(plugin("app", requires={"lib": "^1.2.3"}), plugin("lib", "2.0.0"))
    result = resolve(found)
    assert result.load_order == ["lib"]
    assert result.refused == {"app": "requires 'lib' (^1.2.3), but version 2.0.0 is installed"}
    found = installed(
        plugin("app", requires={"lib": ">=1.0.0, <2.0.0"}), plugin("lib", "2.0.0-rc.1")
    )
    assert resolve(found).refused["app"].endswith("but version 2.0.0-rc.1 is installed")


def test_a_disabled_dependency_refuses() -> None:
    found = installed(plugin("app", requires={"lib": "*"}), plugin("lib"), plugin("other"))
    result = resolve(found, enabled=["app", "other"])
    assert result.load_order == ["other"]
    assert result.refused == {"app": "requires 'lib' (*), which is not enabled"}


def test_enabled_selects_and_unknown_names_are_refused() -> None:
    found = installed(plugin("a"), plugin("b"))
    result = resolve(found, enabled=["b", "ghost", "b"])
    assert result.load_order == ["b"]
    assert result.refused == {"ghost": "not installed"}
    assert resolve(found, enabled=[]).load_order == []


def test_several_problems_are_all_named() -> None:
    found = installed(
        plugin("app", requires={"x": "*", "lib": "^2"}, schema={"required": ["k"]}),
        plugin("lib"),
    )
    reason = resolve(found).refused["app"]
    assert reason == (
        "requires 'lib' (^2), but version 1.0.0 is installed; "
        "requires 'x' (*), which is not installed; "
        "invalid config: k: required setting is missing"
    )


def test_a_refusal_names_the_first_refused_dependency_and_the_others() -> None:
    found = installed(
        plugin("app", requires={"a": "*", "b": "*"}),
        plugin("a", requires={"x": "*"}),
        plugin("b", requires={"y": "*"}),
    )
    assert resolve(found).refused["app"] == (
        "requires 'a' (*), which is refused: requires 'x' (*), which is not installed "
        "(also refused: 'b')"
    )


def test_optional_dependency_present_loads_first() -> None:
    found = installed(plugin("app", optional={"zlib": "^1"}), plugin("zlib", "1.3.0"))
    result = resolve(found)
    assert result.load_order == ["zlib", "app"]
    assert result.missing_optional == {} and result.notes == []


def test_optional_dependency_absent_unsatisfied_disabled_or_refused() -> None:
    found = installed(
        plugin("app", optional={"absent": "*", "old": "^2", "off": "*", "broken": "*"}),
        plugin("old", "1.0.0"),
        plugin("off"),
        plugin("broken", requires={"nothing": "*"}),
    )
    result = resolve(found, enabled=["app", "old", "broken"])
    assert result.load_order == ["app", "old"]
    assert result.missing_optional == {"app": ["absent", "broken", "off", "old"]}
    assert result.refused == {"broken": "requires 'nothing' (*), which is not installed"}
    assert result.notes == [
        "'app' loads without its optional dependency 'absent' (*), which is not installed",
        "'app' loads without its optional dependency 'broken' (*), which is refused: "
        "requires 'nothing' (*), which is not installed",
        "'app' loads without its optional dependency 'off' (*), which is not enabled",
        "'app' loads without its optional dependency 'old' (^2), but version 1.0.0 is installed",
    ]


def test_an_optional_edge_that_would_close_a_cycle_is_dropped() -> None:
    found = installed(plugin("a", optional={"b": "*"}), plugin("b", requires={"a": "*"}))
    result = resolve(found)
    assert result.load_order == ["a", "b"] and result.refused == {}
    assert result.missing_optional == {"a": ["b"]}
    assert result.notes == [
        "'a' loads without its optional dependency 'b' (*), which depends on 'a' (a cycle)"
    ]
    mutual = resolve(installed(plugin("a", optional={"b": "*"}), plugin("b", optional={"a": "*"})))
    assert mutual.load_order == ["b", "a"] and mutual.missing_optional == {"b": ["a"]}


def test_cycles_are_refused_naming_the_cycle() -> None:
    found = installed(
        plugin("a", requires={"b": "*"}),
        plugin("b", requires={"c": "*"}),
        plugin("c", requires={"a": "*"}),
        plugin("d", requires={"a": "*"}),
        plugin("e", optional={"a": "*"}),
        plugin("x", requires={"y": "*"}),
        plugin("y", requires={"x": "*"}),
    )
    result = resolve(found)
    assert result.load_order == ["e"]
    assert result.refused == {
        "a": "dependency cycle: a -> b -> c -> a",
        "b": "dependency cycle: b -> c -> a -> b",
        "c": "dependency cycle: c -> a -> b -> c",
        "d": "requires 'a' (*), which is refused: dependency cycle: a -> b -> c -> a",
        "x": "dependency cycle: x -> y -> x",
        "y": "dependency cycle: y -> x -> y",
    }
    assert sorted(result.cycles) == [["a", "b", "c", "a"], ["x", "y", "x"]]
    assert result.missing_optional == {"e": ["a"]}


def test_a_cycle_through_a_disabled_plugin_is_not_a_cycle() -> None:
    found = installed(plugin("a", requires={"b": "*"}), plugin("b", requires={"a": "*"}))
    result = resolve(found, enabled=["a"])
    assert result.cycles == [] and result.refused == {"a": "requires 'b' (*), which is not enabled"}


def test_configs_are_validated_with_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {"top": {"type": "integer", "default": 10}, "token": {"type": "string"}},
        "required": ["token"],
        "additionalProperties": False,
    }
    found = installed(plugin("stats", schema=schema), plugin("app", requires={"stats": "*"}),
                      plugin("plain"))  # fmt: skip
    result = resolve(found, configs={"stats": {"token": "t"}, "plain": {"x": 1}, "ghost": {}})
    assert result.configs == {"stats": {"token": "t", "top": 10}, "plain": {"x": 1}, "app": {}}
    assert result.notes == ["config for plugin 'ghost' ignored: the plugin is not installed"]
    bad = resolve(found, configs={"stats": {"top": "x", "extra": 1}})
    assert bad.refused == {
        "stats": "invalid config: extra: unknown setting; token: required setting is missing; "
        "top: 'x' is not of type 'integer'",
        "app": "requires 'stats' (*), which is refused: invalid config: extra: unknown setting; "
        "token: required setting is missing; top: 'x' is not of type 'integer'",
    }
    assert bad.load_order == ["plain"] and "stats" not in bad.configs
    off = resolve(found, enabled=["plain"], configs={"stats": {"token": "t"}})
    assert off.notes == ["config for plugin 'stats' ignored: the plugin is not enabled"]


def test_discovery_result_is_a_dict() -> None:
    result = DiscoveryResult({"a": plugin("a")})
    assert result == {"a": plugin("a")} and result.problems == [] and result.rejected == {}


_names = [f"p{i}" for i in range(6)]


@st.composite
def plugin_sets(draw: st.DrawFn) -> dict[str, DiscoveredPlugin]:
    chosen = draw(st.lists(st.sampled_from(_names), unique=True, max_size=6))
    found = {}
    for name in chosen:
        others = [other for other in _names if other != name]
        requires = draw(st.lists(st.sampled_from(others), unique=True, max_size=2))
        optional = draw(
            st.lists(
                st.sampled_from([o for o in others if o not in requires]), unique=True, max_size=2
            )
        )
        found[name] = plugin(name, requires=dict.fromkeys(requires, "*"),
                             optional=dict.fromkeys(optional, "*"))  # fmt: skip
    return found


@given(plugin_sets(), st.randoms(use_true_random=False))
def test_resolution_invariants(found: dict[str, DiscoveredPlugin], shuffler: Any) -> None:
    result = resolve(found)
    items = list(found.items())
    shuffler.shuffle(items)
    assert resolve(dict(items)) == result  # deterministic, whatever the input order
    assert set(result.load_order) | set(result.refused) == set(found)
    assert not set(result.load_order) & set(result.refused)
    position = {name: index for index, name in enumerate(result.load_order)}
    for name in result.load_order:
        manifest = found[name].manifest
        for dependency in manifest.dependencies:
            assert position[dependency] < position[name]
        for dependency in manifest.optional_dependencies:
            if dependency not in result.missing_optional.get(name, []):
                assert position[dependency] < position[name]
    for name in result.refused:
        dependencies = found[name].manifest.dependencies
        assert any(dep not in found or dep in result.refused for dep in dependencies)
