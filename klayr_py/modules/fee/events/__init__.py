"""The fee module's events."""

from klayr_py.modules.fee.events.generator_fee_processed import GeneratorFeeProcessedEvent
from klayr_py.modules.fee.events.insufficient_fee import InsufficientFeeEvent

__all__ = ["GeneratorFeeProcessedEvent", "InsufficientFeeEvent"]
