"""Starting a plugin's process: its command line (inside the sandbox or not), environment,
rlimits, and noticing its exit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.node.plugin_host.sandbox import (
    PLUGIN_CODE_DIR,
    PLUGIN_DATA_DIR,
    PLUGIN_SOCKET,
    Bubblewrap,
    SandboxPolicy,
)
from klayr_py.node.plugin_host.spec import PluginSpec

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["Processes", "directory_bytes"]

_LOGGER = logging.getLogger("klayr_py.plugins")


class Processes:
    """Spawns the processes of ``host``'s plugins and reports their exits to its supervisor."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    def data_dir(self, spec: PluginSpec) -> Path:
        """Where ``spec`` keeps its files (its working directory)."""
        return self.host.data_path / "plugins" / spec.name

    async def spawn(self, spec: PluginSpec) -> None:
        """Start a new process of ``spec`` (a crash if it cannot start)."""
        host = self.host
        data_dir = self.data_dir(spec)
        data_dir.mkdir(parents=True, exist_ok=True)
        config_file = data_dir / "config.json"
        config_file.write_text(json.dumps(spec.config), encoding="utf-8")
        token = secrets.token_hex(16)
        command, environment = self._command(spec, data_dir, token)
        running = PluginProcess(spec, token, host.settings)
        host.running[spec.name] = running
        status = host.status[spec.name]
        status.status = "starting"
        status.sandboxed = host.sandbox is not None
        try:
            running.process = await asyncio.create_subprocess_exec(
                *command,
                cwd=str(data_dir),
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_limits(spec, host.settings.quota_bytes(spec.name)),
            )
        except OSError as error:
            _LOGGER.error("plugin %s could not start: %s", spec.name, error)
            await host.supervisor.crashed(running, f"could not start: {error}")
            return
        status.pid = running.process.pid
        running.track(asyncio.create_task(self._wait_exit(running)))
        _LOGGER.info("plugin %s started (pid %d)", spec.name, running.process.pid)

    def _command(
        self, spec: PluginSpec, data_dir: Path, token: str
    ) -> tuple[list[str], dict[str, str]]:
        host = self.host
        secrets_env = {
            "PLUGIN_TOKEN": token,
            "PLUGIN_ID": spec.name,
            "PLUGIN_CONFIG_JSON": json.dumps(spec.config),
        }
        plugin_dir: Path
        if host.sandbox is not None:  # paths as the plugin sees them inside its sandbox
            plugin_dir, data, socket_path = (
                Path(PLUGIN_CODE_DIR),
                Path(PLUGIN_DATA_DIR),
                PLUGIN_SOCKET,
            )
            environment = Bubblewrap.environment(secrets_env)
        else:
            plugin_dir, data, socket_path = (
                spec.plugin_dir.resolve(),
                data_dir,
                str(host.socket_path),
            )
            environment = {**os.environ, **secrets_env}
        arguments = [
            "--plugin-id", spec.name,
            "--socket-path", socket_path,
            "--data-dir", str(data),
            "--config-file", str(data / "config.json"),
        ]  # fmt: skip
        if spec.executable:
            command = [str(plugin_dir / spec.entry_point), *arguments]
        else:
            command = [
                sys.executable, "-m", "klayr_py.plugins.runner", *arguments,
                "--plugin-dir", str(plugin_dir),
                "--entry-point", spec.entry_point,
                "--version", spec.version,
            ]  # fmt: skip
        if host.sandbox is not None:
            policy = SandboxPolicy(
                plugin_dir=spec.plugin_dir,
                data_dir=data_dir,
                socket_path=host.socket_path,
                network="network" in spec.capabilities,
            )
            command = host.sandbox.wrap(command, policy)
        return command, environment

    async def _wait_exit(self, running: PluginProcess) -> None:
        assert running.process is not None
        code = await running.process.wait()
        status = self.host.status[running.spec.name]
        if status.sandboxed and code > 128:
            code = 128 - code  # bwrap exits 128 + n when signal n killed the plugin
        if self.host.stopping or status.status == "stopped":
            return
        reason = running.kill_reason or f"exited with code {code}"
        await self.host.supervisor.crashed(running, reason)


def directory_bytes(directory: Path) -> int:
    """Bytes of the files under ``directory`` (as allocated on disk, so sparse files count what
    they use; links are not followed)."""
    total = 0
    for folder, _folders, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


def _limits(spec: PluginSpec, file_bytes: int) -> Callable[[], None]:
    """rlimits for the plugin process (applied in the child before it runs): the manifest's,
    and no file larger than the storage quota (a write beyond fails with EFBIG)."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
        if spec.memory_mb is not None:
            size = spec.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if spec.cpu_seconds is not None:
            # SIGXCPU at the limit (a clear exit reason), SIGKILL a second later.
            resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds, spec.cpu_seconds + 1))
        if spec.open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (spec.open_files, spec.open_files))

    return apply
