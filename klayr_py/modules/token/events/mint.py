"""Emitted when tokens are minted; topic: the account's address."""

from __future__ import annotations

from klayr_py.modules.token.events.burn import BurnEvent
from klayr_py.modules.token.schemas import MINT_EVENT_SCHEMA


class MintEvent(BurnEvent):
    """``mint`` event: the same data and methods as ``burn``, its own schema ID."""

    schema = MINT_EVENT_SCHEMA
