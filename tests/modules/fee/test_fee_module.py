"""The fee module: config, minimum fee, fee locking and the fee's split, pay_fee."""

from __future__ import annotations

from typing import Any

import pytest

from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.db import InMemoryDatabase
from klayr_py.errors import ValidationError
from klayr_py.modules.fee import (
    CONTEXT_STORE_KEY_AVAILABLE_FEE,
    FeeModule,
    InsufficientFeeError,
)
from klayr_py.modules.fee.events import GeneratorFeeProcessedEvent
from klayr_py.state import StateStore
from klayr_py.state_machine import (
    EventQueue,
    HeaderInfo,
    MethodContext,
    TransactionVerifyContext,
)
from klayr_py.state_machine import TransactionExecutionResult as Result
from klayr_py.state_machine.block_executor import BlockExecutionError
from klayr_py.state_machine.endpoints import list_endpoints
from tests.modules.token.chain import (
    TOKEN_ID,
    Chain,
    address,
    genesis_asset,
    keys,
    transfer,
)

KEYS = keys(4)
ADDRS = [address(k) for k in KEYS]
SENDER, GENERATOR, RECIPIENT, POOL = ADDRS
FEE = 10**6


def funded(**kwargs: Any) -> Chain:
    chain = Chain(**kwargs)
    chain.genesis(genesis_asset({SENDER: 10**9, GENERATOR: 10, RECIPIENT: 10, POOL: 10}))
    return chain


def fee_event(chain: Chain, result: Any) -> dict[str, Any]:
    (event,) = [e for e in result.events if e.name == "generatorFeeProcessed"]
    data = chain.fee.events.get(GeneratorFeeProcessedEvent).codec.decode(event.data)
    assert list(event.topics[1:]) == [data.sender_address, data.generator_address]
    return dict(data.model_dump(by_alias=True))


# --- config ---------------------------------------------------------------------------------------


def test_defaults_follow_klayr() -> None:
    module = FeeModule()
    module.init({}, {"chainID": "04000001"})
    assert module.config is not None
    assert module.config.fee_token_id == TOKEN_ID
    assert module.config.min_fee_per_byte == 1000
    assert module.config.max_block_height_zero_fee_per_byte == 0
    assert module.config.fee_pool_address is None


def test_min_fee_per_byte_from_genesis_config_object_or_dict() -> None:
    class Genesis:
        chain_id = bytes.fromhex("04000001")
        min_fee_per_byte = 5

    for genesis in (Genesis(), {"chainID": "04000001", "minFeePerByte": 7}):
        module = FeeModule()
        module.init({}, genesis)
        assert module.config is not None
        assert module.config.min_fee_per_byte == (5 if isinstance(genesis, Genesis) else 7)
    module = FeeModule()
    module.init({"minFeePerByte": 9}, {"chainID": "04000001", "minFeePerByte": 7})
    assert module.config is not None and module.config.min_fee_per_byte == 9


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        FeeModule().init({}, {})  # no chain ID: no default feeTokenID
    with pytest.raises(ValidationError):
        FeeModule().init({"feeTokenID": "zz"}, {})
    with pytest.raises(ValidationError):
        FeeModule().init({"feeTokenID": TOKEN_ID.hex(), "feePoolAddress": "nope"}, {})


def test_endpoints() -> None:
    chain = funded()
    assert set(name for name in list_endpoints([chain.fee])) == {
        "fee_getFeeTokenID",
        "fee_getMinFeePerByte",
    }
    assert chain.call("fee", "getFeeTokenID") == {"tokenID": TOKEN_ID.hex()}
    assert chain.call("fee", "get_min_fee_per_byte") == {"minFeePerByte": 1000}


def test_min_fee() -> None:
    module = FeeModule()
    module.init({"maxBlockHeightZeroFeePerByte": 10}, {"chainID": "04000001"})
    assert module.get_min_fee(9, 150) == 0
    assert module.get_min_fee(10, 150) == 150_000


# --- verify_transaction ---------------------------------------------------------------------------


def test_fee_below_min_fee_makes_the_block_invalid() -> None:
    chain = funded()
    with pytest.raises(BlockExecutionError):
        chain.block([transfer(KEYS[0], 0, RECIPIENT, 1, fee=1000 * 100)])
    assert chain.balance(SENDER) == 10**9  # nothing was written


def test_verify_transaction_results() -> None:
    chain = funded()

    def verify(tx: Any, height: int = 1) -> Any:
        ctx = TransactionVerifyContext(
            logger=chain.machine.logger,
            chain_id=b"",
            state_store=chain.state.read_only(),
            context_store={},
            event_queue=EventQueue(height),
            header=HeaderInfo(height, 0),
            transaction=tx,
        )
        return chain.fee.verify_transaction(ctx)

    tx = transfer(KEYS[0], 0, RECIPIENT, 1, fee=100)
    result = verify(tx)
    assert not result.is_ok
    assert str(result.error) == (
        f"Insufficient transaction fee. Minimum required fee is {1000 * len(tx.get_bytes())}."
    )
    poor = transfer(KEYS[2], 0, SENDER, 1, fee=FEE)  # RECIPIENT holds 10
    assert str(verify(poor).error) == "Insufficient balance."
    assert verify(transfer(KEYS[0], 0, RECIPIENT, 1, fee=FEE)).is_ok


