"""Find plugins in a directory and decide which load, in which order, and why others do not.

:func:`discover` reads every ``<plugins dir>/<dir>/plugin.toml``; a bad one is reported, never
fatal for the others. :func:`resolve` turns the discovered plugins, the enabled list and their
configs into a :class:`Resolution`: the load order (dependencies first, ties broken by name) and
the refused plugins with their reasons. See docs/plugin_manifest.md.
"""

from __future__ import annotations

import heapq
import tomllib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klayr_py.plugins.manifest import (
    MANIFEST_FILE,
    ManifestError,
    PluginConfigError,
    PluginManifest,
    VersionConstraint,
    is_plugin_name,
    load_manifest,
)

__all__ = [
    "DiscoveredPlugin",
    "DiscoveryProblem",
    "DiscoveryResult",
    "Resolution",
    "discover",
    "resolve",
]


@dataclass(frozen=True)
class DiscoveredPlugin:
    """A plugin directory with a valid manifest."""

    manifest: PluginManifest
    path: Path
    """The plugin's directory."""

    @property
    def name(self) -> str:
        """The manifest's name."""
        return self.manifest.name


@dataclass(frozen=True)
class DiscoveryProblem:
    """A plugin directory that cannot be used, and why."""

    path: Path
    message: str

    def __str__(self) -> str:
        return self.message


