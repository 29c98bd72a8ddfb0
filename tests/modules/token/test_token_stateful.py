"""Token transfers under the klayr_py testing toolkit: a stateful property test.

Random transfers between dev accounts, block after block; some are for more than the sender has
left once the fee is locked, which fail as commands and still pay the fee. The model predicts
every account's balance; the invariant ties the balances to the total supply (fees are partly
burnt, the rest goes to the validator). The harness adds the framework's invariants after every
block and a replay at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from klayr_py.modules import BaseModule
from klayr_py.testing.stateful import ModuleStateMachine

FEE = 10_000_000
BALANCE = 10**9


class TransferMachine(ModuleStateMachine):
    env_options: ClassVar[dict[str, Any]] = {"accounts": 3, "balance": BALANCE}

    def __init__(self) -> None:
        super().__init__()
        self.expected = {account.address: BALANCE for account in self.env.accounts}

    def create_modules(self) -> Sequence[BaseModule]:
        return []  # the default modules (auth, validators, token, fee) are the subject

    @rule(
        transfers=st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 2 * BALANCE)),
            min_size=1,
            max_size=4,
        )
    )
    def transfer_block(self, transfers: list[tuple[int, int, int]]) -> None:
        env = self.env
        nonces = {a.address: env.nonce(a.address) for a in env.accounts}
        for sender_index, recipient_index, amount in transfers:
            sender, recipient = env.accounts[sender_index], env.accounts[recipient_index]
            balance = self.expected[sender.address]
            if balance < FEE or balance < amount:
                continue  # verify refuses it (fee or amount above the balance), as Klayr
            params = {
                "tokenID": env.token_id,
                "amount": amount,
                "recipientAddress": recipient.address,
                "data": "",
            }
            tx = env.transaction(
                "token", "transfer", params, account=sender, nonce=nonces[sender.address], fee=FEE
            )
            nonces[sender.address] += 1
            self.submit(tx)
            self.expected[sender.address] -= FEE  # locked before the command runs
            if self.expected[sender.address] >= amount:  # else the command fails, fee paid
                self.expected[sender.address] -= amount
                self.expected[recipient.address] += amount
        if self.pending:
            self.process_block()

    @invariant()
    def balances_match_the_model_and_the_supply(self) -> None:
        env = self.env
        for account in env.accounts:
            assert env.balance(account.address) == self.expected[account.address]
        supply = env.invoke("token_getTotalSupply")["totalSupply"]
        total = int(next(e["totalSupply"] for e in supply if e["tokenID"] == env.token_id.hex()))
        held = sum(self.expected.values()) + env.balance(env.validator.address)
        assert held == total


def test_token_transfers_stateful() -> None:
    run_state_machine_as_test(
        TransferMachine,
        settings=settings(max_examples=6, stateful_step_count=4, deadline=None),
    )
