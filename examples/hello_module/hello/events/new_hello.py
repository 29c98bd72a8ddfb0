"""Emitted for every hello, with the sender's address as a topic."""

from __future__ import annotations

from hello.schemas import NewHelloData
from klayr_py import BaseEvent


class NewHelloEvent(BaseEvent[NewHelloData]):
    """``newHello`` event."""
