"""The total number of hellos, a single value (Klayr keeps it under the empty key)."""

from __future__ import annotations

from hello.schemas import CounterData
from klayr_py import BaseSingletonStore


class CounterStore(BaseSingletonStore[CounterData]):
    """``counter`` store, index 0 in the module."""
