"""The stateful harness passes a well-behaved module and catches each kind of misbehaviour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from klayr_py.modules import BaseModule
from klayr_py.testing.stateful import InvariantViolation, ModuleStateMachine
from tests.testing.bad_modules import (
    GoodModule,
    LeakyModule,
    NonDeterministicModule,
    WritingVerifyModule,
)

_SETTINGS = settings(
    max_examples=4,
    stateful_step_count=3,
    deadline=None,
    database=None,
    report_multiple_bugs=False,
)


def _machine(module_class: type[BaseModule]) -> type[ModuleStateMachine]:
    class Machine(ModuleStateMachine):
        env_options: ClassVar[dict[str, Any]] = {"accounts": 3}

        def create_modules(self) -> Sequence[BaseModule]:
            return [module_class()]

        @rule(values=st.lists(st.integers(0, 3), min_size=1, max_size=3))
        def block_of_notes(self, values: list[int]) -> None:
            account = self.env.accounts[0]
            nonce = self.env.nonce(account.address)
            for offset, value in enumerate(values):
                self.submit(
                    self.env.transaction(
                        module_class.name, "write", {"value": value}, nonce=nonce + offset
                    )
                )
            self.process_block()

    Machine.__name__ = f"{module_class.__name__}Machine"
    return Machine


def test_a_well_behaved_module_passes() -> None:
    run_state_machine_as_test(_machine(GoodModule), settings=_SETTINGS)


def test_a_non_deterministic_module_is_caught() -> None:
    with pytest.raises(InvariantViolation, match=r"another state|fresh environment"):
        run_state_machine_as_test(_machine(NonDeterministicModule), settings=_SETTINGS)


def test_writing_in_verify_is_caught() -> None:
    with pytest.raises(InvariantViolation, match="read-only hook tried to write"):
        run_state_machine_as_test(_machine(WritingVerifyModule), settings=_SETTINGS)


def test_state_leaking_from_a_failed_command_is_caught() -> None:
    with pytest.raises(InvariantViolation, match=r"failed command|outside its stores"):
        run_state_machine_as_test(_machine(LeakyModule), settings=_SETTINGS)
