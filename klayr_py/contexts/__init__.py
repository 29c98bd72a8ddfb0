"""What hooks, methods and endpoints receive: the contexts and the event queue.

This layer sits between the chain objects and the modules, so modules type their hooks with these
classes without importing the state machine that builds them (docs/architecture.md).
"""

from klayr_py.contexts.event_queue import EventQueue, ReadOnlyEventQueue
from klayr_py.contexts.hooks import (
    BlockAfterExecuteContext,
    BlockExecuteContext,
    BlockVerifyContext,
    CommandExecuteContext,
    CommandVerifyContext,
    EndpointContext,
    GenesisBlockExecuteContext,
    HeaderInfo,
    ImmutableMethodContext,
    InsertAssetContext,
    MethodContext,
    NextValidators,
    SetNextValidators,
    TransactionExecuteContext,
    TransactionVerifyContext,
    Validator,
)

__all__ = [
    "BlockAfterExecuteContext",
    "BlockExecuteContext",
    "BlockVerifyContext",
    "CommandExecuteContext",
    "CommandVerifyContext",
    "EndpointContext",
    "EventQueue",
    "GenesisBlockExecuteContext",
    "HeaderInfo",
    "ImmutableMethodContext",
    "InsertAssetContext",
    "MethodContext",
    "NextValidators",
    "ReadOnlyEventQueue",
    "SetNextValidators",
    "TransactionExecuteContext",
    "TransactionVerifyContext",
    "Validator",
]
