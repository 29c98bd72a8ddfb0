"""klayr_py: a Python SDK for Klayr-style application-specific blockchains.

Everything a module author or an application author needs is importable from here:

- the module framework (``BaseModule``, ``BaseCommand``, ``BaseStore``, ``BaseEvent``, ...) and
  typed values (``KlayrModel``, ``UInt64``, ``Address``, ...);
- the contexts each hook, method and endpoint receives, and the store/event interfaces that
  type a ``ctx`` parameter (``ImmutableStoreGetter``, ``StoreGetter``, ``EventQueuer``);
- the application (``Application``, ``ApplicationConfig``, ``load_config``), loaded on first use
  so that ``import klayr_py`` stays light in plugin processes and tools;
- the errors, all under ``KlayrError``.

Tests use ``klayr_py.testing``; the protocol pieces keep their packages (``klayr_py.codec``,
``klayr_py.validator``, ``klayr_py.crypto``, ``klayr_py.tree``, ``klayr_py.chain``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from klayr_py.errors import (
    CodecError,
    CryptoError,
    KlayrError,
    NotFoundError,
    StateWriteError,
    ValidationError,
)
from klayr_py.interfaces import (
    EventQueuer,
    ImmutableStoreGetter,
    ImmutableSubStore,
    OffchainStoreGetter,
    StoreGetter,
    SubStore,
    WritableContext,
)
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
    DataType,
    Field,
    FieldNumber,
    Format,
    KeyValue,
    KlayrModel,
    ModuleMetadata,
    NamedRegistry,
    SInt32,
    SInt64,
    UInt32,
    UInt64,
    VerificationResult,
    VerifyStatus,
    schema_from_model,
)
from klayr_py.state_machine import (
    BlockAfterExecuteContext,
    BlockExecuteContext,
    BlockVerifyContext,
    CommandExecuteContext,
    CommandVerifyContext,
    EndpointContext,
    GenesisBlockExecuteContext,
    ImmutableMethodContext,
    InsertAssetContext,
    MethodContext,
    TransactionExecuteContext,
    TransactionVerifyContext,
)

if TYPE_CHECKING:
    from klayr_py.node import (
        Application,
        ApplicationConfig,
        ConfigError,
        DefaultMethods,
        load_config,
    )

__version__ = "0.1.0.dev0"

# The application layer pulls in the RPC server, the pool and the plugin host: loaded on first use.
_LAZY = {
    "Application": "klayr_py.node",
    "ApplicationConfig": "klayr_py.node",
    "ConfigError": "klayr_py.node",
    "DefaultMethods": "klayr_py.node",
    "load_config": "klayr_py.node",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'klayr_py' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Address",
    "Application",
    "ApplicationConfig",
    "BaseCommand",
    "BaseEndpoint",
    "BaseEvent",
    "BaseMethod",
    "BaseModule",
    "BaseOffchainStore",
    "BaseSingletonStore",
    "BaseStore",
    "BlockAfterExecuteContext",
    "BlockExecuteContext",
    "BlockVerifyContext",
    "CodecError",
    "CommandExecuteContext",
    "CommandVerifyContext",
    "ConfigError",
    "CryptoError",
    "DataType",
    "DefaultMethods",
    "EndpointContext",
    "EventQueuer",
    "Field",
    "FieldNumber",
    "Format",
    "GenesisBlockExecuteContext",
    "ImmutableMethodContext",
    "ImmutableStoreGetter",
    "ImmutableSubStore",
    "InsertAssetContext",
    "KeyValue",
    "KlayrError",
    "KlayrModel",
    "MethodContext",
    "ModuleMetadata",
    "NamedRegistry",
    "NotFoundError",
    "OffchainStoreGetter",
    "SInt32",
    "SInt64",
    "StateWriteError",
    "StoreGetter",
    "SubStore",
    "TransactionExecuteContext",
    "TransactionVerifyContext",
    "UInt32",
    "UInt64",
    "ValidationError",
    "VerificationResult",
    "VerifyStatus",
    "WritableContext",
    "__version__",
    "load_config",
    "schema_from_model",
]
