"""Shared helpers of the auth module's tests: keys, transactions, a chain with auth + a no-op."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klayr_py import codec
from klayr_py.chain import BlockAsset, BlockAssets, BlockHeader, Transaction
from klayr_py.contexts.event_queue import EventQueue
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.db import InMemoryDatabase
from klayr_py.modules import BaseCommand, BaseModule, VerificationResult
from klayr_py.modules.auth import (
    GENESIS_AUTH_STORE_SCHEMA,
    MESSAGE_TAG_MULTISIG_REG,
    MULTISIG_REG_MSG_SCHEMA,
    REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
    AuthModule,
)
from klayr_py.state import StateStore
from klayr_py.state_machine import HeaderInfo, StateMachine
from klayr_py.state_machine.block_context import TransactionContext
from klayr_py.state_machine.block_executor import BlockExecutor, BlockResult
from klayr_py.testing.contexts import create_block_header

CHAIN_ID = bytes.fromhex("04000001")
EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def keys(n: int, label: str = "auth") -> list[ed.KeyPair]:
    """``n`` deterministic key pairs."""
    return [
        ed.get_private_and_public_key_from_passphrase(f"{label} test key {i}") for i in range(n)
    ]


def sorted_keys(n: int, label: str = "group") -> list[ed.KeyPair]:
    """``n`` key pairs sorted by public key (as multisignature groups list them)."""
    return sorted(keys(n, label), key=lambda pair: pair.public_key)


class NoopCommand(BaseCommand[dict[str, Any]]):
    """Does nothing: lets tests send transactions whose only effect is the auth module's."""

    def execute(self, ctx: Any) -> None:
        """Nothing to do."""


class FailingCommand(BaseCommand[dict[str, Any]]):
    """Always raises: the transaction stays in the block as FAIL."""

    def verify(self, ctx: Any) -> VerificationResult:
        return VerificationResult.ok()

    def execute(self, ctx: Any) -> None:
        raise RuntimeError("this command always fails")


class PingModule(BaseModule):
    """A module with a no-op and a failing command."""

    def __init__(self) -> None:
        super().__init__()
        self.commands = [
            NoopCommand(self.stores, self.events),
            FailingCommand(self.stores, self.events),
        ]


def transaction(
    sender: ed.KeyPair | bytes,
    nonce: int,
    *,
    command: str = "noop",
    module: str = "ping",
    params: bytes = b"",
    fee: int = 10_000_000,
) -> Transaction:
    """An unsigned transaction from ``sender`` (a key pair or a public key)."""
    public_key = sender.public_key if isinstance(sender, ed.KeyPair) else sender
    return Transaction(
        module=module,
        command=command,
        nonce=nonce,
        fee=fee,
        sender_public_key=public_key,
        params=params,
    )


def signed(sender: ed.KeyPair, nonce: int, **kwargs: Any) -> Transaction:
    """A transaction from ``sender`` signed by ``sender``."""
    return transaction(sender, nonce, **kwargs).sign(CHAIN_ID, sender.private_key)


def multisigned(unsigned: Transaction, group: Sequence[ed.KeyPair | None]) -> Transaction:
    """``unsigned`` with one signature per group key: an empty entry where the pair is None."""
    signing = unsigned.get_signing_bytes()
    signatures = [
        b""
        if pair is None
        else ed.sign_data_with_private_key("KLY_TX_", CHAIN_ID, signing, pair.private_key)
        for pair in group
    ]
    return Transaction(
        module=unsigned.module,
        command=unsigned.command,
        nonce=unsigned.nonce,
        fee=unsigned.fee,
        sender_public_key=unsigned.sender_public_key,
        params=unsigned.params,
        signatures=signatures,
    )


