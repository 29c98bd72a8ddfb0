"""Networks whose state machines change things: a validator-set change made by the validators
module reaches CometBFT; a validator running a different state transition is cut off while the
others agree and go on."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from klayr_py.node.dev import dev_account
from tests.node.cometbft.fixtures.network_apps import DRIFT_HEIGHT, ROTATE_HEIGHT
from tests.node.cometbft.network_env import Network, wait_until

APPS = Path(__file__).resolve().parent / "fixtures" / "network_apps.py"
pytestmark = pytest.mark.usefixtures("cometbft_binary")


def _validator_key(index: int) -> str:
    return base64.b64encode(dev_account(index, "klayr_py dev validator").public_key).decode()


def test_validator_set_change_takes_effect_in_cometbft(tmp_path: Path) -> None:
    network = Network(tmp_path / "net", validators=3, app=f"{APPS}:create_rotating_app")
    try:
        for index in range(3):
            network.start(index)
        target = ROTATE_HEIGHT + 6
        wait_until(lambda: network.height(0) >= target, 90, f"height {target}")
        before = network.rpc(0, "validators", height=str(ROTATE_HEIGHT))["validators"]
        after = network.rpc(0, "validators", height=str(ROTATE_HEIGHT + 2))["validators"]
        power = {v["pub_key"]["value"]: int(v["voting_power"]) for v in after}
        assert {v["pub_key"]["value"] for v in before} == {_validator_key(i) for i in range(3)}
        assert power == {_validator_key(0): 2, _validator_key(1): 1}  # validator 2 left
        # Blocks go on under the new set, and node 3 (no longer a validator) still follows.
        wait_until(lambda: network.height(2) >= target, 60, "the former validator following")
        roots = {network.klayr_block(i, target - 1)["header"]["stateRoot"] for i in range(3)}
        assert len(roots) == 1
    finally:
        network.stop_all()


def test_a_validator_with_a_different_state_transition_is_cut_off(tmp_path: Path) -> None:
    network = Network(tmp_path / "net", validators=4)
    try:
        for index in range(3):
            network.start(index)
        network.start(3, app=f"{APPS}:create_drifting_app")
        target = DRIFT_HEIGHT + 10
        wait_until(lambda: network.height(0) >= target, 90, f"height {target} on the honest nodes")
        honest = {network.klayr_block(i, target - 1)["header"]["stateRoot"] for i in range(3)}
        assert len(honest) == 1
        # The drifting node never gets past the first block after it diverged.
        assert network.height(3) <= DRIFT_HEIGHT + 1
        log = (network.directory / "node-3" / "cometbft" / "cometbft.log").read_text()
        assert "wrong Block.Header.AppHash" in log  # CometBFT's own detection of the mismatch
    finally:
        network.stop_all()
