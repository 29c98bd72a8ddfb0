"""token:transfer through whole blocks: verify, execute, initialization fee, failures."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klayr_py.modules.token.constants import USER_ACCOUNT_INITIALIZATION_FEE
from klayr_py.modules.token.events import BurnEvent
from klayr_py.state_machine import TransactionExecutionResult as Result
from klayr_py.state_machine.block_executor import BlockExecutionError
from tests.modules.token.chain import TOKEN_ID, Chain, address, genesis_asset, keys, transfer

KEYS = keys(4)
ADDRS = [address(k) for k in KEYS]
FEE = 10**7


def test_command_name_and_schema() -> None:
    chain = Chain()
    command = chain.token.command("transfer")
    assert command is not None and command.schema["$id"] == "/klayr/transferParams"
    assert command.schema["required"] == ["tokenID", "amount", "recipientAddress", "data"]


def test_transfer_to_new_account_charges_initialization_fee() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**9, ADDRS[1]: 10**8}))
    tx = transfer(KEYS[0], 0, ADDRS[2], 1000, fee=FEE)
    result = chain.block([tx], generator=ADDRS[1])
    assert result.results == [Result.OK]
    min_fee = 1000 * len(tx.get_bytes())
    to_generator = FEE - min_fee - USER_ACCOUNT_INITIALIZATION_FEE
    assert chain.balance(ADDRS[2]) == 1000
    assert chain.balance(ADDRS[0]) == 10**9 - 1000 - FEE
    assert chain.balance(ADDRS[1]) == 10**8 + to_generator
    assert chain.supply() == 11 * 10**8 - (FEE - to_generator)


def test_transfer_to_existing_account_pays_no_initialization_fee() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**9, ADDRS[1]: 10**8}))
    tx = transfer(KEYS[0], 0, ADDRS[1], 1000, fee=FEE)
    chain.block([tx], generator=ADDRS[1])
    assert chain.balance(ADDRS[1]) == 10**8 + 1000 + FEE - 1000 * len(tx.get_bytes())


def test_fee_too_small_for_initialization_fails_the_command() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**9}))
    tx = transfer(KEYS[0], 0, ADDRS[2], 1000, fee=10**6)  # covers min fee, not 0.05 init fee
    result = chain.block([tx])
    assert result.results == [Result.FAIL]
    names = [event.name for event in result.events]
    assert "insufficientFee" in names and "transfer" not in names
    assert chain.balance(ADDRS[0]) == 10**9 - 10**6  # the whole fee is forfeited
    assert not chain.token.method.user_account_exists(chain.state, ADDRS[2], TOKEN_ID)


def test_verify_refuses_amount_above_balance() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**8}))
    with pytest.raises(BlockExecutionError):
        chain.block([transfer(KEYS[0], 0, ADDRS[1], 10**8 + 1, fee=FEE)])


def test_execute_fails_when_the_locked_fee_leaves_too_little() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**8, ADDRS[1]: 1}))
    result = chain.block([transfer(KEYS[0], 0, ADDRS[1], 10**8 - FEE // 2, fee=FEE)])
    assert result.results == [Result.FAIL]
    assert chain.balance(ADDRS[0]) == 10**8 - FEE  # the fee is still paid
    assert chain.balance(ADDRS[1]) == 1


def test_data_longer_than_64_is_refused() -> None:
    chain = Chain()
    chain.genesis(genesis_asset({ADDRS[0]: 10**9}))
    with pytest.raises(BlockExecutionError):
        chain.block([transfer(KEYS[0], 0, ADDRS[1], 1, fee=FEE, data="x" * 65)])


def test_without_fee_module_accounts_are_free() -> None:
    chain = Chain(with_fee=False)
    chain.genesis(genesis_asset({ADDRS[0]: 10**9}))
    result = chain.block([transfer(KEYS[0], 0, ADDRS[2], 1000, fee=0)])
    assert result.results == [Result.OK]
    assert chain.balance(ADDRS[0]) == 10**9 - 1000 and chain.supply() == 10**9


def test_configured_initialization_fee() -> None:
    chain = Chain(token_config={"userAccountInitializationFee": "0"})
    chain.genesis(genesis_asset({ADDRS[0]: 10**9, ADDRS[1]: 10}))
    tx = transfer(KEYS[0], 0, ADDRS[2], 1000, fee=10**6)
    assert chain.block([tx], generator=ADDRS[1]).results == [Result.OK]
    assert chain.balance(ADDRS[1]) == 10 + 10**6 - 1000 * len(tx.get_bytes())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 3 * 10**8)),
        min_size=1,
        max_size=6,
    )
)
def test_transfers_conserve_tokens(moves: list[tuple[int, int, int]]) -> None:
    """Whatever succeeds or fails: balances + locks add up to the supply, burns lower it."""
    chain = Chain()
    start = {ADDRS[0]: 10**9, ADDRS[1]: 10**9}
    chain.genesis(genesis_asset(start))
    nonces = [0, 0, 0, 0]
    burn_event = chain.token.events.get(BurnEvent)
    burnt = 0
    for sender, recipient, amount in moves:
        if chain.balance(ADDRS[sender]) < amount + FEE:
            continue  # the pool would refuse it; not what this property is about
        tx = transfer(KEYS[sender], nonces[sender], ADDRS[recipient], amount, fee=FEE)
        nonces[sender] += 1
        result = chain.block([tx], generator=ADDRS[1])
        assert result.results == [Result.OK]
        burnt += sum(
            burn_event.codec.decode(event.data).amount
            for event in result.events
            if event.name == "burn"
        )
    total = sum(chain.balance(a) + chain.locked(a, "fee") for a in ADDRS)
    assert total == chain.supply() == sum(start.values()) - burnt
