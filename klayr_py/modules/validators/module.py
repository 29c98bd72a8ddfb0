"""``validators``: a proof-of-authority validator set taken from genesis, round-robin slots.

Klayr splits this between its validators module (keys, params) and its PoS/PoA modules (who
validates); klayr_py's default chain is a single-authority dev chain, so one module does both:
the genesis asset lists the validators with their generator keys, ``init_genesis_state`` stores
them and hands the set to the node through ``set_next_validators``. Any module can change the set
later through :meth:`ValidatorsMethod.set_validators_params`.
"""

from __future__ import annotations

from typing import Any

from klayr_py import codec
from klayr_py.contexts import GenesisBlockExecuteContext
from klayr_py.modules import BaseModule, ModuleMetadata
from klayr_py.modules.validators.endpoint import ValidatorsEndpoint
from klayr_py.modules.validators.method import ValidatorsMethod
from klayr_py.modules.validators.schemas import GENESIS_SCHEMA
from klayr_py.modules.validators.stores import ValidatorKeysStore, ValidatorsParamsStore
from klayr_py.validator import validate


def default_threshold(total_weight: int) -> int:
    """Klayr's BFT thresholds: two thirds of the total weight, plus one."""
    return total_weight * 2 // 3 + 1


class ValidatorsModule(BaseModule):
    """The validators module; its method serves the node's block generation and checks."""

    method: ValidatorsMethod

    def __init__(self) -> None:
        super().__init__()
        self.stores.register(ValidatorKeysStore, ValidatorKeysStore(self.name, 0))
        self.stores.register(ValidatorsParamsStore, ValidatorsParamsStore(self.name, 1))
        self.method = ValidatorsMethod(self.stores, self.events)
        self.endpoint = ValidatorsEndpoint(self.stores, self.offchain_stores)

    def init(self, module_config: dict[str, Any], genesis_config: Any) -> None:
        """Take the block time from the genesis config (attribute ``block_time`` or key)."""
        block_time = _setting(genesis_config, "block_time", "blockTime", 10)
        if not isinstance(block_time, int) or block_time < 1:
            raise ValueError(f"validators: block time must be a positive integer, got {block_time}")
        self.method.block_time = block_time

    def metadata(self) -> ModuleMetadata:
        """Module metadata, with the genesis asset schema (as Klayr's modules report it)."""
        metadata = self.base_metadata()
        metadata.assets = [{"version": 0, "data": GENESIS_SCHEMA}]
        return metadata

    def init_genesis_state(self, ctx: GenesisBlockExecuteContext) -> None:
        """Store the genesis validators' keys and make them the active set."""
        asset = ctx.assets.get_asset(self.name)
        if asset is None:
            raise ValueError("validators: the genesis block has no validators asset")
        genesis = codec.decode(GENESIS_SCHEMA, asset)
        validate(GENESIS_SCHEMA, genesis)
        validators = genesis["validators"]
        addresses = [entry["address"] for entry in validators]
        if len(set(addresses)) != len(addresses):
            raise ValueError("validators: the genesis asset lists an address twice")
        generator_keys = [entry["generatorKey"] for entry in validators]
        if len(set(generator_keys)) != len(generator_keys):
            raise ValueError("validators: the genesis asset lists a generator key twice")
        total_weight = sum(entry["bftWeight"] for entry in validators)
        if total_weight == 0:
            raise ValueError("validators: the total BFT weight of the genesis validators is 0")
        keys_store = self.stores.get(ValidatorKeysStore)
        for entry in validators:
            keys_store.set(
                ctx,
                entry["address"],
                {"generatorKey": entry["generatorKey"], "blsKey": entry["blsKey"]},
            )
        threshold = default_threshold(total_weight)
        self.method.set_validators_params(
            ctx,
            ctx.set_next_validators,
            genesis["preCommitThreshold"] or threshold,
            genesis["certificateThreshold"] or threshold,
            [(entry["address"], entry["bftWeight"]) for entry in validators],
        )


def _setting(config: Any, attribute: str, key: str, default: Any) -> Any:
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(key, config.get(attribute, default))
    return getattr(config, attribute, default)
