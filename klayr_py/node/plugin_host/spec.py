"""What the plugin host is told and what it tells: a plugin's spec, the host's settings, and the
status it keeps of each plugin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klayr_py.node.plugin_host.sandbox import SANDBOX_MODES

__all__ = ["HostSettings", "PluginSpec", "PluginStatus"]

_MIB = 1 << 20


@dataclass(frozen=True)
class PluginSpec:
    """What the host needs to run one plugin (built from its manifest and config)."""

    name: str
    version: str
    plugin_dir: Path
    entry_point: str
    """``module`` / ``module:Class`` for a Python plugin, or a path inside ``plugin_dir``."""
    executable: bool = False
    capabilities: frozenset[str] = frozenset()
    config: dict[str, Any] = field(default_factory=dict)
    rpc_namespace: str = ""
    memory_mb: int | None = None
    cpu_seconds: int | None = None
    open_files: int | None = None

    @property
    def namespace(self) -> str:
        """The prefix of the plugin's RPC endpoints."""
        return self.rpc_namespace or self.name


@dataclass(frozen=True)
class HostSettings:
    """Timing and limits of plugin containment."""

    heartbeat_interval: float = 1.0
    heartbeat_timeout: float = 5.0
    max_restarts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    event_buffer: int = 256
    """Events waiting for a slow plugin (more are dropped, with a Lagged notice), and the
    recent events kept to deliver again to a restarted plugin: a replay always fits the
    fresh connection's buffer."""
    requests_per_second: float = 500.0
    request_burst: float = 1000.0
    call_timeout: float = 10.0
    handshake_timeout: float = 10.0
    sandbox: str = "required"
    """One of :data:`~klayr_py.node.plugin_host.sandbox.SANDBOX_MODES` (``plugins.sandbox``)."""
    storage_quota_mb: int = 64
    """What each plugin may keep on the node's disk: its storage and its data directory."""
    storage_quotas_mb: Mapping[str, int] = field(default_factory=dict)
    """Quotas of particular plugins, by name (the others get ``storage_quota_mb``)."""
    quota_check_interval: float = 2.0
    restarts_reset_after: float = 60.0
    """Seconds a plugin must run without crashing for its restart budget to be whole again."""

    def __post_init__(self) -> None:
        if self.sandbox not in SANDBOX_MODES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}")

    def quota_bytes(self, plugin: str) -> int:
        """The storage quota of ``plugin`` in bytes."""
        return self.storage_quotas_mb.get(plugin, self.storage_quota_mb) * _MIB


@dataclass
class PluginStatus:
    """What the host knows of one plugin (``status`` is starting/running/restarting/failed/
    stopped/refused)."""

    spec: PluginSpec
    status: str = "starting"
    restarts: int = 0
    """Restarts since the budget was last whole (after a stable run, it is 0 again)."""
    crashes: list[str] = field(default_factory=list)
    dropped_events: int = 0
    refused_requests: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)
    pid: int | None = None
    reason: str = ""
    """Why the plugin is refused or failed."""
    sandboxed: bool = False
    data_dir_bytes: int = 0
    """What its data directory held at the last quota check."""
    acknowledged: int = 0
    """The sequence number of the last event it said it handled."""
