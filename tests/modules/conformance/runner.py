"""Run one scenario through klayr_py and (in one Node.js process for many) through Klayr's modules.

Both sides execute the same genesis block (klayr_py then hands over its validators' entries, which
Klayr's four modules cannot write), see the same block headers and the same candidate
transactions in the same order, and do what Klayr's generator does with each: verify it against
the block's running state, execute it if it verified, leave it out if verification failed or
execution was INVALID; after each block every candidate is dry-run on the committed state. Every
outcome is recorded in one JSON-shaped form so the two records compare with ``==``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from klayr_py.chain import Transaction
from klayr_py.errors import CodecError, KlayrError
from klayr_py.modules import VerifyStatus
from klayr_py.modules.base_store import compute_store_prefix
from klayr_py.modules.fee import FeeModule
from klayr_py.modules.token import TokenModule
from klayr_py.testing import BlockProcessingEnv
from tests.modules.conformance.probe import ProbeModule
from tests.modules.conformance.scenario import (
    CHAIN_ID,
    MIN_FEE_PER_BYTE,
    ChainSetup,
    Intent,
    auth_genesis_asset,
    build,
    is_registered,
    sender_address,
    token_genesis_asset,
)
from tests.oracle.node import run_node

Record = dict[str, Any]
BLOCK_TIME = 10
_NOT_VALID, _INVALID = "is not valid: ", "is invalid: "
# Klayr's validators module has no genesis asset (PoA/PoS write its entries): klayr_py's are
# handed to the oracle after its genesis block instead of being compared.
_VALIDATORS = compute_store_prefix("validators").hex()


class _WalletSelector:
    """Builds each candidate as a wallet would, once the previous one's fate is known.

    Nonces count on from the sender's confirmed nonce by the transactions of this block that
    were included; the multisignature sender signs with its group once the group is registered.
    Records what the generator made of each candidate.
    """

    def __init__(
        self, env: BlockProcessingEnv, setup: ChainSetup, intents: Sequence[Intent]
    ) -> None:
        self.env = env
        self.setup = setup
        self.intents = list(intents)
        self.transactions: list[Transaction] = []
        self.outcomes: dict[bytes, tuple[dict[str, Any], int | None]] = {}
        self._included: dict[bytes, int] = {}

    def __iter__(self) -> Iterator[Transaction]:
        registered = is_registered(self.env)
        for intent in self.intents:
            sender = sender_address(intent)
            nonce = self.env.nonce(sender) + self._included.get(sender, 0)
            transaction = build(self.setup, intent, nonce, registered)
            if any(t.id == transaction.id for t in self.transactions):
                continue  # a duplicate is not a new case
            self.transactions.append(transaction)
            yield transaction

    def accepted(self, transaction: Transaction) -> None:
        self.outcomes[transaction.id] = ({"status": 1, "message": ""}, None)
        sender = transaction.sender_address
        self._included[sender] = self._included.get(sender, 0) + 1

    def rejected(self, transaction: Transaction, reason: str) -> None:
        if reason.startswith(_INVALID):
            self.outcomes[transaction.id] = ({"status": 1, "message": ""}, -1)
            return
        message = reason.removeprefix(_NOT_VALID)
        status = VerifyStatus.FAIL.value
        if message.startswith("verification status "):
            status, message = VerifyStatus[message.removeprefix("verification status ")].value, ""
        self.outcomes[transaction.id] = ({"status": status, "message": message}, None)


def _event_json(event: Any) -> Record:
    return {
        "module": event.module,
        "name": event.name,
        "topics": [topic.hex() for topic in event.topics],
        "data": event.data.hex(),
        "index": event.index,
        "height": event.height,
    }


def run_klayr_py(
    scenario: tuple[ChainSetup, Sequence[Sequence[Intent]]],
) -> tuple[Record, list[Record]]:
    """The oracle's input for ``scenario`` and klayr_py's record of it, block by block."""
    setup, blocks = scenario
    configs = setup.module_configs()
    settings: dict[str, Any] = {
        "accounts": 1,
        "balance": 1,
        "chain_id": CHAIN_ID,
        "block_time": BLOCK_TIME,
        "min_fee_per_byte": MIN_FEE_PER_BYTE,
        "module_configs": configs,
    }
    with BlockProcessingEnv(**settings) as first:  # only to learn its generator's address
        generator = first.validator.address if setup.generator_funded else None
    assets = {"auth": auth_genesis_asset(setup), "token": token_genesis_asset(setup, generator)}
    probe = ProbeModule()
    env = BlockProcessingEnv([probe], **settings, genesis_assets=assets)
    machine = env.engine.state_machine
    token, fee = machine.get_module("token"), machine.get_module("fee")
    assert isinstance(token, TokenModule) and isinstance(fee, FeeModule)
    probe.add_dependencies(token.method, fee.method)
    with env:
        state = _state(env)
        validators_entries = [entry for entry in state if entry[0].startswith(_VALIDATORS)]
        oracle_input: Record = {
            "chainID": CHAIN_ID.hex(),
            "blockTime": BLOCK_TIME,
            "moduleConfigs": configs,
            "genesisBlock": env.genesis_block.get_bytes().hex(),
            "extraState": validators_entries,
            "blocks": [],
        }
        genesis = {
            "events": [_event_json(event) for event in env.events(0)],
            "state": [entry for entry in state if entry not in validators_entries],
        }
        records = [genesis]
        for intents in blocks:
            selector = _WalletSelector(env, setup, intents)
            block = env.engine.generate_block(
                env.next_timestamp(), env.validator.generator_key, selector
            )
            transactions = selector.transactions
            env.blocks.append(block)
            events = env.events(block.header.height)
            results = {
                event.topics[0][1:]: 1 if event.data == b"\x08\x01" else 0  # 04 + ID
                for event in events
                if event.name == "commandExecutionResult"
            }
            verifications, executions = [], []
            for transaction in transactions:
                verification, execution = selector.outcomes[transaction.id]
                if execution is None and verification["status"] == 1:
                    execution = results[transaction.id]
                verifications.append(verification)
                executions.append(execution)
            oracle_input["blocks"].append(
                {
                    "header": block.header.get_bytes().hex(),
                    "transactions": [t.get_bytes().hex() for t in transactions],
                    "undecodable": [_undecodable(env, t) for t in transactions],
                }
            )
            records.append(
                {
                    "verifications": verifications,
                    "executions": executions,
                    "events": [_event_json(event) for event in events],
                    "state": _state(env),
                    "dryRuns": [_dry_run(env, transaction) for transaction in transactions],
                }
            )
    return oracle_input, records


def _dry_run(env: BlockProcessingEnv, transaction: Transaction) -> Record:
    """What ``txpool_dryRunTransaction`` (Klayr's defaults) answers on the committed state."""
    outcome = env.dry_run(transaction)
    events = [_event_json(event) for event in outcome.events]
    return {"result": outcome.result, "events": events, "message": outcome.error}


def _state(env: BlockProcessingEnv) -> list[list[str]]:
    return sorted([key.hex(), value.hex()] for key, value in env.get_state().items())


def _undecodable(env: BlockProcessingEnv, transaction: Transaction) -> bool:
    """Whether the codec refuses the params of a registered command (a deliberate deviation:
    @klayr/codec words its decoding errors differently; the verdict is still compared)."""
    try:
        command = env.engine.state_machine.get_command(transaction.module, transaction.command)
    except KlayrError:
        return False
    try:
        command.codec.decode_dict(transaction.params)
    except CodecError:
        return True
    return False


def run_klayr(inputs: list[Record]) -> list[list[Record]]:
    """Klayr's records of many scenarios, in one Node.js process."""
    script = (
        "const { run } = require('./klayr_state_machine.js');\n"
        "(async () => { const all = []; for (const one of input) all.push(await run(one));\n"
        "output(all); })().catch(e => { console.error(e.stack); process.exit(1); });"
    )
    result: list[list[Record]] = run_node(script, inputs, timeout=600)
    return result

