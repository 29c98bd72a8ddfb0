"""Hypothesis strategies for module authors: schema values, accounts and signed transactions.

``from_schema`` draws values Klayr's validator accepts (and, for codec schemas, that the codec
encodes and decodes back unchanged); ``invalid_for_schema`` draws values it rejects, each tagged
with its defect; ``accounts`` and ``transactions`` draw deterministic key pairs and transactions
signed by them. See docs/testing_strategies.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from klayr_py import codec
from klayr_py.chain.constants import MAX_PARAMS_SIZE, is_valid_name
from klayr_py.chain.transaction import Transaction
from klayr_py.node.dev import DevAccount, dev_account

from ._invalid import InvalidValue, invalid_values
from ._valid import valid_values

__all__ = [
    "DEFAULT_CHAIN_ID",
    "Account",
    "InvalidValue",
    "account",
    "accounts",
    "from_schema",
    "invalid_for_schema",
    "transactions",
]

T = TypeVar("T")

DEFAULT_CHAIN_ID = bytes.fromhex("04000000")
"""The chain ID ``transactions`` signs for unless told otherwise (a devnet ID, as in the demo)."""


def from_schema(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values ``klayr_py.validator.validate(schema, value)`` accepts.

    Honours ``dataType``, ``type``, lengths (bytes for ``bytes``, characters for strings), ranges,
    item counts, ``format``, ``pattern``, ``enum``, ``const``, ``allOf``/``anyOf``/``oneOf`` and
    unique items; other keywords by filtering. Objects of a codec schema (properties with
    ``fieldNumber``) carry every property, as the codec needs; other objects carry their required
    properties and sometimes the others. Strings are in Unicode normal form C, so codec values
    decode back equal.
    """
    return valid_values(schema)


def invalid_for_schema(schema: Mapping[str, Any]) -> st.SearchStrategy[InvalidValue]:
    """Values ``klayr_py.validator.validate(schema, value)`` rejects, tagged with their defect.

    One defect per value, planted in an otherwise valid value: wrong type, out of a data type's
    range, below ``minimum``/above ``maximum``, too short/long, wrong ``format`` or ``pattern``,
    not in ``enum``/``const``, a missing required property, an extra property where
    ``additionalProperties`` is false, too few/many items, duplicate items; and values the
    validator finds failing a composite keyword (``anyOf``, ``not`` ...).
    """
    return invalid_values(schema)


Account = DevAccount
"""A test account: passphrase, keys, address (``.klayr32_address`` too)."""


def account(index: int) -> Account:
    """The ``index``-th deterministic account: the same keys in every run, and the accounts a
    :class:`~klayr_py.testing.BlockProcessingEnv` funds (``"klayr_py dev account <index>"``)."""
    return dev_account(index)


def accounts(pool_size: int = 10) -> st.SearchStrategy[Account]:
    """One of the first ``pool_size`` deterministic accounts (shrinking towards ``account(0)``)."""
    if pool_size < 1:
        raise InvalidArgument(f"pool_size must be at least 1, got {pool_size}")
    return st.sampled_from([account(index) for index in range(pool_size)])


_account_pool = accounts  # ``transactions`` takes a parameter of the same name


def _strategy(value: T | st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def transactions(
    module: str,
    command: str,
    params_schema: Mapping[str, Any],
    *,
    accounts: Account | st.SearchStrategy[Account] | None = None,
    chain_id: bytes | st.SearchStrategy[bytes] = DEFAULT_CHAIN_ID,
    fee: int | st.SearchStrategy[int] | None = None,
    nonce: int | st.SearchStrategy[int] | None = None,
    params: st.SearchStrategy[Mapping[str, Any] | bytes] | None = None,
) -> st.SearchStrategy[Transaction]:
    """Transactions of ``module``/``command`` signed (once) by the drawn sender for ``chain_id``.

    ``params`` defaults to ``from_schema(params_schema)``; a strategy given instead may draw dicts
    (encoded with ``params_schema``) or ready bytes (used as they are, to test malformed params).
    Each of ``accounts``, ``chain_id``, ``fee`` and ``nonce`` is a value or a strategy; ``fee`` and
    ``nonce`` default to the whole uint64 range, so pass what a test chain will accept.
    """
    for kind, name in (("module", module), ("command", command)):
        if not name or len(name) > 32 or not is_valid_name(name):
            raise InvalidArgument(f"invalid {kind} name {name!r}: 1 to 32 letters and digits")
    senders = _strategy(accounts) if accounts is not None else _account_pool()
    uint64 = st.integers(0, 2**64 - 1)
    fees = _strategy(fee) if fee is not None else uint64
    nonces = _strategy(nonce) if nonce is not None else uint64
    drawn_params = params if params is not None else from_schema(params_schema)
    encoded = drawn_params.map(
        lambda value: value if isinstance(value, bytes) else codec.encode(params_schema, value)
    )
    if params is None:  # our own params must make a valid transaction: at most MAX_PARAMS_SIZE
        encoded = encoded.filter(lambda data: len(data) <= MAX_PARAMS_SIZE)

    @st.composite
    def signed(draw: st.DrawFn) -> Transaction:
        sender = draw(senders)
        unsigned = Transaction(
            module=module,
            command=command,
            nonce=draw(nonces),
            fee=draw(fees),
            sender_public_key=sender.public_key,
            params=draw(encoded),
        )
        return unsigned.sign(draw(_strategy(chain_id)), sender.private_key)

    return signed()
