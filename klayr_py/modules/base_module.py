"""Modules: the unit of application logic — commands, stores, events, endpoint, method, hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic.alias_generators import to_camel

from klayr_py.modules._naming import DerivedName
from klayr_py.modules.base_command import BaseCommand
from klayr_py.modules.base_endpoint import BaseEndpoint
from klayr_py.modules.base_method import BaseMethod
from klayr_py.modules.named_registry import NamedRegistry
from klayr_py.modules.verification import VerificationResult

if TYPE_CHECKING:
    from klayr_py.contexts.hooks import (
        BlockAfterExecuteContext,
        BlockExecuteContext,
        BlockVerifyContext,
        GenesisBlockExecuteContext,
        InsertAssetContext,
        TransactionExecuteContext,
        TransactionVerifyContext,
    )


@dataclass(slots=True)
class ModuleMetadata:
    """What ``system_getMetadata`` says of a module (Klayr's ``ModuleMetadata``)."""

    endpoints: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    stores: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, name: str) -> dict[str, Any]:
        """Klayr's ``ModuleMetadataJSON``: the metadata with the module's name."""
        return {
            "name": name,
            "endpoints": self.endpoints,
            "events": self.events,
            "commands": self.commands,
            "assets": self.assets,
            "stores": self.stores,
        }


HOOKS = (
    "insert_assets",
    "verify_assets",
    "verify_transaction",
    "before_command_execute",
    "after_command_execute",
    "init_genesis_state",
    "finalize_genesis_state",
    "before_transactions_execute",
    "after_transactions_execute",
)


class BaseModule(DerivedName):
    """Subclass to build a module; register commands, stores and events in ``__init__``.

    ``name`` derives from the class name (``HelloModule`` -> ``hello``); set ``name = "..."`` on
    the class to choose another. Every hook is optional: the state machine calls only the ones a
    module overrides, in module registration order. Dependencies on other modules' methods come in
    through an ``add_dependencies(...)`` method of the module's own choosing, as in Klayr.
    """

    _suffix = "Module"

    def __init__(self) -> None:
        self.commands: list[BaseCommand[Any]] = []
        self.events: NamedRegistry[Any] = NamedRegistry()
        self.stores: NamedRegistry[Any] = NamedRegistry()
        self.offchain_stores: NamedRegistry[Any] = NamedRegistry()
        self.endpoint: BaseEndpoint = BaseEndpoint(self.stores, self.offchain_stores)
        self.method: BaseMethod = BaseMethod(self.stores, self.events)

    # --- description ------------------------------------------------------------------------------

    def base_metadata(self) -> ModuleMetadata:
        """Commands, events and stores with their schemas, and endpoints, as Klayr lists them."""
        endpoint = self.endpoint
        endpoints = []
        for python_name in endpoint.endpoint_names():
            entry: dict[str, Any] = {"name": to_camel(python_name)}
            if python_name in endpoint.request_schemas:
                entry["request"] = endpoint.request_schemas[python_name]
            if python_name in endpoint.response_schemas:
                entry["response"] = endpoint.response_schemas[python_name]
            endpoints.append(entry)
        return ModuleMetadata(
            endpoints=endpoints,
            events=[{"name": e.name, "data": e.schema} for e in self.events.values()],
            commands=[{"name": c.name, "params": c.schema} for c in self.commands],
            assets=[],
            stores=[{"key": s.key.hex(), "data": s.schema} for s in self.stores.values()],
        )

    def metadata(self) -> ModuleMetadata:
        """This module's metadata; override to add asset schemas or endpoint schemas."""
        return self.base_metadata()

    def command(self, name: str) -> BaseCommand[Any] | None:
        """The command called ``name``, if the module has it."""
        return next((c for c in self.commands if c.name == name), None)

    # --- lifecycle hooks (all optional) -----------------------------------------------------------

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Receive this module's configuration (``modules.<name>``) and the genesis config."""

    def insert_assets(self, ctx: InsertAssetContext) -> None:
        """Add this module's asset to a block being generated."""

    def verify_assets(self, ctx: BlockVerifyContext) -> None:
        """Check this module's asset of a block; raise to reject the block."""

    def verify_transaction(self, ctx: TransactionVerifyContext) -> VerificationResult:
        """Check any transaction (not only this module's) against the read-only state."""
        return VerificationResult.ok()

    def before_command_execute(self, ctx: TransactionExecuteContext) -> None:
        """Before every transaction's command; raising makes the transaction (and block) invalid."""

    def after_command_execute(self, ctx: TransactionExecuteContext) -> None:
        """After every transaction's command; raising makes the transaction (and block) invalid."""

    def init_genesis_state(self, ctx: GenesisBlockExecuteContext) -> None:
        """Write this module's genesis state from its genesis asset."""

    def finalize_genesis_state(self, ctx: GenesisBlockExecuteContext) -> None:
        """Check the genesis state once every module has written its own."""

    def before_transactions_execute(self, ctx: BlockExecuteContext) -> None:
        """At the start of every block, before its transactions."""

    def after_transactions_execute(self, ctx: BlockAfterExecuteContext) -> None:
        """At the end of every block, after its transactions."""

    def overridden_hooks(self) -> frozenset[str]:
        """The hooks this module implements (the state machine skips the rest)."""
        return frozenset(
            hook for hook in HOOKS if getattr(type(self), hook) is not getattr(BaseModule, hook)
        )
