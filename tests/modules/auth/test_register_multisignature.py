"""auth:registerMultisignature: verify rules, signatures of the group, state and events."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules.auth import (
    REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
    AuthAccountStore,
    RegisterMultisignatureCommand,
)
from klayr_py.modules.auth.schemas import INVALID_SIG_DATA_SCHEMA, MULTISIG_REG_DATA_SCHEMA
from klayr_py.state_machine import TransactionExecutionResult
from klayr_py.state_machine.block_executor import BlockExecutionError
from tests.modules.auth.helpers import (
    Chain,
    account,
    keys,
    multisigned,
    registration_params,
    signed,
    sorted_keys,
    transaction,
)

(ALICE,) = keys(1)
M1, M2, O1, O2 = sorted_keys(4)


def register(sender: ed.KeyPair, nonce: int, params: bytes) -> Any:
    return signed(sender, nonce, module="auth", command="registerMultisignature", params=params)


def test_registration_then_multisignature_transactions() -> None:
    chain = Chain()
    chain.genesis()
    params = registration_params(ALICE, 0, 2, [M1], [O1, O2])
    result = chain.block([register(ALICE, 0, params)])
    assert result.results == [TransactionExecutionResult.OK]
    address = get_address_from_public_key(ALICE.public_key)
    group = account(1, 2, [M1.public_key], [O1.public_key, O2.public_key])
    assert AuthAccountStore("auth", 0).get(chain.state, address) == group
    event = next(e for e in result.events if e.name == "multisignatureRegistration")
    assert event.module == "auth" and event.topics[1] == address
    assert codec.decode(MULTISIG_REG_DATA_SCHEMA, event.data) == {
        "numberOfSignatures": 2,
        "mandatoryKeys": [M1.public_key],
        "optionalKeys": [O1.public_key, O2.public_key],
    }
    # From now on ALICE's own signature is not enough; the group signs.
    assert not chain.verify(signed(ALICE, 1)).is_ok
    tx = multisigned(transaction(ALICE, 1), [M1, None, O2])
    assert chain.block([tx]).results == [TransactionExecutionResult.OK]
    assert chain.account(ALICE).nonce == 2


def test_a_bad_group_signature_fails_the_command_and_logs_it() -> None:
    chain = Chain()
    chain.genesis()
    params = codec.decode(
        REGISTER_MULTISIGNATURE_PARAMS_SCHEMA, registration_params(ALICE, 0, 1, [M1], [O1])
    )
    params["signatures"][1] = params["signatures"][0]  # O1's slot signed by M1
    encoded = codec.encode(REGISTER_MULTISIGNATURE_PARAMS_SCHEMA, params)
    result = chain.block([register(ALICE, 0, encoded)])
    assert result.results == [TransactionExecutionResult.FAIL]
    assert chain.account(ALICE).number_of_signatures == 0 and chain.account(ALICE).nonce == 1
    event = next(e for e in result.events if e.name == "invalidSignature")
    data = codec.decode(INVALID_SIG_DATA_SCHEMA, event.data)
    assert data["failingPublicKey"] == O1.public_key
    assert data["failingSignature"] == params["signatures"][0]


def test_signatures_bind_the_nonce() -> None:
    chain = Chain()
    chain.genesis()
    params = registration_params(ALICE, 5, 1, [M1], [])  # signed for nonce 5, sent at 0
    assert chain.block([register(ALICE, 0, params)]).results == [TransactionExecutionResult.FAIL]


def _params(required: int, mandatory: list[bytes], optional: list[bytes], signatures: int) -> bytes:
    return codec.encode(
        REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
        {
            "numberOfSignatures": required,
            "mandatoryKeys": mandatory,
            "optionalKeys": optional,
            "signatures": [b"s" * 64] * signatures,
        },
    )


m1, m2, o1, o2 = (pair.public_key for pair in (M1, M2, O1, O2))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (_params(2, [m1, m1], [], 2), "MandatoryKeys contains duplicate public keys."),
        (_params(1, [], [o1, o1], 2), "OptionalKeys contains duplicate public keys."),
        (_params(3, [m1], [o1], 2), "numberOfSignatures is bigger than the count"),
        (_params(1, [m1, m2], [], 2), "needs to be equal or bigger than the number of Mandatory"),
        (_params(2, [m1], [m1], 2), "Repeated keys across Mandatory and Optional"),
        (_params(1, [m1], [o1], 1), "should match the number of signatures"),
        (_params(2, [m2, m1], [], 2), "Mandatory keys should be sorted lexicographically."),
        (_params(1, [], [o2, o1], 2), "Optional keys should be sorted lexicographically."),
        (_params(0, [], [], 0), "numberOfSignatures"),  # the schema's minimum 1
    ],
)
def test_verify_rules(params: bytes, message: str) -> None:
    chain = Chain()
    chain.genesis()
    result = chain.pool_verify(register(ALICE, 0, params))
    assert not result.is_ok and message in str(result.error)
    with pytest.raises(BlockExecutionError):
        chain.block([register(ALICE, 0, params)])


def test_key_count_limited_by_config() -> None:
    chain = Chain({"maxNumberOfSignatures": 2})
    chain.genesis()
    result = chain.pool_verify(register(ALICE, 0, _params(1, [m1], [o1, o2], 3)))
    assert "should be between 1 and 2" in str(result.error)


def test_command_name_and_schema() -> None:
    command = Chain().auth.command("registerMultisignature")
    assert isinstance(command, RegisterMultisignatureCommand)
    assert command.schema["$id"] == "/auth/command/regMultisig"
