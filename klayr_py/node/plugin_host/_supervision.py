"""Containment over time: crashes and restarts with backoff, a restart budget that a stable run
makes whole again, heartbeats, storage quotas, kills and clean shutdowns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import TYPE_CHECKING

from klayr_py.node.plugin_host._processes import directory_bytes
from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.node.plugin_host.spec import PluginSpec
from klayr_py.plugins.connection import ConnectionClosedError
from klayr_py.plugins.protocol import Envelope

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["Supervisor"]

_LOGGER = logging.getLogger("klayr_py.plugins")


class Supervisor:
    """Watches ``host``'s plugin processes and decides what happens when one fails."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host
        self.restarts: set[asyncio.Task[None]] = set()
        self._quota_checked = 0.0

    async def crashed(self, running: PluginProcess, reason: str) -> None:
        """``running`` ended unasked: tell everyone, then restart it after a backoff — or give
        it up when its restart budget is spent."""
        host, spec = self.host, running.spec
        status = host.status[spec.name]
        status.crashes.append(reason)
        for task in running.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if running.connection is not None:
            await running.connection.close()
        host.endpoints.unregister(spec)
        _LOGGER.warning("plugin %s crashed: %s", spec.name, reason)
        payload = {"name": spec.name, "reason": reason, "restarts": status.restarts}
        host.events.publish("pluginCrashed", payload)
        if host.rpc is not None:
            host.rpc.publish("pluginCrashed", payload)
        settings = host.settings
        if status.restarts >= settings.max_restarts:
            status.status = "failed"
            status.reason = reason
            _LOGGER.error(
                "plugin %s failed %d times; not restarting it", spec.name, status.restarts + 1
            )
            return
        delay = min(settings.backoff_initial * 2**status.restarts, settings.backoff_max)
        status.restarts += 1
        status.status = "restarting"
        task = asyncio.create_task(self._restart_later(spec, delay))
        self.restarts.add(task)
        task.add_done_callback(self.restarts.discard)

    async def _restart_later(self, spec: PluginSpec, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self.host.stopping:
            await self.host.processes.spawn(spec)

    def kill(self, running: PluginProcess, reason: str) -> None:
        """SIGKILL ``running`` (once); ``reason`` becomes its crash reason."""
        if running.kill_reason is None:
            running.kill_reason = reason
            if running.process is not None and running.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    running.process.send_signal(signal.SIGKILL)

    async def shutdown(self, running: PluginProcess, reason: str) -> None:
        """Ask ``running`` to unload and exit; kill it if it has not within 5 s."""
        self.host.status[running.spec.name].status = "stopped"
        if running.connection is not None and not running.connection.closed:
            envelope = Envelope()
            envelope.shutdown.reason = reason
            with contextlib.suppress(ConnectionClosedError):
                await running.connection.send(envelope)
        process = running.process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        for task in running.tasks:
            task.cancel()
        self.host.endpoints.unregister(running.spec)

    async def watch(self) -> None:
        """Stop plugins that did not connect within ``handshake_timeout``, stopped sending
        heartbeats or outgrew their storage quota; give a plugin that ran long enough without
        crashing its restart budget back."""
        settings = self.host.settings
        while True:
            await asyncio.sleep(settings.heartbeat_interval)
            now = time.monotonic()
            check_quota = now - self._quota_checked >= settings.quota_check_interval
            if check_quota:
                self._quota_checked = now
            for running in list(self.host.running.values()):
                status = self.host.status[running.spec.name]
                if status.status not in ("running", "starting"):
                    continue
                silent = now - running.last_heartbeat
                if running.connection is None:
                    # Not connected yet: starting (a sandbox, an interpreter, imports) on a
                    # loaded machine may take longer than a heartbeat interval.
                    if silent > settings.handshake_timeout:
                        self.kill(running, f"did not connect within {silent:.1f} s")
                    continue
                if silent > settings.heartbeat_timeout:
                    self.kill(running, f"missed heartbeats for {silent:.1f} s")
                    continue
                if check_quota:
                    await self._check_quota(running)
                since = running.running_since
                stable = since is not None and now - since >= settings.restarts_reset_after
                if stable and status.restarts and running.kill_reason is None:
                    _LOGGER.info(
                        "plugin %s ran %.0f s without crashing: its restart budget is whole",
                        running.spec.name,
                        now - (since or now),
                    )
                    status.restarts = 0

    async def _check_quota(self, running: PluginProcess) -> None:
        host, name = self.host, running.spec.name
        status = host.status[name]
        status.data_dir_bytes = await asyncio.to_thread(
            directory_bytes, host.processes.data_dir(running.spec)
        )
        stored = host.storage.used(name) if host.storage is not None else 0
        quota = host.settings.quota_bytes(name)
        if status.data_dir_bytes + stored > quota:
            self.kill(
                running,
                f"exceeded its storage quota: {status.data_dir_bytes} bytes in its data "
                f"directory and {stored} in its storage, of {quota} (plugins.storageQuotaMb)",
            )
