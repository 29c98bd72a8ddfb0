"""The README's demo runs, and its signed transaction is what Klayr's own JS library produces."""

from __future__ import annotations

import pytest

from klayr_py import demo
from klayr_py.crypto import ed
from tests.oracle.node import require_oracle, run_node


def test_demo_runs_and_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main()
    out = capsys.readouterr().out
    assert "signature verified" in out
    assert "kly" in out


def test_demo_transaction_matches_klayr_transactions(capsys: pytest.CaptureFixture[str]) -> None:
    require_oracle("@klayr/transactions")
    demo.main()
    lines = dict(
        line.split(":", 1) for line in capsys.readouterr().out.splitlines() if line.count(":") == 1
    )
    sender = ed.get_private_and_public_key_from_passphrase("klayr_py demo sender passphrase")
    recipient = ed.get_private_and_public_key_from_passphrase("klayr_py demo recipient passphrase")
    theirs = run_node(
        """
        const tx = require('@klayr/transactions');
        const { address } = require('@klayr/cryptography');
        const params = {
          tokenID: Buffer.from('0400000000000000', 'hex'), amount: BigInt(100000000),
          recipientAddress: address.getAddressFromPublicKey(Buffer.from(input.recipient, 'hex')),
          data: 'hello from Python',
        };
        const signed = tx.signTransaction({
          module: 'token', command: 'transfer', nonce: BigInt(0), fee: BigInt(1000000),
          senderPublicKey: Buffer.from(input.sender, 'hex'), params, signatures: [],
        }, Buffer.from(input.chainID, 'hex'), Buffer.from(input.privateKey, 'hex'), input.schema);
        output({ bytes: tx.getBytes(signed, input.schema).toString('hex'), id: signed.id });
        """,
        {
            "sender": sender.public_key.hex(),
            "recipient": recipient.public_key.hex(),
            "privateKey": sender.private_key.hex(),
            "chainID": demo.CHAIN_ID.hex(),
            "schema": demo.TRANSFER_PARAMS_SCHEMA,
        },
    )
    assert lines["transaction bytes"].strip() == theirs["bytes"]
    assert lines["transaction ID"].strip() == theirs["id"]
