"""Emitted after every transaction: how its fee was split; topics: sender, generator."""

from __future__ import annotations

from klayr_py.interfaces import EventQueuer
from klayr_py.modules import BaseEvent
from klayr_py.modules.fee.schemas import GENERATOR_FEE_PROCESSED_SCHEMA, GeneratorFeeProcessedData


class GeneratorFeeProcessedEvent(BaseEvent[GeneratorFeeProcessedData]):
    """``generatorFeeProcessed`` event."""

    schema = GENERATOR_FEE_PROCESSED_SCHEMA

    def log(self, ctx: EventQueuer, data: GeneratorFeeProcessedData) -> None:
        """Record the split of one transaction's fee."""
        self.add(ctx, data, [data.sender_address, data.generator_address])