def account(
    nonce: int = 0,
    number_of_signatures: int = 0,
    mandatory: Sequence[bytes] = (),
    optional: Sequence[bytes] = (),
) -> dict[str, Any]:
    """An auth account value."""
    return {
        "nonce": nonce,
        "numberOfSignatures": number_of_signatures,
        "mandatoryKeys": list(mandatory),
        "optionalKeys": list(optional),
    }


def genesis_asset(entries: Sequence[tuple[bytes, dict[str, Any]]]) -> BlockAssets:
    """Genesis assets holding the auth module's asset with these (address, account) entries."""
    data = codec.encode(
        GENESIS_AUTH_STORE_SCHEMA,
        {"authDataSubstore": [{"address": a, "authAccount": acc} for a, acc in entries]},
    )
    return BlockAssets([BlockAsset("auth", data)])


def registration_params(
    sender: ed.KeyPair,
    nonce: int,
    number_of_signatures: int,
    mandatory: Sequence[ed.KeyPair],
    optional: Sequence[ed.KeyPair],
    chain_id: bytes = CHAIN_ID,
) -> bytes:
    """Encoded ``registerMultisignature`` params, every key signing the registration message."""
    group = {
        "numberOfSignatures": number_of_signatures,
        "mandatoryKeys": [pair.public_key for pair in mandatory],
        "optionalKeys": [pair.public_key for pair in optional],
    }
    address = get_address_from_public_key(sender.public_key)
    message = codec.encode(MULTISIG_REG_MSG_SCHEMA, {"address": address, "nonce": nonce, **group})
    signatures = [
        ed.sign_data_with_private_key(MESSAGE_TAG_MULTISIG_REG, chain_id, message, pair.private_key)
        for pair in (*mandatory, *optional)
    ]
    return codec.encode(REGISTER_MULTISIGNATURE_PARAMS_SCHEMA, {**group, "signatures": signatures})


def header(height: int) -> BlockHeader:
    """A header with placeholder roots (the executor computes the real ones)."""
    return create_block_header(height, max_height_prevoted=0)


class Chain:
    """auth + ping over an in-memory state store, one committed block at a time."""

    def __init__(self, config: dict[str, Any] | None = None, db: Any = None) -> None:
        self.auth = AuthModule()
        self.machine = StateMachine()
        self.machine.register_module(self.auth)
        self.machine.register_module(PingModule())
        self.machine.init({}, {"auth": config or {}})
        self.state = StateStore(db if db is not None else InMemoryDatabase())
        self.executor = BlockExecutor(self.machine, self.state, CHAIN_ID)

    def genesis(self, assets: BlockAssets | None = None) -> BlockResult:
        result = self.executor.execute_genesis(header(0), assets or BlockAssets())
        self.executor.commit(result)
        return result

    def block(self, transactions: Sequence[Transaction]) -> BlockResult:
        result = self.executor.execute(header(self.state.height + 1), BlockAssets(), transactions)
        self.executor.commit(result)
        return result

    def account(self, key: ed.KeyPair) -> Any:
        """The auth method's view of ``key``'s account."""
        return self.auth.method.get_auth_account(
            self.state, get_address_from_public_key(key.public_key)
        )

    def verify(self, tx: Transaction, chain_id: bytes = CHAIN_ID) -> VerificationResult:
        """The auth module's ``verify_transaction`` of ``tx`` against the committed state."""
        ctx = TransactionContext(
            chain_id=chain_id,
            state_store=self.state,
            transaction=tx,
            header=HeaderInfo(self.state.height + 1, 0),
            event_queue=EventQueue(0),
        )
        return self.auth.verify_transaction(ctx.transaction_verify_context())

    def pool_verify(self, tx: Transaction) -> VerificationResult:
        """The state machine's full check, as the transaction pool runs it."""
        ctx = TransactionContext(
            chain_id=CHAIN_ID,
            state_store=self.state,
            transaction=tx,
            header=HeaderInfo(self.state.height + 1, 0),
            event_queue=EventQueue(0),
        )
        return self.machine.verify_transaction(ctx)
