"""Property tests of the validators module's genesis with the klayr_py testing toolkit: any
genesis asset the schema accepts is either refused with a reason or fully stored and handed to
the node with Klayr-valid thresholds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.modules.validators import GENESIS_SCHEMA, ValidatorsModule, default_threshold
from klayr_py.state_machine import StateMachine
from klayr_py.testing import create_genesis_block_context, create_state_store, from_schema

_entries = st.lists(
    st.fixed_dictionaries(
        {
            "address": st.binary(min_size=20, max_size=20),
            "generatorKey": st.binary(min_size=32, max_size=32),
            "blsKey": st.just(b""),
            "bftWeight": st.integers(0, 1000),
        }
    ),
    min_size=1,
    max_size=6,
)


def _run(asset: dict[str, Any]) -> tuple[Any, Exception | None]:
    module = ValidatorsModule()
    StateMachine().register_module(module)
    state = create_state_store()
    ctx = create_genesis_block_context(
        state_store=state, assets={"validators": codec.encode(GENESIS_SCHEMA, asset)}
    )
    try:
        module.init_genesis_state(ctx.init_genesis_state_context())
    except ValueError as error:
        return ctx, error
    return ctx, None


@settings(max_examples=60, deadline=None)
@given(validators=_entries, pre=st.integers(0, 3000), cert=st.integers(0, 3000))
def test_any_genesis_asset_is_refused_or_stored_whole(
    validators: list[dict[str, Any]], pre: int, cert: int
) -> None:
    asset = {"validators": validators, "preCommitThreshold": pre, "certificateThreshold": cert}
    ctx, error = _run(asset)
    total = sum(v["bftWeight"] for v in validators)
    addresses = {v["address"] for v in validators}
    keys = {v["generatorKey"] for v in validators}
    valid = (
        total > 0
        and len(addresses) == len(validators)
        and len(keys) == len(validators)
        and all(total // 3 + 1 <= (t or default_threshold(total)) <= total for t in (pre, cert))
    )
    assert (error is None) == valid, error
    if valid:
        handed = ctx.next_validators
        assert handed is not None
        assert [v.address for v in handed.validators] == [v["address"] for v in validators]
        assert handed.certificate_threshold == (cert or default_threshold(total))


@settings(max_examples=25, deadline=None)
@given(asset=from_schema(GENESIS_SCHEMA))
def test_assets_drawn_from_the_schema_never_crash_the_hook(asset: dict[str, Any]) -> None:
    _, error = _run(asset)  # refused with a ValueError naming the rule, or stored
    assert error is None or str(error)
