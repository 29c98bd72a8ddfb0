"""Event fan-out to plugins: per-plugin outboxes that never block the node, sequence numbers,
acknowledgements, and replay to a restarted plugin from the last event it acknowledged."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from klayr_py.node.plugin_host._running import PluginProcess
from klayr_py.node.rpc import RpcError
from klayr_py.node.rpc.notifications import topic_matches
from klayr_py.plugins.protocol import Envelope, FrameError
from klayr_py.plugins.protocol.framing import encode_envelope

if TYPE_CHECKING:
    from klayr_py.node.plugin_host.host import PluginHost

__all__ = ["EventFanOut"]

_LOGGER = logging.getLogger("klayr_py.plugins")
_GONE = ("failed", "stopped", "refused")


class EventFanOut:
    """Delivers the node's events to ``host``'s plugins.

    Every event some plugin subscribed to gets the next sequence number (the Envelope's ``id``)
    and is kept among the last ``event_buffer``; a plugin acknowledges the events it handled,
    and when it subscribes again after a restart it first gets the kept ones after the last it
    acknowledged — at least once, in order, within one run of the node."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host
        self.sequence = 0
        self.recent: deque[tuple[int, str, bytes]] = deque(maxlen=host.settings.event_buffer)
        self.wanted: dict[str, set[str]] = {spec.name: set() for spec in host.specs}

    def publish(self, topic: str, payload: Any) -> None:
        """Queue ``topic`` for every subscribed plugin; a full buffer drops it (never blocks)."""
        if not self.anyone_wants(topic):
            return
        self.sequence += 1
        envelope = Envelope(id=self.sequence)
        envelope.event.topic = topic
        envelope.event.payload_json = json.dumps(payload)
        try:
            frame = encode_envelope(envelope)
        except FrameError:
            _LOGGER.warning("event %s is too large for plugins; not sent", topic)
            return
        self.recent.append((self.sequence, topic, frame))
        for running in self.host.running.values():
            if running.connection is not None and _wants(running.subscriptions, topic):
                self._enqueue(running, frame)

    def anyone_wants(self, topic: str) -> bool:
        """Someone subscribed to ``topic``: a running plugin, or one that will be restarted
        (and must get the event then)."""
        return any(
            _wants(topics, topic)
            for name, topics in self.wanted.items()
            if self.host.status[name].status not in _GONE
        )

    def subscribe(self, running: PluginProcess, topics: list[str]) -> None:
        """Add ``topics``; queue the kept events they match that the plugin has not
        acknowledged and did not already get on this connection."""
        before = set(running.subscriptions)
        added = [topic for topic in topics if topic not in before]
        running.subscriptions.update(topics)
        self.wanted[running.spec.name].update(topics)
        acknowledged = self.host.status[running.spec.name].acknowledged
        for sequence, topic, frame in self.recent:
            if sequence > acknowledged and _wants(added, topic) and not _wants(before, topic):
                self._enqueue(running, frame)

    def unsubscribe(self, running: PluginProcess, topics: list[str]) -> None:
        """Remove ``topics``."""
        running.subscriptions.difference_update(topics)
        self.wanted[running.spec.name].difference_update(topics)

    def acknowledge(self, running: PluginProcess, params: dict[str, Any]) -> dict[str, int]:
        """``events_ack {sequence}``: the plugin handled every event up to ``sequence``."""
        sequence = params.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
            raise RpcError(-32602, "params.sequence must be an event sequence number")
        status = self.host.status[running.spec.name]
        status.acknowledged = max(status.acknowledged, min(sequence, self.sequence))
        return {"acknowledged": status.acknowledged}

    async def send(self, running: PluginProcess) -> None:
        """Write ``running``'s outbox to its connection, with a Lagged notice after drops."""
        connection = running.connection
        assert connection is not None
        while True:
            frame = await running.outbox.get()
            if connection.closed:
                return
            try:
                async with connection._write_lock:
                    connection.writer.write(frame)
                    await connection.writer.drain()
            except (ConnectionError, OSError):
                return
            if running.dropped:
                notice = Envelope()
                notice.lagged.dropped = running.dropped
                self.host.status[running.spec.name].dropped_events += running.dropped
                running.dropped = 0
                await connection.send(notice)

    @staticmethod
    def _enqueue(running: PluginProcess, frame: bytes) -> None:
        try:
            running.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            running.dropped += 1


def _wants(subscriptions: set[str] | list[str], topic: str) -> bool:
    return any(topic_matches(wanted, topic) for wanted in subscriptions)
