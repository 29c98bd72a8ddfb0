"""Blocks with the auth module: nonces consumed, accounts created, invalid blocks refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules.auth import AuthAccount, AuthAccountStore
from klayr_py.state_machine import TransactionExecutionResult
from klayr_py.state_machine.block_executor import BlockExecutionError
from tests.modules.auth.helpers import Chain, account, genesis_asset, keys, signed

ALICE, BOB = keys(2)


def test_nonce_is_consumed_and_the_account_created() -> None:
    chain = Chain()
    chain.genesis()
    store = AuthAccountStore("auth", 0)
    address = get_address_from_public_key(ALICE.public_key)
    assert not store.has(chain.state, address)
    result = chain.block([signed(ALICE, 0), signed(ALICE, 1), signed(BOB, 0)])
    assert result.results == [TransactionExecutionResult.OK] * 3
    assert store.get(chain.state, address) == account(2)
    assert chain.account(ALICE) == AuthAccount(
        nonce=2, number_of_signatures=0, mandatory_keys=[], optional_keys=[]
    )
    assert chain.account(BOB).nonce == 1


def test_failing_command_still_consumes_the_nonce() -> None:
    chain = Chain()
    chain.genesis()
    result = chain.block([signed(ALICE, 0, command="failing")])
    assert result.results == [TransactionExecutionResult.FAIL]
    assert chain.account(ALICE).nonce == 1


def test_nonce_bump_keeps_the_multisignature_keys() -> None:
    chain = Chain()
    group = account(7, 1, mandatory=[ALICE.public_key])
    chain.genesis(genesis_asset([(get_address_from_public_key(ALICE.public_key), group)]))
    chain.block([signed(ALICE, 7)])  # a 1-of-1 group of its own key signs like a single key
    assert AuthAccountStore("auth", 0).get(
        chain.state, get_address_from_public_key(ALICE.public_key)
    ) == account(8, 1, mandatory=[ALICE.public_key])


@pytest.mark.parametrize(
    ("nonces", "reason"),
    [
        ([1], "nonce is lower"),
        ([3], "is not valid"),
        ([2, 2], "nonce is lower"),
        ([2, 4], "is not valid"),
    ],
)
def test_block_with_a_wrong_nonce_is_invalid(nonces: list[int], reason: str) -> None:
    chain = Chain()
    chain.genesis()
    chain.block([signed(ALICE, 0), signed(ALICE, 1)])
    root = chain.state.state_root
    with pytest.raises(BlockExecutionError, match=reason):
        chain.block([signed(ALICE, nonce) for nonce in nonces])
    assert chain.state.state_root == root and chain.account(ALICE).nonce == 2


def test_transaction_pool_view() -> None:
    chain = Chain()
    chain.genesis()
    assert chain.pool_verify(signed(ALICE, 0)).is_ok
    assert chain.pool_verify(signed(ALICE, 1)).status == 0  # PENDING: the pool keeps it


@given(st.lists(st.integers(0, 2), min_size=1, max_size=6))
@settings(max_examples=15, deadline=None)
def test_nonces_count_each_senders_transactions(senders: list[int]) -> None:
    people = keys(3, "many")
    chain = Chain()
    chain.genesis()
    sent = [0, 0, 0]
    batch = []
    for who in senders:
        batch.append(signed(people[who], sent[who]))
        sent[who] += 1
    chain.block(batch)
    assert [chain.account(person).nonce for person in people] == sent


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), min_size=1, max_size=5))
@settings(max_examples=25, deadline=None)
def test_a_block_is_valid_exactly_when_each_nonce_is_the_next(
    sends: list[tuple[int, int]],
) -> None:
    people = keys(2, "rule")
    chain = Chain()
    chain.genesis()
    expected, valid = [0, 0], True
    for who, nonce in sends:
        valid = valid and nonce == expected[who]
        expected[who] += 1
    batch = [signed(people[who], nonce) for who, nonce in sends]
    if valid:
        chain.block(batch)
        assert [chain.account(person).nonce for person in people] == expected
    else:
        with pytest.raises(BlockExecutionError):
            chain.block(batch)
        assert [chain.account(person).nonce for person in people] == [0, 0]


def test_method_reads_through_an_immutable_method_context() -> None:
    from klayr_py.contexts.hooks import ImmutableMethodContext

    chain = Chain()
    chain.genesis()
    chain.block([signed(ALICE, 0)])
    ctx = ImmutableMethodContext(chain.state.read_only())
    address = get_address_from_public_key(ALICE.public_key)
    assert chain.auth.method.get_auth_account(ctx, address).nonce == 1
    assert chain.auth.method.get_auth_account(ctx, bytes(20)).is_multisignature is False
