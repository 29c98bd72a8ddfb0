"""Modules written to break one framework invariant each, to prove the harness catches it."""

from __future__ import annotations

import itertools

from klayr_py.modules import (
    BaseCommand,
    BaseModule,
    BaseSingletonStore,
    KlayrModel,
    UInt32,
    VerificationResult,
)
from klayr_py.state_machine import CommandExecuteContext, CommandVerifyContext

_TICKET = itertools.count()


class Note(KlayrModel):
    """Params and stored value: one number."""

    value: UInt32


class NoteStore(BaseSingletonStore[Note]):
    """The last value written."""


class _NoteModule(BaseModule):
    def __init__(self) -> None:
        super().__init__()
        self.stores.register(NoteStore, NoteStore(self.name, 0))
        self.commands = [self.command_class(self.stores, self.events)]

    command_class: type[BaseCommand[Note]]


class WriteCommand(BaseCommand[Note]):
    """Stores the value (well behaved)."""

    name = "write"

    def execute(self, ctx: CommandExecuteContext[Note]) -> None:
        self.stores.get(NoteStore).set_value(ctx, Note(value=ctx.params.value))


class GoodModule(_NoteModule):
    """Deterministic and tidy."""

    name = "good"
    command_class = WriteCommand


class RandomWriteCommand(BaseCommand[Note]):
    """Stores a process-wide ticket number: differs between a run and its replay."""

    name = "write"

    def execute(self, ctx: CommandExecuteContext[Note]) -> None:
        self.stores.get(NoteStore).set_value(ctx, Note(value=next(_TICKET) % 2**32))


class NonDeterministicModule(_NoteModule):
    """Writes something that does not come from the chain."""

    name = "nondet"
    command_class = RandomWriteCommand


class WritingVerifyCommand(WriteCommand):
    """Writes from ``verify`` (a read-only hook)."""

    def verify(self, ctx: CommandVerifyContext[Note]) -> VerificationResult:
        self.stores.get(NoteStore).set_value(ctx, Note(value=ctx.params.value))
        return VerificationResult.ok()


class WritingVerifyModule(_NoteModule):
    """Breaks the read-only rule."""

    name = "writer"
    command_class = WritingVerifyCommand


class LeakyCommand(BaseCommand[Note]):
    """Value 0 fails — after bumping an attribute the next transactions store."""

    name = "write"

    leaked = 0

    def execute(self, ctx: CommandExecuteContext[Note]) -> None:
        if ctx.params.value == 0:
            self.leaked += 1
            raise ValueError("zero is refused")
        store = self.stores.get(NoteStore)
        store.set_value(ctx, Note(value=ctx.params.value + self.leaked))


class LeakyModule(_NoteModule):
    """A failed command changes what later commands write."""

    name = "leaky"
    command_class = LeakyCommand