class DiscoveryResult(dict[str, DiscoveredPlugin]):
    """The usable plugins by name, plus ``problems`` (one per unusable directory) and
    ``rejected``: names seen in unusable directories, with why, so dependants can say so."""

    def __init__(
        self,
        plugins: Mapping[str, DiscoveredPlugin] | None = None,
        problems: list[DiscoveryProblem] | None = None,
        rejected: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(plugins or {})
        self.problems: list[DiscoveryProblem] = list(problems or [])
        self.rejected: dict[str, str] = dict(rejected or {})


def discover(plugins_dir: Path | str) -> DiscoveryResult:
    """Every subdirectory of ``plugins_dir`` holding a ``plugin.toml``, by plugin name.

    Directories whose name starts with ``.`` or ``_`` and those without a manifest are skipped. A
    missing ``plugins_dir`` means no plugins. Two plugins with the same name (or the same RPC
    namespace) are both left out and reported: which one was meant cannot be guessed.
    """
    root = Path(plugins_dir)
    if not root.exists():
        return DiscoveryResult()
    if not root.is_dir():
        return DiscoveryResult(problems=[DiscoveryProblem(root, f"{root}: not a directory")])
    found: list[DiscoveredPlugin] = []
    problems: list[DiscoveryProblem] = []
    rejected: dict[str, str] = {}
    for directory in sorted(root.iterdir()):
        if directory.name.startswith((".", "_")) or not directory.is_dir():
            continue
        if not (directory / MANIFEST_FILE).is_file():
            continue
        try:
            found.append(DiscoveredPlugin(load_manifest(directory), directory))
        except ManifestError as error:
            problems.append(DiscoveryProblem(directory, str(error)))
            name = _declared_name(directory / MANIFEST_FILE)
            if name is not None:
                rejected.setdefault(name, f"its manifest {error.source} is invalid")
    by_namespace: dict[str, list[DiscoveredPlugin]] = {}
    for plugin in found:
        by_namespace.setdefault(plugin.manifest.rpc_namespace, []).append(plugin)
    plugins: dict[str, DiscoveredPlugin] = {}
    for namespace, holders in by_namespace.items():
        if len(holders) == 1:
            plugins[holders[0].name] = holders[0]
            continue
        places = ", ".join(f"{plugin.name!r} in {plugin.path}" for plugin in holders)
        for plugin in holders:
            problems.append(
                DiscoveryProblem(
                    plugin.path,
                    f"{plugin.path}: plugins {places} share the RPC namespace {namespace!r}; "
                    "none of them is loaded",
                )
            )
            rejected[plugin.name] = f"more than one installed plugin is named like it ({places})"
    return DiscoveryResult(dict(sorted(plugins.items())), problems, rejected)


def _declared_name(file: Path) -> str | None:
    """The ``name`` an invalid manifest declares, when it is readable and valid."""
    try:
        name = tomllib.loads(file.read_text(encoding="utf-8")).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return name if isinstance(name, str) and is_plugin_name(name) else None


@dataclass(frozen=True)
class Resolution:
    """What to load and in which order, and what not to load and why."""

    load_order: list[str]
    """Plugins to start, each after its dependencies (and present optional ones); ties by name."""
    refused: dict[str, str]
    """Enabled plugins that will not load, with the reason (one line)."""
    missing_optional: dict[str, list[str]] = field(default_factory=dict)
    """Loaded plugins that start without some of their optional dependencies."""
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each loaded plugin's validated config, schema defaults filled in."""
    cycles: list[list[str]] = field(default_factory=list)
    """Hard dependency cycles found, each as ``[a, b, ..., a]``."""
    notes: list[str] = field(default_factory=list)
    """Things worth logging that refuse nothing: optional dependencies left out, configs for
    plugins that are not enabled."""


def resolve(
    discovered: Mapping[str, DiscoveredPlugin],
    enabled: list[str] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
) -> Resolution:
    """Decide the load order of the ``enabled`` plugins (``None``: all discovered).

    A plugin is refused when a hard dependency is not installed, not enabled, refused, or of a
    version outside the constraint; when it is part of a dependency cycle; or when its config
    does not satisfy its ``config_schema``. Optional dependencies load first when usable; a
    plugin loads without the others.
    """
    configs = configs or {}
    rejected: Mapping[str, str] = getattr(discovered, "rejected", {})
    wanted = sorted(set(discovered if enabled is None else enabled))
    candidates = [name for name in wanted if name in discovered]
    refused: dict[str, str] = {}
    notes: list[str] = []
    for name in wanted:
        if name not in discovered:
            refused[name] = f"not loaded: {rejected[name]}" if name in rejected else "not installed"
    for name in sorted(set(configs) - set(candidates)):
        if name not in refused:
            state = "not enabled" if name in discovered else "not installed"
            notes.append(f"config for plugin {name!r} ignored: the plugin is {state}")

    active = set(candidates)
    direct: dict[str, list[str]] = {}
    validated: dict[str, dict[str, Any]] = {}
    for name in candidates:
        manifest = discovered[name].manifest
        problems = [
            f"requires {dependency!r} ({constraint}){why}"
            for dependency, constraint in sorted(manifest.dependencies.items())
            if (why := _dependency_problem(dependency, constraint, discovered, active, rejected))
        ]
        try:
            validated[name] = manifest.validate_config(configs.get(name))
        except PluginConfigError as error:
            problems.append("invalid config: " + "; ".join(error.problems))
        direct[name] = problems

    hard = {
        name: sorted(dep for dep in discovered[name].manifest.dependencies if dep in active)
        for name in candidates
    }
    cycles: list[list[str]] = []
    for component in _strongly_connected(hard):
        if len(component) > 1:
            for name in sorted(component):
                cycle = _cycle_through(name, hard, component)
                direct[name].append("dependency cycle: " + " -> ".join(cycle))
            cycles.append(_cycle_through(min(component), hard, component))

    for name in candidates:
        _refusal(name, direct, hard, discovered, refused)

    loading = [name for name in candidates if name not in refused]
    after: dict[str, set[str]] = {name: set(hard[name]) for name in loading}
    missing_optional: dict[str, list[str]] = {}
    for name in loading:
        manifest = discovered[name].manifest
        for dependency, constraint in sorted(manifest.optional_dependencies.items()):
            why = _dependency_problem(dependency, constraint, discovered, active, rejected)
            if why is None and dependency in refused:
                why = f", which is refused: {refused[dependency]}"
            if why is None and _depends_on(dependency, name, after):
                why = f", which depends on {name!r} (a cycle)"
            if why is None:
                after[name].add(dependency)
            else:
                missing_optional.setdefault(name, []).append(dependency)
                notes.append(
                    f"{name!r} loads without its optional dependency {dependency!r} "
                    f"({constraint}){why}"
                )

    return Resolution(
        load_order=_topological(after),
        refused={name: refused[name] for name in sorted(refused)},
        missing_optional=missing_optional,
        configs={name: validated[name] for name in loading},
        cycles=cycles,
        notes=notes,
    )


def _dependency_problem(
    dependency: str,
    constraint: VersionConstraint,
    discovered: Mapping[str, DiscoveredPlugin],
    enabled: set[str],
    rejected: Mapping[str, str],
) -> str | None:
    """Why ``dependency`` cannot serve (", which is not installed" ...), or ``None``."""
    if dependency not in discovered:
        if dependency in rejected:
            return f", which cannot be loaded: {rejected[dependency]}"
        return ", which is not installed"
    version = discovered[dependency].manifest.version
    if not constraint.allows(version):
        return f", but version {version} is installed"
    if dependency not in enabled:
        return ", which is not enabled"
    return None


def _refusal(
    name: str,
    direct: dict[str, list[str]],
    hard: dict[str, list[str]],
    discovered: Mapping[str, DiscoveredPlugin],
    refused: dict[str, str],
) -> str | None:
    """Decide (once, dependencies first) whether ``name`` is refused; returns the reason."""
    if name in refused:
        return refused[name]
    if direct[name]:
        refused[name] = "; ".join(direct[name])
        return refused[name]
    # Plugins in cycles were refused above, so this recursion runs over a DAG.
    blocked = [
        dep for dep in hard[name] if _refusal(dep, direct, hard, discovered, refused) is not None
    ]
    if not blocked:
        return None
    first = blocked[0]
    constraint = discovered[name].manifest.dependencies[first]
    reason = f"requires {first!r} ({constraint}), which is refused: {refused[first]}"
    if len(blocked) > 1:
        reason += " (also refused: " + ", ".join(repr(dep) for dep in blocked[1:]) + ")"
    refused[name] = reason
    return reason


def _strongly_connected(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative; components in a deterministic order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _cycle_through(start: str, graph: Mapping[str, list[str]], component: set[str]) -> list[str]:
    """The shortest cycle from ``start`` back to it inside ``component`` (BFS, names in order)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in graph[node]:
            if child not in component:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return [start]  # pragma: no cover - every member of a component lies on a cycle


def _depends_on(name: str, target: str, after: Mapping[str, set[str]]) -> bool:
    """Whether ``name`` must load after ``target`` (directly or transitively)."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        node = pending.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            pending.extend(after.get(node, ()))
    return False


def _topological(after: Mapping[str, set[str]]) -> list[str]:
    """Kahn's algorithm; among the plugins ready to load, the smallest name goes first."""
    waiting = {name: len(deps) for name, deps in after.items()}
    dependants: dict[str, list[str]] = {name: [] for name in after}
    for name, deps in after.items():
        for dep in deps:
            dependants[dep].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for dependant in dependants[name]:
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                heapq.heappush(ready, dependant)
    return order
