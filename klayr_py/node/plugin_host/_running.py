"""One live process of a plugin, as the host tracks it: its connection, outbox, request budget
and tasks."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from klayr_py.node.plugin_host.spec import HostSettings, PluginSpec
from klayr_py.plugins.connection import Connection

__all__ = ["PluginProcess"]

_MAX_CONCURRENT_REQUESTS = 32
"""Requests of one plugin served at once; more wait their turn."""


class PluginProcess:
    """One run of ``spec``: created at spawn, forgotten when the next run replaces it."""

    def __init__(self, spec: PluginSpec, token: str, settings: HostSettings) -> None:
        self.spec = spec
        self.token = token
        self.process: asyncio.subprocess.Process | None = None
        self.connection: Connection | None = None
        self.connected = asyncio.Event()
        self.subscriptions: set[str] = set()
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue(settings.event_buffer)
        self.dropped = 0
        self.last_heartbeat = time.monotonic()
        self.kill_reason: str | None = None
        self.running_since: float | None = None
        self.tokens = settings.request_burst
        self.refill_at = time.monotonic()
        self.tasks: list[asyncio.Task[Any]] = []
        self.concurrency = asyncio.Semaphore(_MAX_CONCURRENT_REQUESTS)

    def take_token(self, settings: HostSettings) -> bool:
        """Spend one request from the token bucket; False when the plugin floods the node."""
        now = time.monotonic()
        self.tokens = min(
            settings.request_burst,
            self.tokens + (now - self.refill_at) * settings.requests_per_second,
        )
        self.refill_at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep ``task`` (cancelled with the process) until it is done."""
        self.tasks.append(task)
        task.add_done_callback(_forget(self.tasks))


def _forget(tasks: list[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def remove(task: asyncio.Task[Any]) -> None:
        with contextlib.suppress(ValueError):
            tasks.remove(task)

    return remove