# --- execution ------------------------------------------------------------------------------------


def test_fee_split_between_generator_and_burn() -> None:
    chain = funded()
    tx = transfer(KEYS[0], 0, RECIPIENT, 5, fee=FEE)
    min_fee = 1000 * len(tx.get_bytes())
    result = chain.block([tx], generator=GENERATOR)
    assert result.results == [Result.OK]
    assert [e.name for e in result.events] == [
        "lock",
        "transfer",
        "unlock",
        "transfer",
        "burn",
        "generatorFeeProcessed",
        "commandExecutionResult",
    ]
    assert fee_event(chain, result) == {
        "senderAddress": SENDER,
        "generatorAddress": GENERATOR,
        "burntAmount": min_fee,
        "generatorAmount": FEE - min_fee,
    }
    assert chain.balance(GENERATOR) == 10 + FEE - min_fee
    assert chain.locked(SENDER, "fee") == 0
    assert chain.supply() == 10**9 + 30 - min_fee


def test_generator_without_account_gets_nothing() -> None:
    chain = funded()
    result = chain.block([transfer(KEYS[0], 0, RECIPIENT, 5, fee=FEE)], generator=b"\x09" * 20)
    data = fee_event(chain, result)
    assert (data["burntAmount"], data["generatorAmount"]) == (FEE, 0)
    assert chain.supply() == 10**9 + 30 - FEE


def test_fee_pool_receives_the_consumed_fee() -> None:
    pool32 = get_klayr32_address_from_address(POOL)
    chain = funded(fee_config={"feePoolAddress": pool32})
    tx = transfer(KEYS[0], 0, RECIPIENT, 5, fee=FEE)
    result = chain.block([tx], generator=GENERATOR)
    min_fee = 1000 * len(tx.get_bytes())
    assert chain.balance(POOL) == 10 + min_fee
    assert chain.supply() == 10**9 + 30  # nothing burnt
    assert "burn" not in [e.name for e in result.events]
    assert fee_event(chain, result)["burntAmount"] == min_fee  # Klayr's field name regardless


def test_fee_pool_without_account_burns() -> None:
    pool32 = get_klayr32_address_from_address(b"\x08" * 20)
    chain = funded(fee_config={"feePoolAddress": pool32})
    chain.block([transfer(KEYS[0], 0, RECIPIENT, 5, fee=FEE)], generator=GENERATOR)
    assert chain.supply() < 10**9 + 30


def test_failed_command_still_pays_the_fee() -> None:
    chain = funded()
    tx = transfer(KEYS[0], 0, RECIPIENT, 10**9 - FEE // 2, fee=FEE)
    result = chain.block([tx], generator=GENERATOR)
    assert result.results == [Result.FAIL]
    assert chain.balance(SENDER) == 10**9 - FEE
    assert fee_event(chain, result)["generatorAmount"] == FEE - 1000 * len(tx.get_bytes())


def test_zero_fee_below_max_block_height_zero_fee_per_byte() -> None:
    chain = funded(fee_config={"maxBlockHeightZeroFeePerByte": 100})
    result = chain.block([transfer(KEYS[0], 0, RECIPIENT, 5, fee=0)], generator=GENERATOR)
    assert result.results == [Result.OK]
    assert fee_event(chain, result) == {
        "senderAddress": SENDER,
        "generatorAddress": GENERATOR,
        "burntAmount": 0,
        "generatorAmount": 0,
    }


# --- pay_fee --------------------------------------------------------------------------------------


def test_pay_fee_takes_from_the_available_fee() -> None:
    module = FeeModule()
    module.init({}, {"chainID": "04000001"})
    ctx = MethodContext(
        StateStore(InMemoryDatabase()), EventQueue(1), {CONTEXT_STORE_KEY_AVAILABLE_FEE: 100}
    )
    module.method.pay_fee(ctx, 60)
    assert ctx.context_store[CONTEXT_STORE_KEY_AVAILABLE_FEE] == 40
    with pytest.raises(InsufficientFeeError, match=r"Transaction ran out of fee\."):
        module.method.pay_fee(ctx, 41)
    assert CONTEXT_STORE_KEY_AVAILABLE_FEE not in ctx.context_store
    (event,) = ctx.event_queue.events()
    assert (event.name, event.data, list(event.topics)) == ("insufficientFee", b"", [])
    module.method.pay_fee(ctx, 0)  # nothing left, nothing asked: fine
    assert module.method.get_fee_token_id() == TOKEN_ID
