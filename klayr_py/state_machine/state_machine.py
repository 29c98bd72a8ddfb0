"""The state machine: runs the registered modules' hooks in Klayr's order.

Hooks run in module registration order, and only the hooks a module overrides are called. All
execution is synchronous and deterministic; the state machine does no I/O of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any

from klayr_py.chain.schemas import STANDARD_EVENT_DATA_SCHEMA
from klayr_py.codec import compile_schema
from klayr_py.errors import KlayrError, ModuleConfigError, ValidationError
from klayr_py.modules.base_command import BaseCommand
from klayr_py.modules.base_module import HOOKS, BaseModule
from klayr_py.modules.verification import VerificationResult
from klayr_py.state_machine.block_context import (
    BlockContext,
    GenerationContext,
    GenesisBlockContext,
    TransactionContext,
)
from klayr_py.state_machine.constants import EVENT_TRANSACTION_NAME
from klayr_py.validator.messages import as_setting_errors

_STANDARD_EVENT = compile_schema(STANDARD_EVENT_DATA_SCHEMA)
_SUCCESS = _STANDARD_EVENT.encode({"success": True})
_FAILURE = _STANDARD_EVENT.encode({"success": False})


class TransactionExecutionResult(IntEnum):
    """Klayr's results: OK, FAIL (command raised; stays in the block), INVALID (block invalid)."""

    INVALID = -1
    FAIL = 0
    OK = 1


class RegistrationError(KlayrError, ValueError):
    """A module cannot be registered: its name, an event key or a store key collides."""


class UnknownCommandError(KlayrError, ValueError):
    """A transaction names a module or command that is not registered."""


