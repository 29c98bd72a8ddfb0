"""The validators method: the validator set and keys, for the node and for other modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klayr_py.contexts.hooks import SetNextValidators, Validator
from klayr_py.errors import NotFoundError
from klayr_py.interfaces import ImmutableStoreGetter, WritableContext
from klayr_py.modules import BaseMethod
from klayr_py.modules.validators.stores import ValidatorKeysStore, ValidatorsParamsStore


class ValidatorsMethod(BaseMethod):
    """``get_validators_params``, ``get_validator_keys``, ``set_validators_params`` and
    ``get_generator_at_timestamp`` (Klayr's round robin: slot = timestamp // block time)."""

    block_time: int = 10

    def get_validators_params(self, ctx: ImmutableStoreGetter) -> dict[str, Any]:
        """``{preCommitThreshold, certificateThreshold, validators}`` as stored."""
        return self.stores.get(ValidatorsParamsStore).get_value(ctx)

    def get_validator_keys(self, ctx: ImmutableStoreGetter, address: bytes) -> dict[str, Any]:
        """``{generatorKey, blsKey}`` of ``address``; :class:`NotFoundError` if unregistered."""
        return self.stores.get(ValidatorKeysStore).get(ctx, address)

    def set_validators_params(
        self,
        ctx: WritableContext,
        set_next_validators: SetNextValidators,
        pre_commit_threshold: int,
        certificate_threshold: int,
        validators: Sequence[tuple[bytes, int]],
    ) -> None:
        """Make ``validators`` (address, BFT weight) the active set from the next block.

        Every validator must have registered keys. Stores the params and hands them to the
        node through ``set_next_validators``, as Klayr's ``setValidatorsParams``.
        """
        keys_store = self.stores.get(ValidatorKeysStore)
        entries: list[dict[str, Any]] = []
        for address, weight in validators:
            try:
                keys = keys_store.get(ctx, address)
            except NotFoundError as error:
                raise ValueError(
                    f"validator {address.hex()} has no registered generator key"
                ) from error
            entries.append(
                {
                    "address": address,
                    "bftWeight": weight,
                    "generatorKey": keys["generatorKey"],
                    "blsKey": keys["blsKey"],
                }
            )
        self.stores.get(ValidatorsParamsStore).set_value(
            ctx,
            {
                "preCommitThreshold": pre_commit_threshold,
                "certificateThreshold": certificate_threshold,
                "validators": entries,
            },
        )
        set_next_validators(
            pre_commit_threshold,
            certificate_threshold,
            [
                Validator(
                    address=entry["address"],
                    bft_weight=entry["bftWeight"],
                    generator_key=entry["generatorKey"],
                    bls_key=entry["blsKey"],
                )
                for entry in entries
            ],
        )

    def get_generator_at_timestamp(
        self, ctx: ImmutableStoreGetter, timestamp: int
    ) -> dict[str, Any]:
        """The validator entry whose slot contains ``timestamp``: every validator of the set,
        in stored order, as Klayr's ``getGeneratorAtTimestamp``."""
        validators = self.get_validators_params(ctx)["validators"]
        if not validators:
            raise ValueError("there is no validator")
        generator: dict[str, Any] = validators[(timestamp // self.block_time) % len(validators)]
        return generator
