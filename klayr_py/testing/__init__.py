"""Testing toolkit for module authors (needs the ``test`` extra: pytest and hypothesis).

Not imported by ``import klayr_py``; import ``klayr_py.testing`` from tests. See docs/testing.md.

- context factories (:mod:`klayr_py.testing.contexts`) for every hook, method and endpoint;
- :class:`BlockProcessingEnv`: a whole chain in-process;
- Hypothesis strategies: :func:`from_schema`, :func:`invalid_for_schema`, :func:`accounts`,
  :func:`transactions`;
- :class:`ModuleStateMachine`: stateful tests with the framework's invariants checked.
"""

from klayr_py.testing.contexts import (
    create_block_context,
    create_block_header,
    create_endpoint_context,
    create_generation_context,
    create_genesis_block_context,
    create_immutable_method_context,
    create_method_context,
    create_offchain_store,
    create_state_store,
    create_transaction_context,
)
from klayr_py.testing.env import BlockProcessingEnv, TransactionRejectedError
from klayr_py.testing.stateful import InvariantViolation, ModuleStateMachine
from klayr_py.testing.strategies import (
    DEFAULT_CHAIN_ID,
    Account,
    InvalidValue,
    account,
    accounts,
    from_schema,
    invalid_for_schema,
    transactions,
)

__all__ = [
    "DEFAULT_CHAIN_ID",
    "Account",
    "BlockProcessingEnv",
    "InvalidValue",
    "InvariantViolation",
    "ModuleStateMachine",
    "TransactionRejectedError",
    "account",
    "accounts",
    "create_block_context",
    "create_block_header",
    "create_endpoint_context",
    "create_generation_context",
    "create_genesis_block_context",
    "create_immutable_method_context",
    "create_method_context",
    "create_offchain_store",
    "create_state_store",
    "create_transaction_context",
    "from_schema",
    "invalid_for_schema",
    "transactions",
]
