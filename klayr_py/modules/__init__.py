"""What application developers subclass: modules, commands, stores, events, endpoints, methods."""

from klayr_py.modules.base_command import BaseCommand
from klayr_py.modules.base_endpoint import BaseEndpoint
from klayr_py.modules.base_event import BaseEvent
from klayr_py.modules.base_method import BaseMethod
from klayr_py.modules.base_module import BaseModule, ModuleMetadata
from klayr_py.modules.base_offchain_store import BaseOffchainStore
from klayr_py.modules.base_store import (
    BaseSingletonStore,
    BaseStore,
    KeyValue,
    compute_store_prefix,
    compute_sub_store_prefix,
)
from klayr_py.modules.named_registry import NamedRegistry
from klayr_py.modules.typed import (
    Address,
    DataType,
    Field,
    FieldNumber,
    Format,
    KlayrModel,
    SInt32,
    SInt64,
    UInt32,
    UInt64,
    schema_from_model,
)
from klayr_py.modules.verification import VerificationResult, VerifyStatus

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
    "DataType",
    "Field",
    "FieldNumber",
    "Format",
    "KeyValue",
    "KlayrModel",
    "ModuleMetadata",
    "NamedRegistry",
    "SInt32",
    "SInt64",
    "UInt32",
    "UInt64",
    "VerificationResult",
    "VerifyStatus",
    "compute_store_prefix",
    "compute_sub_store_prefix",
    "schema_from_model",
]
