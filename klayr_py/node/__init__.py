"""The node (application layer): what runs a chain around the state machine.

``Application`` (modules + configuration), the ``Engine`` it starts (genesis, pool, block
generation and import, chain storage, revert), configuration models and genesis helpers.
See docs/node.md and docs/transaction_pool.md.
"""

from klayr_py.node.application import Application, DefaultMethods, load_generator_keys
from klayr_py.node.config import ApplicationConfig, ConfigError, load_config
from klayr_py.node.engine import BlockImportError, DryRunResult, Engine, GeneratorKey
from klayr_py.node.genesis import (
    GenesisError,
    create_genesis_block,
    read_genesis_block,
    write_genesis_block,
)
from klayr_py.node.pool import (
    AddResult,
    PoolConfig,
    RejectReason,
    TransactionPool,
    TransactionPoolError,
)

__all__ = [
    "AddResult",
    "Application",
    "ApplicationConfig",
    "BlockImportError",
    "ConfigError",
    "DefaultMethods",
    "DryRunResult",
    "Engine",
    "GeneratorKey",
    "GenesisError",
    "PoolConfig",
    "RejectReason",
    "TransactionPool",
    "TransactionPoolError",
    "create_genesis_block",
    "load_config",
    "load_generator_keys",
    "read_genesis_block",
    "write_genesis_block",
]
