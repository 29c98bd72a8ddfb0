"""Hypothesis scenarios for the differential test: blocks of signed transactions around every edge.

A scenario is drawn as *intents* (who sends what, with which fee boundary and nonce offset), then
turned into signed transactions block by block against the chain's nonces at that block, so the
same bytes go to klayr_py and to Klayr's own modules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from klayr_py import codec
from klayr_py.chain import Transaction
from klayr_py.crypto import ed
from klayr_py.crypto.address import get_address_from_public_key
from klayr_py.crypto.utils import TAG_TRANSACTION
from klayr_py.modules.auth import (
    GENESIS_AUTH_STORE_SCHEMA,
    MESSAGE_TAG_MULTISIG_REG,
    MULTISIG_REG_MSG_SCHEMA,
    REGISTER_MULTISIGNATURE_PARAMS_SCHEMA,
)
from klayr_py.modules.token import GENESIS_TOKEN_STORE_SCHEMA, TRANSFER_PARAMS_SCHEMA
from klayr_py.node.dev import DevAccount, dev_accounts
from tests.modules.conformance.probe import OPERATIONS, PROBE_PARAMS_SCHEMA

CHAIN_ID = bytes.fromhex("04000000")
NATIVE = CHAIN_ID + bytes(4)
FOREIGN = bytes.fromhex("0400009900000000")
UNINITIALIZED = CHAIN_ID + bytes.fromhex("00000001")
TOKENS = {"native": NATIVE, "foreign": FOREIGN, "uninitialized": UNINITIALIZED}
MIN_FEE_PER_BYTE = 1000
INIT_FEE = 5_000_000  # Klayr's default userAccountInitializationFee
BALANCE = 10**9
FOREIGN_BALANCE = 10**6

SENDERS = dev_accounts(4, "klayr_py conformance sender")
NEW_ACCOUNTS = dev_accounts(3, "klayr_py conformance newcomer")
GROUP = sorted(dev_accounts(3, "klayr_py conformance group"), key=lambda a: a.public_key)
MANDATORY, OPTIONAL = GROUP[:1], GROUP[1:]
MULTISIG_SENDER = 3  # the sender that may register a multisignature group
FEE_LABELS = ["below_min", "min", "min+1", "init-1", "init", "init+1", "plenty", "above_balance"]


@dataclass(frozen=True)
class ChainSetup:
    """The chain's configuration: the fees' edges move with it."""

    user_init_fee: int = INIT_FEE
    fee_pool: str = "none"  # "none", "funded" (an account exists) or "unfunded"
    zero_fee_below: int = 0  # maxBlockHeightZeroFeePerByte
    generator_funded: bool = True
    genesis_nonces: tuple[int, ...] = (0, 0, 0, 0)  # the senders' nonces in the auth asset
    genesis_group: bool = False  # the multisignature sender's group registered at genesis
    genesis_locked: bool = False  # the first sender has balances locked by other modules

    def module_configs(self) -> dict[str, dict[str, Any]]:
        """The token and fee module configs, in Klayr's config.json shape."""
        fee: dict[str, Any] = {
            "minFeePerByte": MIN_FEE_PER_BYTE,
            "maxBlockHeightZeroFeePerByte": self.zero_fee_below,
        }
        if self.fee_pool != "none":
            pool = SENDERS[1] if self.fee_pool == "funded" else NEW_ACCOUNTS[0]
            fee["feePoolAddress"] = pool.klayr32_address
        return {"token": {"userAccountInitializationFee": str(self.user_init_fee)}, "fee": fee}

    def fee_delta(self, label: str) -> int:
        """How far above the minimum fee a fee of ``label`` is."""
        init = self.user_init_fee
        return {
            "below_min": -1,
            "min": 0,
            "min+1": 1,
            "init-1": init - 1,
            "init": init,
            "init+1": init + 1,
            "plenty": 2 * 10**7,
            "above_balance": 2 * BALANCE,
        }[label]


chain_setups = st.one_of(
    st.just(ChainSetup()),
    st.builds(
        ChainSetup,
        user_init_fee=st.sampled_from([0, 1, INIT_FEE, 3 * 10**7]),
        fee_pool=st.sampled_from(["none", "funded", "unfunded"]),
        zero_fee_below=st.sampled_from([0, 2]),
        generator_funded=st.booleans(),
        genesis_nonces=st.tuples(*[st.sampled_from([0, 0, 1, 7])] * len(SENDERS)),
        genesis_group=st.booleans(),
        genesis_locked=st.booleans(),
    ),
)


@dataclass(frozen=True)
class Intent:
    """One transaction to build: what it does, fee boundary, nonce offset, how it is signed."""

    kind: str
    sender: int
    recipient: int = 0
    token: str = "native"
    amount: int = 0
    fee: str = "plenty"
    nonce_offset: int = 0
    data_length: int = 0
    signing: str = "single"
    raw_params: bytes = b""
    operation: str = ""  # probe: which token or fee method
    locking_module: str = ""  # probe: the module name lock and unlock use


