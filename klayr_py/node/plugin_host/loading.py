"""From a plugins directory and the ``plugins`` config to the specs the host starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klayr_py.node.plugin_host.discovery import DiscoveryProblem, Resolution, discover, resolve
from klayr_py.node.plugin_host.spec import PluginSpec

__all__ = ["PluginPlan", "plan_plugins"]


@dataclass
class PluginPlan:
    """What to start, in order, and everything that was left out and why."""

    specs: list[PluginSpec]
    refused: dict[str, str] = field(default_factory=dict)
    problems: list[DiscoveryProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self) -> list[str]:
        """One line per plugin left out or per directory that is not a plugin."""
        return [
            *(
                f"plugin {name} not loaded: {reason}"
                for name, reason in sorted(self.refused.items())
            ),
            *(str(problem) for problem in self.problems),
            *self.notes,
        ]


def plan_plugins(
    directory: Path,
    enabled: list[str] | None,
    configs: Mapping[str, Mapping[str, Any]],
) -> PluginPlan:
    """Discover ``directory``, resolve dependencies and configs, and build the specs."""
    discovered = discover(directory)
    resolution: Resolution = resolve(discovered, enabled, {k: dict(v) for k, v in configs.items()})
    specs = []
    for name in resolution.load_order:
        found = discovered[name]
        manifest = found.manifest
        specs.append(
            PluginSpec(
                name=manifest.name,
                version=str(manifest.version),
                plugin_dir=found.path,
                entry_point=manifest.entry_point,
                executable=manifest.entry_kind == "executable",
                capabilities=frozenset(manifest.capabilities),
                config=resolution.configs.get(name, {}),
                rpc_namespace=manifest.rpc_namespace,
                memory_mb=manifest.limits.memory_mb,
                cpu_seconds=manifest.limits.cpu_seconds,
                open_files=manifest.limits.open_files,
            )
        )
    return PluginPlan(specs, dict(resolution.refused), list(discovered.problems), resolution.notes)
