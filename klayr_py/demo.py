"""A short tour of klayr_py's protocol pieces: keys, addresses, a signed transaction, its bytes.

Run with ``python -m klayr_py.demo``. Everything printed is byte-compatible with Klayr SDK v6.
"""

from __future__ import annotations

import json

from klayr_py import codec
from klayr_py.chain.schemas import SIGNING_TRANSACTION_SCHEMA, TRANSACTION_SCHEMA
from klayr_py.crypto import address, ed, utils

# The token module's transfer parameters, as Klayr defines them.
TRANSFER_PARAMS_SCHEMA = {
    "$id": "/klayr/transferParams",
    "type": "object",
    "required": ["tokenID", "amount", "recipientAddress", "data"],
    "properties": {
        "tokenID": {"dataType": "bytes", "fieldNumber": 1, "minLength": 8, "maxLength": 8},
        "amount": {"dataType": "uint64", "fieldNumber": 2},
        "recipientAddress": {"dataType": "bytes", "fieldNumber": 3, "format": "klayr32"},
        "data": {"dataType": "string", "fieldNumber": 4, "minLength": 0, "maxLength": 64},
    },
}

CHAIN_ID = bytes.fromhex("04000000")  # a devnet chain ID


def main() -> None:
    """Derive keys and addresses, sign a token transfer, encode it and decode it back."""
    sender = ed.get_private_and_public_key_from_passphrase("klayr_py demo sender passphrase")
    recipient = ed.get_private_and_public_key_from_passphrase("klayr_py demo recipient passphrase")
    sender_address = address.get_address_from_public_key(sender.public_key)
    print("sender address:   ", address.get_klayr32_address_from_address(sender_address))
    recipient_address = address.get_address_from_public_key(recipient.public_key)
    print("recipient address:", address.get_klayr32_address_from_address(recipient_address))

    params = codec.encode(
        TRANSFER_PARAMS_SCHEMA,
        {
            "tokenID": bytes.fromhex("0400000000000000"),
            "amount": 100_000_000,
            "recipientAddress": recipient_address,
            "data": "hello from Python",
        },
    )
    unsigned = {
        "module": "token",
        "command": "transfer",
        "nonce": 0,
        "fee": 1_000_000,
        "senderPublicKey": sender.public_key,
        "params": params,
    }
    signing_bytes = codec.encode(SIGNING_TRANSACTION_SCHEMA, unsigned)
    signature = ed.sign_data_with_private_key(
        utils.TAG_TRANSACTION, CHAIN_ID, signing_bytes, sender.private_key
    )
    transaction = codec.encode(TRANSACTION_SCHEMA, {**unsigned, "signatures": [signature]})
    print("transaction bytes:", transaction.hex())
    print("transaction ID:   ", utils.hash(transaction).hex())

    decoded = codec.decode(TRANSACTION_SCHEMA, transaction)
    assert ed.verify_data(
        utils.TAG_TRANSACTION,
        CHAIN_ID,
        codec.encode(SIGNING_TRANSACTION_SCHEMA, decoded),
        decoded["signatures"][0],
        decoded["senderPublicKey"],
    )
    as_json = codec.to_json(TRANSACTION_SCHEMA, decoded)
    as_json["params"] = codec.to_json(
        TRANSFER_PARAMS_SCHEMA, codec.decode(TRANSFER_PARAMS_SCHEMA, params)
    )
    print("decoded (Klayr JSON form), signature verified:")
    print(json.dumps(as_json, indent=2))


if __name__ == "__main__":
    main()