def _recipients() -> list[bytes]:
    """Funded senders first, then addresses without any account."""
    return [a.address for a in SENDERS] + [a.address for a in NEW_ACCOUNTS]


_amounts = st.one_of(
    st.integers(0, 10**5), st.integers(BALANCE // 2, 2 * BALANCE), st.just(FOREIGN_BALANCE)
)
_common = {
    "sender": st.integers(0, len(SENDERS) - 1),
    "fee": st.sampled_from(FEE_LABELS),
    "nonce_offset": st.sampled_from([-1, 0, 0, 0, 0, 1]),
    # Only the sender that may register a group signs as one (see ``build``): half the time.
    "signing": st.sampled_from(
        ["single", "single", "single", "group", "group_short", "group_no_mandatory"]
    ),
}
transfers = st.builds(
    Intent,
    kind=st.just("transfer"),
    recipient=st.integers(0, len(SENDERS) + len(NEW_ACCOUNTS) - 1),
    token=st.sampled_from(["native", "native", "native", "foreign", "uninitialized"]),
    amount=_amounts,
    data_length=st.sampled_from([0, 0, 64, 65]),
    **_common,
)
registrations = st.builds(
    Intent,
    kind=st.sampled_from(["register", "register", "register_bad_signature", "register_too_many"]),
    **{**_common, "sender": st.sampled_from([MULTISIG_SENDER, MULTISIG_SENDER, 0])},
)
oddities = st.builds(
    Intent,
    kind=st.sampled_from(
        ["unknown_module", "unknown_command", "malformed_params", "invalid_params"]
    ),
    raw_params=st.binary(max_size=40),
    amount=st.integers(0, 3),
    **_common,
)
probes = st.builds(
    Intent,
    kind=st.just("probe"),
    recipient=st.integers(0, len(SENDERS) + len(NEW_ACCOUNTS) - 1),
    token=st.sampled_from(["native", "native", "foreign", "uninitialized"]),
    amount=st.one_of(st.integers(0, 10**6), st.integers(BALANCE // 2, 2 * BALANCE)),
    operation=st.sampled_from(OPERATIONS),
    locking_module=st.sampled_from(["fee", "pos", "probe", "dpos"]),
    **_common,
)
intents = st.one_of(transfers, transfers, transfers, registrations, oddities, probes)
blocks = st.lists(st.lists(intents, min_size=1, max_size=6), min_size=1, max_size=4)
scenarios = st.tuples(chain_setups, blocks)


def token_genesis_asset(setup: ChainSetup, generator: bytes | None) -> bytes:
    """Every sender (and the generator if given) funded in the native token, two also in a
    foreign one; with ``genesis_locked`` the first sender also has amounts locked by two
    modules, which the fee module's own lock must join in Klayr's order."""
    funded = [a.address for a in SENDERS] + ([generator] if generator is not None else [])
    locked: list[dict[str, Any]] = [
        {"module": "dpos", "amount": 10**6},
        {"module": "pos", "amount": 7},
    ]
    locked_total = sum(entry["amount"] for entry in locked) if setup.genesis_locked else 0
    users = [
        {
            "address": address,
            "tokenID": NATIVE,
            "availableBalance": BALANCE,
            "lockedBalances": locked if setup.genesis_locked and address == funded[0] else [],
        }
        for address in funded
    ]
    users += [
        {
            "address": a.address,
            "tokenID": FOREIGN,
            "availableBalance": FOREIGN_BALANCE,
            "lockedBalances": [],
        }
        for a in SENDERS[:2]
    ]
    return codec.encode(
        GENESIS_TOKEN_STORE_SCHEMA,
        {
            "userSubstore": sorted(users, key=lambda user: (user["address"], user["tokenID"])),
            "supplySubstore": [
                {"tokenID": NATIVE, "totalSupply": BALANCE * len(funded) + locked_total}
            ],
            "escrowSubstore": [],
            "supportedTokensSubstore": [],
        },
    )


def auth_genesis_asset(setup: ChainSetup) -> bytes:
    """The senders' auth accounts: their nonces, and the group if registered at genesis."""
    entries: list[dict[str, Any]] = []
    for index, (account, nonce) in enumerate(zip(SENDERS, setup.genesis_nonces, strict=True)):
        group = setup.genesis_group and index == MULTISIG_SENDER
        entries.append(
            {
                "address": account.address,
                "authAccount": {
                    "nonce": nonce,
                    "numberOfSignatures": 2 if group else 0,
                    "mandatoryKeys": [a.public_key for a in MANDATORY] if group else [],
                    "optionalKeys": [a.public_key for a in OPTIONAL] if group else [],
                },
            }
        )
    entries.sort(key=lambda entry: entry["address"])
    return codec.encode(GENESIS_AUTH_STORE_SCHEMA, {"authDataSubstore": entries})


def _params(intent: Intent, sender: DevAccount, nonce: int) -> tuple[str, str, bytes]:
    if intent.kind == "transfer":
        params = {
            "tokenID": TOKENS[intent.token],
            "amount": intent.amount,
            "recipientAddress": _recipients()[intent.recipient],
            "data": "d" * intent.data_length,
        }
        return "token", "transfer", codec.encode(TRANSFER_PARAMS_SCHEMA, params)
    if intent.kind.startswith("register"):
        return "auth", "registerMultisignature", _registration(intent, sender, nonce)
    if intent.kind == "invalid_params":  # decodable, but the schema refuses a length
        lengths = {"tokenID": 8, "recipientAddress": 20}
        field = "tokenID" if intent.amount % 2 else "recipientAddress"
        lengths[field] += 1 if intent.amount % 4 >= 2 else -1
        params = {
            "tokenID": NATIVE.ljust(lengths["tokenID"], b"\0")[: lengths["tokenID"]],
            "amount": intent.amount,
            "recipientAddress": _recipients()[0].ljust(21, b"\0")[: lengths["recipientAddress"]],
            "data": "",
        }
        return "token", "transfer", codec.encode(TRANSFER_PARAMS_SCHEMA, params)
    if intent.kind == "probe":
        params = {
            "operation": intent.operation,
            "tokenID": TOKENS[intent.token],
            "amount": intent.amount,
            "address": _recipients()[intent.recipient],
            "module": intent.locking_module,
        }
        return "probe", "probe", codec.encode(PROBE_PARAMS_SCHEMA, params)
    if intent.kind == "unknown_module":
        return "nft", "transfer", intent.raw_params
    if intent.kind == "unknown_command":
        return "token", "mint", intent.raw_params
    return "token", "transfer", intent.raw_params  # malformed_params


def _registration(intent: Intent, sender: DevAccount, nonce: int) -> bytes:
    required = len(GROUP) + 1 if intent.kind == "register_too_many" else 2
    group: dict[str, Any] = {
        "numberOfSignatures": required,
        "mandatoryKeys": [a.public_key for a in MANDATORY],
        "optionalKeys": [a.public_key for a in OPTIONAL],
    }
    message = codec.encode(
        MULTISIG_REG_MSG_SCHEMA, {"address": sender.address, "nonce": nonce, **group}
    )
    signatures = [
        ed.sign_data_with_private_key(MESSAGE_TAG_MULTISIG_REG, CHAIN_ID, message, a.private_key)
        for a in GROUP
    ]
    if intent.kind == "register_bad_signature":
        signatures[-1] = bytes([signatures[-1][0] ^ 1]) + signatures[-1][1:]
    return codec.encode(REGISTER_MULTISIGNATURE_PARAMS_SCHEMA, {**group, "signatures": signatures})


def _signed(unsigned: Transaction, sender: DevAccount, signing: str) -> Transaction:
    """Signed by the sender alone, or by the group (all, too few, or without the mandatory key)."""
    if signing == "single":
        return unsigned.sign(CHAIN_ID, sender.private_key)
    signers = {
        "group": [MANDATORY[0], OPTIONAL[0], None],
        "group_short": [MANDATORY[0], None, None],
        "group_no_mandatory": [None, OPTIONAL[0], OPTIONAL[1]],
    }[signing]
    message = unsigned.get_signing_bytes()
    signatures = tuple(
        b""
        if signer is None
        else ed.sign_data_with_private_key(TAG_TRANSACTION, CHAIN_ID, message, signer.private_key)
        for signer in signers
    )
    return replace(unsigned, signatures=signatures)


def build(setup: ChainSetup, intent: Intent, nonce: int, group_registered: bool) -> Transaction:
    """The signed transaction of ``intent`` with ``nonce``, its fee at the intended boundary.

    Only the multisignature sender signs as a group: once its group is registered it does so
    unless drawn to sign badly; before, it signs alone but for one mismatch case.
    """
    sender = SENDERS[intent.sender]
    nonce = max(0, nonce + intent.nonce_offset)
    module, command, params = _params(intent, sender, nonce)
    fee = setup.fee_delta("plenty")
    signing = "single"
    if intent.sender == MULTISIG_SENDER:
        registered = {"single": "group"}
        unregistered = {"group": "single", "group_short": "single", "group_no_mandatory": "group"}
        signing = (registered if group_registered else unregistered).get(
            intent.signing, intent.signing
        )
    for _ in range(4):  # the fee's own varint length changes the size: settle it
        unsigned = Transaction(
            module=module,
            command=command,
            nonce=nonce,
            fee=fee,
            sender_public_key=sender.public_key,
            params=params,
        )
        transaction = _signed(unsigned, sender, signing)
        size = len(transaction.get_bytes())
        wanted = max(0, MIN_FEE_PER_BYTE * size + setup.fee_delta(intent.fee))
        if wanted == fee:
            break
        fee = wanted
    return transaction


def is_registered(env: Any) -> bool:
    """Whether the multisignature sender's group is registered in ``env``'s committed state."""
    address = SENDERS[MULTISIG_SENDER].klayr32_address
    account = env.invoke("auth_getAuthAccount", {"address": address})
    return int(account["numberOfSignatures"]) > 0


def sender_address(intent: Intent) -> bytes:
    """The address that sends ``intent``."""
    return get_address_from_public_key(SENDERS[intent.sender].public_key)
