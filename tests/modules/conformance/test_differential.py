"""Differential test: klayr_py's default modules against Klayr's own (klayr-framework 0.12.3).

Hypothesis draws blocks of signed transactions (transfers to existing and new accounts, in the
native, a foreign and an uninitialised token; fees at every boundary of the minimum and the
account-initialisation fee; nonces too low and too high; multisignature registrations and
transactions signed by the group; token and fee method calls through a probe module; unknown
modules and commands; malformed and schema-breaking params) on a drawn chain configuration. Each
block runs through klayr_py's generator and through Klayr's state machine with auth, validators,
token, fee and the probe (tests/oracle/klayr_state_machine.js); the genesis block's events and
state, every verification result, execution result, event, state entry and dry run must be
equal. A failure prints the first difference with both values. See docs/conformance.md.
"""

from __future__ import annotations

import os

from tests.modules.conformance.compare import first_difference
from tests.modules.conformance.runner import run_klayr, run_klayr_py
from tests.modules.conformance.scenario import scenarios as scenario_strategy
from tests.oracle.batch import draw_many
from tests.oracle.node import require_oracle

SCENARIOS = int(os.environ.get("KLAYR_PY_CONFORMANCE_SCENARIOS", "100"))


def test_default_modules_behave_as_klayrs() -> None:
    require_oracle("klayr-framework")
    scenarios = draw_many(scenario_strategy, SCENARIOS)
    ours = [run_klayr_py(scenario) for scenario in scenarios]
    klayr = run_klayr([oracle_input for oracle_input, _ in ours])
    for index, ((oracle_input, record), theirs) in enumerate(zip(ours, klayr, strict=True)):
        difference = first_difference(record, theirs, oracle_input["blocks"])
        assert difference is None, f"scenario {index} {scenarios[index]}:\n{difference}"
