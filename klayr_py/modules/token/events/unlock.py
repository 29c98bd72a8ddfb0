"""Emitted when a module unlocks an account's tokens; topic: the account's address."""

from __future__ import annotations

from klayr_py.modules.token.events.lock import LockEvent
from klayr_py.modules.token.schemas import UNLOCK_EVENT_SCHEMA


class UnlockEvent(LockEvent):
    """``unlock`` event: the same data and methods as ``lock``, its own schema ID."""

    schema = UNLOCK_EVENT_SCHEMA
