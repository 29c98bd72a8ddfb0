"""The token module's events (the single-chain ones of Klayr's token module)."""

from klayr_py.modules.token.events.burn import BurnEvent
from klayr_py.modules.token.events.initialize_token import InitializeTokenEvent
from klayr_py.modules.token.events.initialize_user_account import InitializeUserAccountEvent
from klayr_py.modules.token.events.lock import LockEvent
from klayr_py.modules.token.events.mint import MintEvent
from klayr_py.modules.token.events.transfer import TransferEvent
from klayr_py.modules.token.events.unlock import UnlockEvent

__all__ = [
    "BurnEvent",
    "InitializeTokenEvent",
    "InitializeUserAccountEvent",
    "LockEvent",
    "MintEvent",
    "TransferEvent",
    "UnlockEvent",
]
