"""Verification failures read as Klayr's: the texts clients see from ``txpool_postTransaction``."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA
from klayr_py.node.rpc import RpcMethods
from klayr_py.node.rpc.errors import RpcError
from klayr_py.testing import BlockProcessingEnv


@pytest.fixture
def env() -> Any:
    with BlockProcessingEnv() as environment:
        yield environment


def _error(env: BlockProcessingEnv, transaction: Transaction) -> str:
    result = env.engine.verify_transaction(transaction)
    assert not result.is_ok
    return str(result.error)


def _transfer(env: BlockProcessingEnv, amount: int, recipient: bytes, **kwargs: Any) -> Transaction:
    params = {"tokenID": env.token_id, "amount": amount, "recipientAddress": recipient, "data": ""}
    return env.transaction("token", "transfer", params, **kwargs)


def test_insufficient_balance_is_klayrs_insufficient_balance_error(env: BlockProcessingEnv) -> None:
    sender, recipient = env.accounts[0], env.accounts[1]
    balance = env.balance(sender.address)
    message = _error(env, _transfer(env, balance + 1, recipient.address))
    address = get_klayr32_address_from_address(sender.address)
    assert message == f"{address} balance {balance} is not sufficient for {balance + 1}."


def test_nonce_too_low_is_klayrs_sentence_only(env: BlockProcessingEnv) -> None:
    recipient = env.accounts[1].address
    env.process_block([_transfer(env, 1, recipient)])
    stale = _transfer(env, 1, recipient, nonce=0)
    assert _error(env, stale) == (
        f"Transaction with id:{stale.id.hex()} nonce is lower than account nonce."
    )


def test_bad_params_carry_klayrs_validator_prefix(env: BlockProcessingEnv) -> None:
    sender = env.accounts[0]
    params = codec.encode(
        TRANSFER_PARAMS_SCHEMA,
        {"tokenID": env.token_id, "amount": 1, "recipientAddress": bytes(19), "data": ""},
    )
    transaction = Transaction(
        module="token",
        command="transfer",
        nonce=0,
        fee=10**7,
        sender_public_key=sender.public_key,
        params=params,
    ).sign(env.chain_id, sender.private_key)
    assert _error(env, transaction) == (
        "Klayr validator found 1 error[s]:\nProperty '.recipientAddress' address length invalid"
    )


def test_post_transaction_answers_with_klayrs_verification_message(
    env: BlockProcessingEnv,
) -> None:
    # Klayr's txpool_postTransaction throws the ABI's errorMessage as it is.
    methods = RpcMethods(env.engine, genesis_config={})
    recipient = env.accounts[1].address
    env.process_block([_transfer(env, 1, recipient)])
    stale = _transfer(env, 1, recipient, nonce=0)
    with pytest.raises(RpcError) as caught:
        methods.call("txpool_postTransaction", {"transaction": stale.get_bytes().hex()})
    assert caught.value.message == (
        f"Transaction with id:{stale.id.hex()} nonce is lower than account nonce."
    )
    balance = env.balance(env.accounts[0].address)
    too_much = _transfer(env, balance + 1, recipient)
    with pytest.raises(RpcError) as caught:
        methods.call("txpool_postTransaction", {"transaction": too_much.get_bytes().hex()})
    address = get_klayr32_address_from_address(env.accounts[0].address)
    expected = f"{address} balance {balance} is not sufficient for {balance + 1}."
    assert caught.value.message == expected
