"""The deterministic block-execution state machine: contexts, event queue, hook order."""

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
    TransactionExecuteContext,
    TransactionVerifyContext,
    Validator,
)
from klayr_py.state_machine.block_context import (
    BlockContext,
    GenerationContext,
    GenesisBlockContext,
    TransactionContext,
    WritableBlockAssets,
)
from klayr_py.state_machine.state_machine import (
    RegistrationError,
    StateMachine,
    TransactionExecutionResult,
    UnknownCommandError,
)

__all__ = [
    "BlockAfterExecuteContext",
    "BlockContext",
    "BlockExecuteContext",
    "BlockVerifyContext",
    "CommandExecuteContext",
    "CommandVerifyContext",
    "EndpointContext",
    "EventQueue",
    "GenerationContext",
    "GenesisBlockContext",
    "GenesisBlockExecuteContext",
    "HeaderInfo",
    "ImmutableMethodContext",
    "InsertAssetContext",
    "MethodContext",
    "NextValidators",
    "ReadOnlyEventQueue",
    "RegistrationError",
    "StateMachine",
    "TransactionContext",
    "TransactionExecuteContext",
    "TransactionExecutionResult",
    "TransactionVerifyContext",
    "UnknownCommandError",
    "Validator",
    "WritableBlockAssets",
]
