"""The default ``validators`` module (proof-of-authority style): see docs/module_validators.md."""

from klayr_py.modules.validators.method import ValidatorsMethod
from klayr_py.modules.validators.module import ValidatorsModule, default_threshold
from klayr_py.modules.validators.schemas import GENESIS_SCHEMA
from klayr_py.modules.validators.stores import ValidatorKeysStore, ValidatorsParamsStore

__all__ = [
    "GENESIS_SCHEMA",
    "ValidatorKeysStore",
    "ValidatorsMethod",
    "ValidatorsModule",
    "ValidatorsParamsStore",
    "default_threshold",
]
