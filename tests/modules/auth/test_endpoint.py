"""Endpoints (auth_getAuthAccount, auth_isValidNonce ...) and the module's metadata."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.crypto.address import (
    get_address_from_public_key,
    get_klayr32_address_from_public_key,
)
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import ValidationError
from klayr_py.modules.auth import GENESIS_AUTH_STORE_SCHEMA, MULTISIG_REG_MSG_SCHEMA
from klayr_py.state import OffchainStore
from klayr_py.state_machine import HeaderInfo
from klayr_py.state_machine.endpoints import call_endpoint, list_endpoints
from tests.modules.auth.helpers import (
    CHAIN_ID,
    Chain,
    account,
    genesis_asset,
    keys,
    signed,
    sorted_keys,
    transaction,
)

ALICE, BOB = keys(2)
K1, K2 = sorted_keys(2)


@pytest.fixture(scope="module")
def chain() -> Chain:
    chain = Chain()
    group = account(3, 1, [K1.public_key], [K2.public_key])
    chain.genesis(genesis_asset([(get_address_from_public_key(BOB.public_key), group)]))
    chain.block([signed(ALICE, 0)])
    return chain


def call(chain: Chain, name: str, params: dict[str, Any] | None = None) -> Any:
    module, python_name = list_endpoints([chain.auth])[name]
    return call_endpoint(
        module,
        python_name,
        params or {},
        state_store=chain.state,
        chain_id=CHAIN_ID,
        offchain_store=OffchainStore(InMemoryDatabase()),
        header=HeaderInfo(1, 0),
    )


def test_endpoint_names() -> None:
    assert sorted(list_endpoints([Chain().auth])) == [
        "auth_getAuthAccount",
        "auth_getMultiSigRegMsgSchema",
        "auth_getMultiSigRegMsgTag",
        "auth_isValidNonce",
        "auth_isValidSignature",
        "auth_sortMultisignatureGroup",
    ]


def test_get_auth_account(chain: Chain) -> None:
    alice = get_klayr32_address_from_public_key(ALICE.public_key)
    assert call(chain, "auth_getAuthAccount", {"address": alice}) == {
        "nonce": "1",
        "numberOfSignatures": 0,
        "mandatoryKeys": [],
        "optionalKeys": [],
    }
    bob = get_klayr32_address_from_public_key(BOB.public_key)
    assert call(chain, "auth_getAuthAccount", {"address": bob}) == {
        "nonce": "3",
        "numberOfSignatures": 1,
        "mandatoryKeys": [K1.public_key.hex()],
        "optionalKeys": [K2.public_key.hex()],
    }


def test_get_auth_account_of_an_unknown_address(chain: Chain) -> None:
    unknown = get_klayr32_address_from_public_key(bytes(32))
    assert call(chain, "auth_getAuthAccount", {"address": unknown})["nonce"] == "0"


@pytest.mark.parametrize("params", [{}, {"address": "kly123"}, {"address": 5}])
def test_get_auth_account_refuses_bad_addresses(chain: Chain, params: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        call(chain, "auth_getAuthAccount", params)


@pytest.mark.parametrize(("nonce", "verified"), [(0, False), (1, True), (2, False)])
def test_is_valid_nonce(chain: Chain, nonce: int, verified: bool) -> None:
    tx = signed(ALICE, nonce).get_bytes().hex()
    assert call(chain, "auth_isValidNonce", {"transaction": tx}) == {"verified": verified}


def test_is_valid_signature(chain: Chain) -> None:
    good = signed(ALICE, 7).get_bytes().hex()
    bad = transaction(ALICE, 7).sign(CHAIN_ID, BOB.private_key).get_bytes().hex()
    assert call(chain, "auth_isValidSignature", {"transaction": good}) == {"verified": True}
    assert call(chain, "auth_isValidSignature", {"transaction": bad}) == {"verified": False}
    # BOB is a 1-of-2 group: his own key no longer signs for him
    bobs = signed(BOB, 3).get_bytes().hex()
    assert call(chain, "auth_isValidSignature", {"transaction": bobs}) == {"verified": False}


def test_transaction_parameter_must_be_a_valid_transaction(chain: Chain) -> None:
    with pytest.raises(ValidationError):
        call(chain, "auth_isValidNonce", {"transaction": "xyz"})
    with pytest.raises(Exception, match="Signatures must not be empty"):
        call(chain, "auth_isValidNonce", {"transaction": transaction(ALICE, 1).get_bytes().hex()})


def test_multisignature_registration_helpers(chain: Chain) -> None:
    assert call(chain, "auth_getMultiSigRegMsgSchema") == {"schema": MULTISIG_REG_MSG_SCHEMA}
    assert call(chain, "auth_getMultiSigRegMsgTag") == {"tag": "KLY_RMSG_"}


def test_sort_multisignature_group(chain: Chain) -> None:
    a, b, c = "aa" * 32, "bb" * 32, "cc" * 32
    sig = ["11" * 64, "22" * 64, "33" * 64]
    result = call(
        chain,
        "auth_sortMultisignatureGroup",
        {
            "mandatory": [
                {"publicKey": b, "signature": sig[0]},
                {"publicKey": a, "signature": sig[1]},
            ],
            "optional": [{"publicKey": c, "signature": ""}],
        },
    )
    assert result == {
        "mandatoryKeys": [a, b],
        "optionalKeys": [c],
        "signatures": [sig[1], sig[0], ""],
    }
    with pytest.raises(ValidationError):
        call(chain, "auth_sortMultisignatureGroup", {"mandatory": [], "optional": []})


def test_metadata_is_klayrs_shape() -> None:
    metadata = Chain().auth.metadata().to_json("auth")
    assert [e["name"] for e in metadata["endpoints"]] == [
        "getAuthAccount",
        "isValidNonce",
        "isValidSignature",
        "getMultiSigRegMsgSchema",
        "sortMultisignatureGroup",
        "getMultiSigRegMsgTag",
    ]
    assert metadata["endpoints"][0]["request"]["$id"] == "/auth/addressRequest"
    assert metadata["endpoints"][0]["response"]["$id"] == "/auth/account"
    assert "request" not in metadata["endpoints"][3]
    assert metadata["assets"] == [{"version": 0, "data": GENESIS_AUTH_STORE_SCHEMA}]
    assert metadata["stores"] == [{"key": "3df49c3c0000", "data": metadata["stores"][0]["data"]}]
    assert metadata["stores"][0]["data"]["$id"] == "/auth/account"
    assert [e["name"] for e in metadata["events"]] == [
        "multisignatureRegistration",
        "invalidSignature",
    ]
    assert [c["name"] for c in metadata["commands"]] == ["registerMultisignature"]