class StateMachine:
    """Registers modules and runs their hooks for genesis, generation, verification, execution."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("klayr_py.state_machine")
        self.modules: list[BaseModule] = []
        self._by_name: dict[str, BaseModule] = {}
        self._hooks: dict[str, list[Callable[[Any], Any]]] = {hook: [] for hook in HOOKS}
        self._initialized = False
        # (module, command) -> command, filled once the modules are initialized (hot path).
        self._commands: dict[tuple[str, str], BaseCommand[Any]] = {}

    # --- registration -----------------------------------------------------------------------------

    def register_module(self, module: BaseModule) -> None:
        """Add ``module``; its name, event keys and store keys must not collide with others'."""
        if self._initialized:
            raise RegistrationError(f"cannot register {module.name}: the state machine is running")
        existing = self._by_name.get(module.name)
        if existing is not None:
            raise RegistrationError(
                f"Module {module.name} ({type(module).__name__}) is already registered "
                f"by {type(existing).__name__}."
            )
        for kind, registry_of in (("event", _events_of), ("store", _stores_of)):
            own: dict[bytes, str] = {}
            for key, name in registry_of(module):
                if key in own:
                    raise RegistrationError(
                        f"Module {module.name} has two {kind}s with key {key.hex()}: "
                        f"{own[key]} and {name}."
                    )
                own[key] = name
            taken = {
                key: (other, name) for other in self.modules for key, name in registry_of(other)
            }
            for key, name in registry_of(module):
                if key in taken:
                    other, other_name = taken[key]
                    raise RegistrationError(
                        f"Module {module.name} has a conflicting {kind} {name} (key {key.hex()}): "
                        f"module {other.name} has {kind} {other_name} with the same key."
                    )
        self.modules.append(module)
        self._by_name[module.name] = module
        for hook in module.overridden_hooks():
            self._hooks[hook].append(getattr(module, hook))

    def get_module(self, name: str) -> BaseModule:
        """The registered module called ``name``."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownCommandError(f"Module {name} is not registered.") from None

    def get_command(self, module: str, command: str) -> BaseCommand[Any]:
        """The command ``module:command``; raises UnknownCommandError naming what is missing."""
        found = self._commands.get((module, command))
        if found is not None:
            return found
        found = self.get_module(module).command(command)
        if found is not None and self._initialized:
            self._commands[(module, command)] = found
        if found is None:
            raise UnknownCommandError(
                f"Module {module} does not have command {command} registered."
            )
        return found

    def init(self, genesis_config: Any, module_configs: Mapping[str, Mapping[str, Any]]) -> None:
        """Call every module's ``init`` with its own configuration (``modules.<name>``)."""
        if self._initialized:
            return
        for module in self.modules:
            try:
                module.init(dict(module_configs.get(module.name, {})), genesis_config)
            except ModuleConfigError:
                raise
            except ValidationError as error:  # its config schema refused the settings
                prefix = f"modules.{module.name}"
                raise ModuleConfigError(as_setting_errors(prefix, error.errors)) from None
            for declared in (
                *module.commands,
                *module.stores.instances(),
                *module.events.instances(),
                *module.offchain_stores.instances(),
            ):
                declared.refresh_schema()  # init may have adjusted a schema in place
            self.logger.info("Registered and initialized %s module", module.name)
        self._initialized = True

    # --- genesis and generation -------------------------------------------------------------------

    def execute_genesis_block(self, ctx: GenesisBlockContext) -> None:
        """``init_genesis_state`` for every module, then ``finalize_genesis_state``."""
        init_context = ctx.init_genesis_state_context()
        for hook in self._hooks["init_genesis_state"]:
            hook(init_context)
        finalize_context = ctx.finalize_genesis_state_context()
        for hook in self._hooks["finalize_genesis_state"]:
            hook(finalize_context)

    def insert_assets(self, ctx: GenerationContext) -> None:
        """Let every module add its asset to a block being generated."""
        asset_context = ctx.insert_asset_context()
        for hook in self._hooks["insert_assets"]:
            hook(asset_context)

    # --- blocks -----------------------------------------------------------------------------------

    def verify_assets(self, ctx: BlockContext) -> None:
        """Reject assets of unregistered modules, then run every ``verify_assets`` hook."""
        for module_name in _asset_modules(ctx.assets):
            if module_name not in self._by_name:
                raise UnknownCommandError(f"Module {module_name} is not registered.")
        verify_context = ctx.block_verify_context()
        for hook in self._hooks["verify_assets"]:
            hook(verify_context)

    def before_transactions_execute(self, ctx: BlockContext) -> None:
        """Run every ``before_transactions_execute`` hook."""
        execute_context = ctx.block_execute_context()
        for hook in self._hooks["before_transactions_execute"]:
            hook(execute_context)

    def after_transactions_execute(self, ctx: BlockContext) -> None:
        """Run every ``after_transactions_execute`` hook."""
        after_context = ctx.block_after_execute_context()
        for hook in self._hooks["after_transactions_execute"]:
            hook(after_context)

    # --- transactions -----------------------------------------------------------------------------

    def decode_params(self, command: BaseCommand[Any], params: bytes) -> Any:
        """Decode and schema-validate a transaction's params for ``command``.

        Raises CodecError or ValidationError naming the field at fault.
        """
        values = command.codec
        plain = values.decode_dict(params)
        values.validate_decoded(plain)
        return values.from_dict(plain)

    def verify_transaction(
        self, ctx: TransactionContext, only_command: bool = False
    ) -> VerificationResult:
        """Every module's ``verify_transaction``, then the params and the command's ``verify``.

        Any exception is a FAIL result carrying it, as in Klayr.
        """
        try:
            hooks = self._hooks["verify_transaction"]
            if hooks and not only_command:
                verify_context = ctx.transaction_verify_context()
                for hook in hooks:
                    result: VerificationResult = hook(verify_context)
                    if not result.is_ok:
                        return result
            command = self.get_command(ctx.transaction.module, ctx.transaction.command)
            params = self.decode_params(command, ctx.transaction.params)
            result = command.verify(ctx.command_verify_context(params))
            return result if isinstance(result, VerificationResult) else _not_a_result(command)
        except Exception as error:  # bad params, unknown command, or a module's own bug
            self.logger.debug("transaction verification failed", exc_info=True)
            return VerificationResult.fail(error)

    def execute_transaction(self, ctx: TransactionContext) -> TransactionExecutionResult:
        """Execute one verified transaction in Klayr's order, with Klayr's results.

        before_command_execute hooks -> command.execute -> after_command_execute hooks -> the
        standard ``commandExecutionResult`` event. A raising command is reverted (state and events)
        and FAIL; a raising before/after hook reverts the whole transaction and is INVALID.
        """
        events, state = ctx.event_queue, ctx.state_store
        before_hooks = self._hooks["before_command_execute"]
        after_hooks = self._hooks["after_command_execute"]
        if before_hooks or after_hooks:
            transaction_context = ctx.transaction_execute_context()
            # What a raising hook rolls back to (without hooks nothing ever restores them).
            event_snapshot = events.create_snapshot()
            state_snapshot = state.create_snapshot()
        else:
            ctx.check_executable()  # what building the unused context would have checked
        for hook in before_hooks:
            try:
                hook(transaction_context)
            except Exception:
                self.logger.debug("before_command_execute raised", exc_info=True)
                events.restore_snapshot(event_snapshot)
                state.restore_snapshot(state_snapshot)
                return TransactionExecutionResult.INVALID
        command = self.get_command(ctx.transaction.module, ctx.transaction.command)
        command_event_snapshot = events.create_snapshot()
        command_state_snapshot = state.create_snapshot()
        status = TransactionExecutionResult.OK
        try:
            params = command.codec.decode(ctx.transaction.params)
            command.execute(ctx.command_execute_context(params))
        except Exception as error:
            # At the default level: a user whose transaction FAILed must see the module's reason.
            transaction = ctx.transaction
            self.logger.info(
                "transaction %s (%s:%s) failed: %s",
                transaction.id.hex(),
                transaction.module,
                transaction.command,
                error or type(error).__name__,
            )
            self.logger.debug("command execute raised", exc_info=True)
            events.restore_snapshot(command_event_snapshot)
            state.restore_snapshot(command_state_snapshot)
            status = TransactionExecutionResult.FAIL
        for hook in after_hooks:
            try:
                hook(transaction_context)
            except Exception:
                self.logger.debug("after_command_execute raised", exc_info=True)
                events.restore_snapshot(event_snapshot)
                state.restore_snapshot(state_snapshot)
                return TransactionExecutionResult.INVALID
        events.unsafe_add(
            ctx.transaction.module,
            EVENT_TRANSACTION_NAME,
            _SUCCESS if status is TransactionExecutionResult.OK else _FAILURE,
            (ctx.execution_topic(),),
        )
        return status


def _events_of(module: BaseModule) -> list[tuple[bytes, str]]:
    return [(entry.key, entry.name) for entry in module.events.values()]


def _stores_of(module: BaseModule) -> list[tuple[bytes, str]]:
    return [(entry.key, entry.name) for entry in module.stores.values()]


def _asset_modules(assets: Any) -> list[str]:
    return [asset.module for asset in assets.get_all()]


def _not_a_result(command: BaseCommand[Any]) -> VerificationResult:
    return VerificationResult.fail(
        TypeError(f"{type(command).__name__}.verify must return a VerificationResult")
    )
