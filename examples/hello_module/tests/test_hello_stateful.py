"""The Hello module under the klayr_py testing toolkit: a stateful property test.

Rules send hellos (some with a blacklisted word, which ``verify`` rejects; some too short for the
schema) from random dev accounts in blocks; the model tracks what the chain must hold. After every
block the harness also checks the framework's invariants (exact revert, failed commands leave no
trace, read-only hooks do not write) and, at teardown, that a fresh replay gives the same roots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from hello import HelloModule
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from klayr_py.modules import BaseModule
from klayr_py.testing.env import TransactionRejectedError
from klayr_py.testing.stateful import ModuleStateMachine

words = st.sampled_from(["hello", "klayr", "python", "illegalWord1", "hi", "block"])
messages = st.lists(words, min_size=1, max_size=4).map(" ".join)


class HelloMachine(ModuleStateMachine):
    env_options: ClassVar[dict[str, Any]] = {"accounts": 4}

    def __init__(self) -> None:
        super().__init__()
        self.expected_messages: dict[bytes, str] = {}
        self.expected_counter = 0

    def create_modules(self) -> Sequence[BaseModule]:
        return [HelloModule()]

    @rule(senders=st.lists(st.tuples(st.integers(0, 3), messages), min_size=1, max_size=4))
    def say_hellos(self, senders: list[tuple[int, str]]) -> None:
        env = self.env
        nonces = {account.address: env.nonce(account.address) for account in env.accounts}
        for index, message in senders:
            account = env.accounts[index]
            tx = env.transaction(
                "hello",
                "createHello",
                {"message": message},
                account=account,
                nonce=nonces[account.address],
            )
            valid = "illegalWord1" not in message.split(" ") and len(message) >= 3
            if not valid:
                with pytest.raises(TransactionRejectedError):
                    self.process_block([tx])
                continue
            nonces[account.address] += 1
            self.submit(tx)
            self.expected_messages[account.address] = message
            self.expected_counter += 1
        if self.pending:
            self.process_block()

    @invariant()
    def messages_and_counter_match(self) -> None:
        env = self.env
        assert env.invoke("hello_getHelloCounter") == {"counter": self.expected_counter}
        for account in env.accounts:
            expected = self.expected_messages.get(account.address)
            if expected is not None:
                reply = env.invoke("hello_getHello", {"address": account.klayr32_address})
                assert reply == {"message": expected}


def test_hello_module_stateful() -> None:
    run_state_machine_as_test(
        HelloMachine,
        settings=settings(max_examples=8, stateful_step_count=4, deadline=None),
    )
