"""Klayr's state-machine constants: event topics of each block phase and the result event."""

from __future__ import annotations

from typing import Final

EVENT_INDEX_INIT_GENESIS_STATE: Final = b"\x00"
EVENT_INDEX_FINALIZE_GENESIS_STATE: Final = b"\x01"
EVENT_INDEX_BEFORE_TRANSACTIONS: Final = b"\x02"
EVENT_INDEX_AFTER_TRANSACTIONS: Final = b"\x03"
EVENT_TOPIC_TRANSACTION_EXECUTION: Final = b"\x04"
EVENT_TRANSACTION_NAME: Final = "commandExecutionResult"
