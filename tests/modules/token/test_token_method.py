"""TokenMethod: Klayr's rules and events for mint, burn, lock, unlock, transfer, initialize."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.errors import NotFoundError
from klayr_py.modules.token import InsufficientBalanceError, TokenError, TokenEventResult
from klayr_py.modules.token.constants import MAX_UINT64
from klayr_py.modules.token.events import MintEvent, TransferEvent, UnlockEvent
from klayr_py.modules.token.module import TokenModule
from klayr_py.modules.token.stores import UserStore
from klayr_py.state import StateStore
from klayr_py.state_machine import EventQueue, MethodContext
from tests.modules.token.chain import FOREIGN_TOKEN_ID, TOKEN_ID

ALICE, BOB = b"\x0a" * 20, b"\x0b" * 20


def names(ctx: Any) -> list[str]:
    return [event.name for event in ctx.event_queue.events()]


@pytest.fixture
def funded(token: TokenModule, state: StateStore) -> TokenModule:
    """The token module with ALICE holding 1000 (set up through another event queue)."""
    setup = MethodContext(state, EventQueue(1), {})
    token.method.initialize_token(setup, TOKEN_ID)
    token.method.mint(setup, ALICE, TOKEN_ID, 1000)
    return token


def test_native_and_kly_token_ids(token: TokenModule) -> None:
    assert token.method.is_native_token(TOKEN_ID)
    assert not token.method.is_native_token(FOREIGN_TOKEN_ID)
    assert token.method.get_token_id_kly() == bytes.fromhex("0400000000000000")


def test_initialize_token_writes_zero_supply_once(token: TokenModule, ctx: Any) -> None:
    token.method.initialize_token(ctx, TOKEN_ID)
    assert token.method.get_total_supply(ctx) == [(TOKEN_ID, 0)]
    with pytest.raises(TokenError, match="not available"):
        token.method.initialize_token(ctx, TOKEN_ID)
    with pytest.raises(TokenError, match="Only native"):
        token.method.initialize_token(ctx, FOREIGN_TOKEN_ID)
    assert names(ctx) == ["initializeToken"] * 3
    assert [e.data[-1] for e in ctx.event_queue.events()] == [
        TokenEventResult.SUCCESSFUL,
        TokenEventResult.TOKEN_ID_NOT_AVAILABLE,
        TokenEventResult.TOKEN_ID_NOT_NATIVE,
    ]


def test_mint_creates_account_and_raises_supply(funded: TokenModule, ctx: Any) -> None:
    funded.method.mint(ctx, BOB, TOKEN_ID, 50)
    assert funded.method.get_available_balance(ctx, BOB, TOKEN_ID) == 50
    assert funded.method.get_total_supply(ctx) == [(TOKEN_ID, 1050)]
    assert names(ctx) == ["initializeUserAccount", "mint"]
    event = ctx.event_queue.events()[-1]
    assert funded.events.get(MintEvent).codec.decode(event.data).model_dump(by_alias=True) == {
        "address": BOB,
        "tokenID": TOKEN_ID,
        "amount": 50,
        "result": 0,
    }
    assert list(event.topics) == [BOB]


@pytest.mark.parametrize(
    ("token_id", "amount", "result"),
    [
        (FOREIGN_TOKEN_ID, 1, TokenEventResult.MINT_FAIL_NON_NATIVE_TOKEN),
        (bytes.fromhex("0400000100000001"), 1, TokenEventResult.MINT_FAIL_TOKEN_NOT_INITIALIZED),
        (TOKEN_ID, MAX_UINT64, TokenEventResult.MINT_FAIL_TOTAL_SUPPLY_TOO_BIG),
    ],
)
def test_mint_failures_emit_error_events(
    funded: TokenModule, ctx: Any, token_id: bytes, amount: int, result: int
) -> None:
    with pytest.raises(TokenError):
        funded.method.mint(ctx, ALICE, token_id, amount)
    assert [(e.name, e.data[-1]) for e in ctx.event_queue.events()] == [("mint", result)]


def test_non_positive_amounts_are_no_ops(funded: TokenModule, ctx: Any) -> None:
    method = funded.method
    method.mint(ctx, BOB, TOKEN_ID, 0)
    method.burn(ctx, ALICE, TOKEN_ID, -1)
    method.transfer(ctx, ALICE, BOB, TOKEN_ID, 0)
    method.lock(ctx, ALICE, "pos", TOKEN_ID, 0)
    method.unlock(ctx, ALICE, "pos", TOKEN_ID, 0)
    assert names(ctx) == []
    assert not method.user_account_exists(ctx, BOB, TOKEN_ID)


def test_burn_lowers_balance_and_supply(funded: TokenModule, ctx: Any) -> None:
    funded.method.burn(ctx, ALICE, TOKEN_ID, 300)
    assert funded.method.get_available_balance(ctx, ALICE, TOKEN_ID) == 700
    assert funded.method.get_total_supply(ctx) == [(TOKEN_ID, 700)]
    with pytest.raises(InsufficientBalanceError):
        funded.method.burn(ctx, ALICE, TOKEN_ID, 701)
    with pytest.raises(NotFoundError):
        funded.method.burn(ctx, BOB, TOKEN_ID, 1)
    assert [(e.name, e.data[-1]) for e in ctx.event_queue.events()] == [
        ("burn", 0),
        ("burn", 1),
        ("burn", 1),
    ]


def test_transfer_creates_recipient_and_emits(funded: TokenModule, ctx: Any) -> None:
    funded.method.transfer(ctx, ALICE, BOB, TOKEN_ID, 400)
    assert funded.method.get_available_balance(ctx, ALICE, TOKEN_ID) == 600
    assert funded.method.get_available_balance(ctx, BOB, TOKEN_ID) == 400
    assert names(ctx) == ["initializeUserAccount", "transfer"]
    event = ctx.event_queue.events()[-1]
    assert list(event.topics) == [ALICE, BOB]
    decoded = funded.events.get(TransferEvent).codec.decode(event.data)
    assert (decoded.sender_address, decoded.recipient_address, decoded.amount) == (ALICE, BOB, 400)


def test_transfer_failure_emits_kept_error_event(funded: TokenModule, ctx: Any) -> None:
    message = r"does not have sufficient balance for amount 1001$"  # Klayr's TokenMethod text
    with pytest.raises(InsufficientBalanceError, match=message):
        funded.method.transfer(ctx, ALICE, BOB, TOKEN_ID, 1001)
    snapshot = ctx.event_queue.create_snapshot()
    with pytest.raises(NotFoundError):
        funded.method.transfer(ctx, BOB, ALICE, TOKEN_ID, 1)
    ctx.event_queue.restore_snapshot(snapshot)  # error events are no_revert
    assert [(e.name, e.data[-1]) for e in ctx.event_queue.events()] == [
        ("transfer", 1),
        ("transfer", 1),
    ]
    assert not funded.method.user_account_exists(ctx, BOB, TOKEN_ID)


def test_self_transfer_keeps_balance(funded: TokenModule, ctx: Any) -> None:
    funded.method.transfer(ctx, ALICE, ALICE, TOKEN_ID, 999)
    assert funded.method.get_available_balance(ctx, ALICE, TOKEN_ID) == 1000


def test_lock_and_unlock(funded: TokenModule, ctx: Any) -> None:
    method = funded.method
    method.lock(ctx, ALICE, "pos", TOKEN_ID, 100)
    method.lock(ctx, ALICE, "pos", TOKEN_ID, 50)
    method.lock(ctx, ALICE, "fee", TOKEN_ID, 10)
    assert method.get_available_balance(ctx, ALICE, TOKEN_ID) == 840
    assert method.get_locked_amount(ctx, ALICE, TOKEN_ID, "pos") == 150
    assert method.get_locked_amount(ctx, ALICE, TOKEN_ID, "fee") == 10
    assert method.get_locked_amount(ctx, BOB, TOKEN_ID, "pos") == 0
    method.unlock(ctx, ALICE, "fee", TOKEN_ID, 10)
    method.unlock(ctx, ALICE, "pos", TOKEN_ID, 150)
    assert method.get_available_balance(ctx, ALICE, TOKEN_ID) == 1000
    assert names(ctx) == ["lock", "lock", "lock", "unlock", "unlock"]
    account = funded.stores.get(UserStore).get_account(ctx, ALICE, TOKEN_ID)
    assert account.locked_balances == []  # emptied locks are dropped


def test_lock_and_unlock_failures(funded: TokenModule, ctx: Any) -> None:
    method = funded.method
    with pytest.raises(InsufficientBalanceError):
        method.lock(ctx, ALICE, "pos", TOKEN_ID, 1001)
    with pytest.raises(TokenError, match="does not have locked balance for module pos"):
        method.unlock(ctx, ALICE, "pos", TOKEN_ID, 1)
    method.lock(ctx, ALICE, "pos", TOKEN_ID, 5)
    with pytest.raises(InsufficientBalanceError):
        method.unlock(ctx, ALICE, "pos", TOKEN_ID, 6)
    with pytest.raises(NotFoundError):
        method.unlock(ctx, BOB, "pos", TOKEN_ID, 6)
    results = [(e.name, e.data[-1]) for e in ctx.event_queue.events()]
    assert results == [("lock", 1), ("unlock", 5), ("lock", 0), ("unlock", 5), ("unlock", 1)]
    unlock = funded.events.get(UnlockEvent).codec.decode(ctx.event_queue.events()[-1].data)
    assert unlock.module == "pos" and unlock.address == BOB


def test_initialize_user_account_is_idempotent(funded: TokenModule, ctx: Any) -> None:
    funded.method.initialize_user_account(ctx, BOB, TOKEN_ID)
    funded.method.initialize_user_account(ctx, BOB, TOKEN_ID)
    assert names(ctx) == ["initializeUserAccount"]
    assert funded.method.user_account_exists(ctx, BOB, TOKEN_ID)


def test_without_chain_id_native_operations_refuse(ctx: Any) -> None:
    module = TokenModule()
    module.init({}, {})
    with pytest.raises(TokenError, match="chain ID is unknown"):
        module.method.mint(ctx, ALICE, TOKEN_ID, 1)


def test_genesis_config_object_with_chain_id(ctx: Any) -> None:
    class Genesis:
        chain_id = bytes.fromhex("04000001")

    module = TokenModule()
    module.init({}, Genesis())
    assert module.method.is_native_token(TOKEN_ID)
