"""Cross-checks with Klayr's npm packages: transactions signed by @klayr/transactions verify,
stored values encode as @klayr/codec does. Skipped without Node.js."""

from __future__ import annotations

from typing import Any

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.modules.auth import AUTH_ACCOUNT_SCHEMA, GENESIS_AUTH_STORE_SCHEMA
from klayr_py.state_machine import TransactionExecutionResult
from tests.modules.auth.helpers import (
    CHAIN_ID,
    Chain,
    account,
    genesis_asset,
    keys,
    registration_params,
    sorted_keys,
)
from tests.oracle.node import require_oracle, run_node

ALICE, BOB = keys(2)
M1, O1, O2 = sorted_keys(3)

_SIGN = """
const tx = require('@klayr/transactions');
const buf = h => Buffer.from(h, 'hex');
const base = (nonce) => ({ module: 'ping', command: 'noop', nonce: BigInt(nonce),
  fee: BigInt(10000000), senderPublicKey: buf(input.sender), params: {}, signatures: [] });
const single = tx.signTransaction(base(0), buf(input.chainID), buf(input.senderKey));
const group = { mandatoryKeys: input.mandatory.map(buf), optionalKeys: input.optional.map(buf) };
let multi = base(input.multiNonce);
for (const key of input.signers) {
  multi = tx.signMultiSignatureTransaction(multi, buf(input.chainID), buf(key), group);
}
output({ single: tx.getBytes(single).toString('hex'), multi: tx.getBytes(multi).toString('hex') });
"""


def test_transactions_signed_by_klayr_verify_and_execute() -> None:
    require_oracle("@klayr/transactions")
    out = run_node(
        _SIGN,
        {
            "chainID": CHAIN_ID.hex(),
            "sender": ALICE.public_key.hex(),
            "senderKey": ALICE.private_key.hex(),
            "mandatory": [M1.public_key.hex()],
            "optional": [O1.public_key.hex(), O2.public_key.hex()],
            "signers": [M1.private_key.hex(), O2.private_key.hex()],
            "multiNonce": 2,
        },
    )
    single = Transaction.from_bytes(bytes.fromhex(out["single"]))
    multi = Transaction.from_bytes(bytes.fromhex(out["multi"]))
    assert [len(s) for s in multi.signatures] == [64, 0, 64]
    chain = Chain()
    chain.genesis()
    assert chain.verify(single).is_ok
    result = chain.block([single])
    assert result.results == [TransactionExecutionResult.OK]
    # turn ALICE into a 2-of-3 group, then the group-signed transaction verifies too
    register = Transaction(
        module="auth",
        command="registerMultisignature",
        nonce=1,
        fee=10**8,
        sender_public_key=ALICE.public_key,
        params=registration_params(ALICE, 1, 2, [M1], [O1, O2]),
    ).sign(CHAIN_ID, ALICE.private_key)
    assert not chain.verify(multi).is_ok  # still a single-signature account
    chain.block([register])
    assert chain.verify(multi).is_ok
    assert chain.block([multi]).results == [TransactionExecutionResult.OK]
    assert chain.account(ALICE).nonce == 3


def test_multisignature_transaction_signed_by_klayr_verifies() -> None:
    require_oracle("@klayr/transactions")
    out = run_node(
        _SIGN,
        {
            "chainID": CHAIN_ID.hex(),
            "sender": BOB.public_key.hex(),
            "senderKey": BOB.private_key.hex(),
            "mandatory": [M1.public_key.hex()],
            "optional": [O1.public_key.hex(), O2.public_key.hex()],
            "signers": [O1.private_key.hex(), M1.private_key.hex()],
            "multiNonce": 1,
        },
    )
    multi = Transaction.from_bytes(bytes.fromhex(out["multi"]))
    chain = Chain()
    group = account(1, 2, [M1.public_key], [O1.public_key, O2.public_key])
    chain.genesis(genesis_asset([(get_address_from_public_key(BOB.public_key), group)]))
    assert chain.verify(multi).is_ok
    assert chain.block([multi]).results == [TransactionExecutionResult.OK]


_ENCODE = """
const { codec } = require('@klayr/codec');
const conv = v => Array.isArray(v) ? v.map(conv) : (v && typeof v === 'object')
  ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x)]))
  : (typeof v === 'string' && v.startsWith('0x')) ? Buffer.from(v.slice(2), 'hex')
  : (typeof v === 'string' && v.startsWith('n')) ? BigInt(v.slice(1)) : v;
output(input.map(([schema, value]) => codec.encode(schema, conv(value)).toString('hex')));
"""


def _js(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: ("n" + str(v) if k == "nonce" else _js(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_js(v) for v in value]
    return value


def test_store_and_genesis_bytes_equal_klayrs() -> None:
    require_oracle("@klayr/codec")
    stored = account(2**40, 2, [M1.public_key], [O1.public_key, O2.public_key])
    genesis = {"authDataSubstore": [{"address": bytes(20), "authAccount": stored}]}
    cases = [(AUTH_ACCOUNT_SCHEMA, stored), (GENESIS_AUTH_STORE_SCHEMA, genesis)]
    out = run_node(_ENCODE, [[schema, _js(value)] for schema, value in cases])
    assert out == [codec.encode(schema, value).hex() for schema, value in cases]
