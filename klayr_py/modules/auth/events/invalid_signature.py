"""``invalidSignature``: a key's signature of a multisignature registration did not verify."""

from __future__ import annotations

from typing import Any

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.auth.schemas import INVALID_SIG_DATA_SCHEMA


class InvalidSignatureEvent(BaseEvent[dict[str, Any]]):
    """Emitted before ``registerMultisignature`` fails; kept although the command reverts."""

    schema = INVALID_SIG_DATA_SCHEMA

    def error(self, ctx: EventQueuer, sender_address: bytes, data: dict[str, Any]) -> None:
        """Record the failing key and signature (``no_revert``, as in Klayr)."""
        self.add(ctx, data, [sender_address], no_revert=True)
