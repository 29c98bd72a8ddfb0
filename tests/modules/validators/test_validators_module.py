"""The validators module: genesis validators, keys, round-robin slots, next validators."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py import codec
from klayr_py.chain import BlockAssets
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.db import InMemoryDatabase
from klayr_py.modules import compute_store_prefix
from klayr_py.modules.validators import (
    GENESIS_SCHEMA,
    ValidatorKeysStore,
    ValidatorsModule,
    ValidatorsParamsStore,
    default_threshold,
)
from klayr_py.state import StateStore
from klayr_py.state_machine import HeaderInfo, StateMachine
from klayr_py.state_machine.block_executor import BlockExecutionError, BlockExecutor
from klayr_py.state_machine.endpoints import call_endpoint
from klayr_py.testing.contexts import create_block_header

CHAIN_ID = bytes.fromhex("04000000")


def _validator(i: int, weight: int = 1) -> dict[str, Any]:
    return {
        "address": bytes([i]) * 20,
        "generatorKey": bytes([i]) * 32,
        "blsKey": b"",
        "bftWeight": weight,
    }


def _genesis(validators: list[dict[str, Any]], pre: int = 0, cert: int = 0):  # type: ignore[no-untyped-def]
    module = ValidatorsModule()
    machine = StateMachine()
    machine.register_module(module)
    machine.init({"blockTime": 5}, {})
    state = StateStore(InMemoryDatabase())
    executor = BlockExecutor(machine, state, CHAIN_ID)
    asset = codec.encode(
        GENESIS_SCHEMA,
        {"validators": validators, "preCommitThreshold": pre, "certificateThreshold": cert},
    )
    header = create_block_header(0, timestamp=0, version=0, max_height_prevoted=0)
    result = executor.execute_genesis(header, BlockAssets().with_asset("validators", asset))
    executor.commit(result)
    return module, state, result


def test_store_prefixes_are_klayrs() -> None:
    module = ValidatorsModule()
    keys = module.stores.get(ValidatorKeysStore)
    params = module.stores.get(ValidatorsParamsStore)
    assert keys.store_prefix == compute_store_prefix("validators")
    assert keys.sub_store_prefix == b"\x00\x00"
    assert params.sub_store_prefix == b"\x80\x00"  # index 1, bit-reversed as in Klayr
    assert keys.name == "validatorKeys" and params.name == "validatorsParams"


def test_genesis_stores_keys_and_sets_next_validators() -> None:
    module, state, result = _genesis([_validator(1), _validator(2, 3)])
    assert result.next_validators is not None
    assert result.next_validators.certificate_threshold == default_threshold(4) == 3
    assert [v.bft_weight for v in result.next_validators.validators] == [1, 3]
    reader = state.read_only()
    assert (
        module.method.get_validator_keys(reader, bytes([2]) * 20)["generatorKey"] == bytes([2]) * 32
    )
    params = module.method.get_validators_params(reader)
    assert [v["address"] for v in params["validators"]] == [bytes([1]) * 20, bytes([2]) * 20]
    # Slot = timestamp // blockTime (5), round robin in stored order.
    assert module.method.get_generator_at_timestamp(reader, 0)["address"] == bytes([1]) * 20
    assert module.method.get_generator_at_timestamp(reader, 5)["address"] == bytes([2]) * 20
    assert module.method.get_generator_at_timestamp(reader, 14)["address"] == bytes([1]) * 20


def test_explicit_thresholds_are_kept() -> None:
    _, _, result = _genesis([_validator(1, 10)], pre=7, cert=9)
    assert result.next_validators is not None
    thresholds = (
        result.next_validators.precommit_threshold,
        result.next_validators.certificate_threshold,
    )
    assert thresholds == (7, 9)


def test_thresholds_outside_klayrs_range_are_refused() -> None:
    with pytest.raises(BlockExecutionError, match=r"threshold 3 is outside 4\.\.10"):
        _genesis([_validator(1, 10)], pre=3, cert=9)
    with pytest.raises(BlockExecutionError, match="threshold 11 is outside"):
        _genesis([_validator(1, 10)], pre=7, cert=11)


@pytest.mark.parametrize(
    ("validators", "reason"),
    [
        ([_validator(1), _validator(1)], "address twice"),
        ([_validator(1, 0)], "total BFT weight"),
        ([], "validators"),
    ],
)
def test_bad_genesis_assets_are_refused(validators: list[dict[str, Any]], reason: str) -> None:
    with pytest.raises(BlockExecutionError, match=reason):
        _genesis(validators)


def test_get_validator_endpoint() -> None:
    module, state, _ = _genesis([_validator(1)])

    def get(address: bytes) -> Any:
        return call_endpoint(
            module,
            "get_validator",
            {"address": get_klayr32_address_from_address(address)},
            state_store=state,
            offchain_store=state,
            chain_id=CHAIN_ID,
            header=HeaderInfo(0, 0),
        )

    assert get(bytes([1]) * 20) == {"generatorKey": (bytes([1]) * 32).hex(), "blsKey": ""}
    assert get(bytes([9]) * 20) == {"generatorKey": "", "blsKey": ""}  # unknown, as Klayr


def test_block_time_must_be_positive() -> None:
    with pytest.raises(ValueError, match="block time"):
        ValidatorsModule().init({}, {"blockTime": 0})
