"""``multisignatureRegistration``: an account registered its multisignature keys."""

from __future__ import annotations

from typing import Any

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.auth.schemas import MULTISIG_REG_DATA_SCHEMA


class MultisignatureRegistrationEvent(BaseEvent[dict[str, Any]]):
    """Emitted by ``registerMultisignature``, topic: the sender's address."""

    schema = MULTISIG_REG_DATA_SCHEMA

    def log(self, ctx: EventQueuer, sender_address: bytes, data: dict[str, Any]) -> None:
        """Record the new group of ``sender_address``."""
        self.add(ctx, data, [sender_address])
