"""The validator set per height: what modules handed over with ``set_next_validators``.

Klayr's engine keeps these as BFT parameters in its own store; klayr_py keeps them in the node's
database beside the chain (key ``0x1c`` + the height from which a set is in force), written in
the block's batch, so a set and its block land or vanish together. The node reads them to know
whose slot a timestamp is and to compute a header's ``validatorsHash``.
"""

from __future__ import annotations

from typing import Any, Final

from klayr_py import codec
from klayr_py.crypto.utils import hash as sha256
from klayr_py.db import Database, WriteBatch
from klayr_py.errors import NotFoundError
from klayr_py.state_machine import NextValidators, Validator

__all__ = ["ValidatorSetStore", "compute_validators_hash", "generator_at"]

_PREFIX: Final = b"\x1c"

_SET_SCHEMA: Final = {
    "$id": "/klayr_py/node/validatorSet",
    "type": "object",
    "required": ["precommitThreshold", "certificateThreshold", "validators"],
    "properties": {
        "precommitThreshold": {"dataType": "uint64", "fieldNumber": 1},
        "certificateThreshold": {"dataType": "uint64", "fieldNumber": 2},
        "validators": {
            "type": "array",
            "fieldNumber": 3,
            "items": {
                "type": "object",
                "required": ["address", "bftWeight", "generatorKey", "blsKey"],
                "properties": {
                    "address": {"dataType": "bytes", "fieldNumber": 1},
                    "bftWeight": {"dataType": "uint64", "fieldNumber": 2},
                    "generatorKey": {"dataType": "bytes", "fieldNumber": 3},
                    "blsKey": {"dataType": "bytes", "fieldNumber": 4},
                },
            },
        },
    },
}

_VALIDATORS_HASH_INPUT_SCHEMA: Final = {
    "$id": "/modules/bft/validatorsHashInput",
    "type": "object",
    "required": ["activeValidators", "certificateThreshold"],
    "properties": {
        "activeValidators": {
            "type": "array",
            "fieldNumber": 1,
            "items": {
                "type": "object",
                "required": ["blsKey", "bftWeight"],
                "properties": {
                    "blsKey": {"dataType": "bytes", "fieldNumber": 1},
                    "bftWeight": {"dataType": "uint64", "fieldNumber": 2},
                },
            },
        },
        "certificateThreshold": {"dataType": "uint64", "fieldNumber": 2},
    },
}


def compute_validators_hash(validators: NextValidators) -> bytes:
    """Klayr's ``validatorsHash``: sha256 of the validators with weight (by BLS key) and the
    certificate threshold, encoded with Klayr's ``validatorsHashInput`` schema."""
    active = sorted(
        (v for v in validators.validators if v.bft_weight > 0), key=lambda v: v.bls_key
    )
    return sha256(
        codec.encode(
            _VALIDATORS_HASH_INPUT_SCHEMA,
            {
                "activeValidators": [
                    {"blsKey": v.bls_key, "bftWeight": v.bft_weight} for v in active
                ],
                "certificateThreshold": validators.certificate_threshold,
            },
        )
    )


def generator_at(validators: NextValidators, timestamp: int, block_time: int) -> Validator:
    """The validator whose slot holds ``timestamp``: slot = timestamp // block time, round robin
    over the set in its stored order (Klayr's BFT ``getGeneratorAtTimestamp``)."""
    if not validators.validators:
        raise ValueError("the validator set is empty")
    return validators.validators[(timestamp // block_time) % len(validators.validators)]


def _height_key(height: int) -> bytes:
    return _PREFIX + height.to_bytes(4, "big")


class ValidatorSetStore:
    """Validator sets by the height from which each is in force."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, height: int) -> NextValidators:
        """The set in force at ``height``; :class:`NotFoundError` before genesis set one."""
        for _, encoded in self.db.iterate(
            gte=_height_key(0), lte=_height_key(height), limit=1, reverse=True
        ):
            value: dict[str, Any] = codec.decode(_SET_SCHEMA, encoded)
            return NextValidators(
                value["precommitThreshold"],
                value["certificateThreshold"],
                tuple(
                    Validator(
                        address=entry["address"],
                        bft_weight=entry["bftWeight"],
                        generator_key=entry["generatorKey"],
                        bls_key=entry["blsKey"],
                    )
                    for entry in value["validators"]
                ),
            )
        raise NotFoundError(f"no validator set is in force at height {height}")

    def save(self, batch: WriteBatch, from_height: int, validators: NextValidators) -> None:
        """Add to ``batch``: ``validators`` are in force from ``from_height``."""
        batch.set(
            _height_key(from_height),
            codec.encode(
                _SET_SCHEMA,
                {
                    "precommitThreshold": validators.precommit_threshold,
                    "certificateThreshold": validators.certificate_threshold,
                    "validators": [
                        {
                            "address": v.address,
                            "bftWeight": v.bft_weight,
                            "generatorKey": v.generator_key,
                            "blsKey": v.bls_key,
                        }
                        for v in validators.validators
                    ],
                },
            ),
        )

    def delete(self, batch: WriteBatch, from_height: int) -> None:
        """Add to ``batch``: forget the set in force from ``from_height`` (a reverted block's)."""
        batch.delete(_height_key(from_height))
