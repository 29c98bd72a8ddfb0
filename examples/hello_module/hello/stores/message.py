"""Each account's latest hello, keyed by the sender's address."""

from __future__ import annotations

from hello.schemas import MessageData
from klayr_py import BaseStore


class MessageStore(BaseStore[MessageData]):
    """``message`` store, index 1 in the module."""
