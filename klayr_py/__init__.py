"""klayr_py: a Python SDK for Klayr-style application-specific blockchains.

The public API for module authors is re-exported here; the protocol pieces live in their
packages (``klayr_py.codec``, ``klayr_py.validator``, ``klayr_py.crypto``, ``klayr_py.tree``,
``klayr_py.chain``, ``klayr_py.db``, ``klayr_py.state``, ``klayr_py.state_machine``).
"""

from klayr_py.errors import CodecError, KlayrError, NotFoundError, ValidationError
from klayr_py.modules import (
    Address,
    BaseCommand,
    BaseEndpoint,
    BaseEvent,
    BaseMethod,
    BaseModule,
    BaseOffchainStore,
    BaseSingletonStore,
    BaseStore,
    Field,
    FieldNumber,
    KlayrModel,
    ModuleMetadata,
    NamedRegistry,
    SInt32,
    SInt64,
    UInt32,
    UInt64,
    VerificationResult,
    VerifyStatus,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "Address",
    "BaseCommand",
    "BaseEndpoint",
    "BaseEvent",
    "BaseMethod",
    "BaseModule",
    "BaseOffchainStore",
    "BaseSingletonStore",
    "BaseStore",
    "CodecError",
    "Field",
    "FieldNumber",
    "KlayrError",
    "KlayrModel",
    "ModuleMetadata",
    "NamedRegistry",
    "NotFoundError",
    "SInt32",
    "SInt64",
    "UInt32",
    "UInt64",
    "ValidationError",
    "VerificationResult",
    "VerifyStatus",
    "__version__",
]
