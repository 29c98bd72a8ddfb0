"""Stateful property tests of a module: your rules and invariants, the framework's invariants.

Subclass :class:`ModuleStateMachine` (a ``hypothesis.stateful.RuleBasedStateMachine``), say how to
build your modules in ``create_modules``, and write rules that ``submit`` transactions and call
``process_block``. After every block the harness checks what must hold for ANY module:

- **revert is exact** — deleting the block restores the previous state root and every store entry
  byte for byte, and importing the block again gives the same root;
- **a failed command leaves no trace** — re-executing the block with each failed transaction's
  command made to fail at once gives the same state root and the same events (a command that
  leaks state before raising, e.g. through module attributes, is caught);
- **read-only hooks cannot write** — a transaction rejected because a verify hook tried to write
  state or emit an event fails the test naming it;

and at teardown:

- **determinism** — replaying every block in a fresh environment (new module instances from
  ``create_modules``) gives the same state root after each block.

A violation raises :class:`InvariantViolation` with what differed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine

from klayr_py.chain import Block, Transaction
from klayr_py.errors import KlayrError
from klayr_py.modules import BaseModule
from klayr_py.testing.env import BlockProcessingEnv, TransactionRejectedError

__all__ = ["InvariantViolation", "ModuleStateMachine"]

_FAILED_RESULT = b"\x08\x00"  # commandExecutionResult {success: false}
_READ_ONLY_MARKERS = ("read-only state:", "in a read-only context")


class InvariantViolation(AssertionError):
    """A framework-level invariant does not hold for the module under test."""


class ModuleStateMachine(RuleBasedStateMachine):
    """Base class of stateful module tests; see the module docstring.

    ``env_options`` (a class attribute) is passed to :class:`BlockProcessingEnv`.
    """

    env_options: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.env = BlockProcessingEnv(
            self.create_modules(), module_factory=self.create_modules, **self.env_options
        )
        self.pending: list[Transaction] = []
        self.roots: list[bytes] = [self.env.state_root]

    def create_modules(self) -> Sequence[BaseModule]:
        """Fresh instances of the modules under test (called again for replays)."""
        raise NotImplementedError("override create_modules() to return your modules")

    # -- driving ------------------------------------------------------------------------------

    def submit(self, transaction: Transaction) -> None:
        """Queue ``transaction`` for the next block."""
        self.pending.append(transaction)

    def process_block(self, transactions: Sequence[Transaction] | None = None) -> Block:
        """Execute a block of ``transactions`` (default: everything submitted), then check the
        per-block invariants. A rejected transaction raises TransactionRejectedError (nothing
        committed) unless a read-only hook wrote, which is an :class:`InvariantViolation`."""
        batch = list(self.pending if transactions is None else transactions)
        if transactions is None:
            self.pending.clear()
        env = self.env
        before_state, before_root = env.get_state(), env.state_root
        try:
            block = env.process_block(batch)
        except TransactionRejectedError as error:
            if any(marker in str(error) for marker in _READ_ONLY_MARKERS):
                raise InvariantViolation(f"a read-only hook tried to write: {error}") from None
            raise
        after_state, after_root, events = env.get_state(), env.state_root, env.events()
        self._check_revert(block, before_state, before_root, after_state, after_root)
        self._check_failed_commands(block, after_root, events)
        self.roots.append(after_root)
        return block

    def teardown(self) -> None:
        """Replay every block in a fresh environment; then close both."""
        try:
            if self.env.blocks:
                self._check_replay()
        finally:
            self.env.close()

    # -- checks -------------------------------------------------------------------------------

    def _check_revert(
        self,
        block: Block,
        before_state: dict[bytes, bytes],
        before_root: bytes,
        after_state: dict[bytes, bytes],
        after_root: bytes,
    ) -> None:
        env = self.env
        env.revert()
        if env.state_root != before_root or env.get_state() != before_state:
            raise InvariantViolation(
                f"reverting block {block.header.height} did not restore the previous state: "
                + _state_difference(before_state, env.get_state())
            )
        self._reimport(block)
        if env.state_root != after_root or env.get_state() != after_state:
            raise InvariantViolation(
                f"block {block.header.height} executed again after a revert gives another state"
            )

    def _reimport(self, block: Block) -> None:
        try:
            self.env.import_block(block)
        except KlayrError as error:
            raise InvariantViolation(
                f"block {block.header.height} executed again after a revert gives another "
                "state: a module keeps state outside its stores (randomness, time, or module "
                f"attributes changed by a command, perhaps one that failed): {error}"
            ) from None

    def _check_failed_commands(self, block: Block, root: bytes, events: list[Any]) -> None:
        failed = {
            event.topics[0][1:]
            for event in events
            if event.name == "commandExecutionResult" and event.data == _FAILED_RESULT
        }
        if not failed:
            return
        env = self.env
        env.revert()
        try:
            with _commands_failing_at_once(env, failed):
                suppressed = env.process_block(list(block.transactions))
            same_root = env.state_root == root
            same_events = [e.get_bytes() for e in env.events()] == [e.get_bytes() for e in events]
            env.revert()
            assert suppressed.transactions == block.transactions
        finally:
            self._reimport(block)
        if not (same_root and same_events):
            ids = ", ".join(sorted(tx_id.hex()[:16] for tx_id in failed))
            raise InvariantViolation(
                f"a failed command left a trace in block {block.header.height} (transactions "
                f"{ids}): executing the block with those commands failing at once gives "
                + ("another state root" if not same_root else "other events")
            )

    def _check_replay(self) -> None:
        replay = self.env.fresh()
        try:
            for index, block in enumerate(self.env.blocks, start=1):
                try:
                    replay.import_block(block)
                except KlayrError as error:
                    raise InvariantViolation(
                        f"replaying block {block.header.height} in a fresh environment failed "
                        f"(non-deterministic module?): {error}"
                    ) from None
                if replay.state_root != self.roots[index]:
                    raise InvariantViolation(
                        f"replaying block {block.header.height} in a fresh environment gives "
                        "another state root (non-deterministic module?)"
                    )
        finally:
            replay.close()


class _FailAtOnce(Exception):
    """Raised in place of a command that failed in the block under check."""


@contextmanager
def _commands_failing_at_once(env: BlockProcessingEnv, failed_ids: set[bytes]) -> Iterator[None]:
    """While active, commands of transactions in ``failed_ids`` raise before doing anything."""
    patched: list[Any] = []
    for module in env.engine.state_machine.modules:
        for command in module.commands:
            original = command.execute

            def execute(ctx: Any, original: Any = original) -> None:
                if ctx.transaction.id in failed_ids:
                    raise _FailAtOnce
                original(ctx)

            command.execute = execute  # type: ignore[method-assign]
            patched.append(command)
    try:
        yield
    finally:
        for command in patched:
            del command.execute  # back to the class's method


def _state_difference(expected: dict[bytes, bytes], actual: dict[bytes, bytes]) -> str:
    changed = sorted(
        key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)
    )
    shown = ", ".join(key.hex() for key in changed[:3])
    return f"{len(changed)} entries differ ({shown}{'...' if len(changed) > 3 else ''})"
