"""Building transactions offline: params from JSON, Klayr's minimum fee, signing.

Pure functions (no I/O), so the CLI's ``--offline`` mode and :class:`APIClient` share them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from klayr_py import codec, validator
from klayr_py.api_client.errors import APIClientError
from klayr_py.chain import Transaction
from klayr_py.chain.constants import SIGNATURE_LENGTH_BYTES
from klayr_py.chain.schemas import STANDARD_EVENT_DATA_SCHEMA
from klayr_py.crypto.ed import get_public_key_from_private_key
from klayr_py.errors import KlayrError

__all__ = [
    "build_transaction",
    "command_params_schema",
    "compute_min_fee",
    "decode_event_data",
    "decode_params",
    "encode_params",
    "parse_private_key",
    "unknown_properties",
]

_MAX_FEE_ROUNDS = 8
EVENT_TRANSACTION_NAME = "commandExecutionResult"  # Klayr's standard event of each transaction


def parse_private_key(value: str | bytes) -> bytes:
    """A private key given as bytes or hex (64-byte Klayr key or 32-byte seed)."""
    if isinstance(value, bytes):
        key = value
    else:
        try:
            key = bytes.fromhex(value.strip())
        except ValueError:
            raise APIClientError("the private key must be hex") from None
    if len(key) not in (32, 64):
        raise APIClientError(f"the private key must be 32 or 64 bytes, got {len(key)}")
    return key


def command_params_schema(metadata: Mapping[str, Any], module: str, command: str) -> dict[str, Any]:
    """The params schema of ``module:command`` in ``system_getMetadata``'s answer."""
    modules = {entry["name"]: entry for entry in metadata.get("modules", [])}
    found = modules.get(module)
    if found is None:
        raise APIClientError(
            f"the chain has no module {module!r} (modules: {', '.join(sorted(modules))})"
        )
    commands = {entry["name"]: entry for entry in found.get("commands", [])}
    entry = commands.get(command)
    if entry is None:
        names = ", ".join(sorted(commands)) or "none"
        raise APIClientError(f"module {module} has no command {command!r} (commands: {names})")
    schema: dict[str, Any] = entry["params"]
    return schema


def unknown_properties(schema: Mapping[str, Any], value: Any, path: str = "") -> list[str]:
    """The paths of properties in ``value`` that ``schema`` does not declare (``a.b``,
    ``items[2].c``): the codec would drop them silently, so the user would never know."""
    found: list[str] = []
    if schema.get("type") == "object" and isinstance(value, Mapping):
        properties = schema.get("properties", {})
        for key in value:
            where = f"{path}.{key}" if path else str(key)
            if key not in properties:
                found.append(where)
            else:
                found.extend(unknown_properties(properties[key], value[key], where))
    elif schema.get("type") == "array" and isinstance(value, list):
        items = schema.get("items", {})
        for index, item in enumerate(value):
            found.extend(unknown_properties(items, item, f"{path}[{index}]"))
    return found


def encode_params(schema: Mapping[str, Any], params_json: Mapping[str, Any]) -> bytes:
    """Params in Klayr's JSON form (hex bytes, Klayr32 addresses, decimal strings) -> bytes,
    validated against the schema; a property the schema does not declare is refused by name
    (the codec would drop it)."""
    if not isinstance(params_json, Mapping):
        raise APIClientError("the params must be a JSON object")
    unknown = unknown_properties(schema, params_json)
    if unknown:
        declared = ", ".join(schema.get("properties", {})) or "none"
        names = ", ".join(f"'{name}'" for name in unknown)
        noun = "property" if len(unknown) == 1 else "properties"
        raise APIClientError(f"invalid params: unknown {noun} {names} (declared: {declared})")
    try:
        value = codec.from_json(schema, params_json)
        validator.validate(schema, value)  # as Klayr's api-client: the node would refuse it
        return codec.encode(schema, value)
    except (KlayrError, ValueError, TypeError, KeyError) as error:
        raise APIClientError(f"invalid params: {error}") from None


def decode_event_data(event: Mapping[str, Any], metadata: Mapping[str, Any]) -> dict[str, Any]:
    """An event of ``chain_getEvents`` with its hex ``data`` decoded by the emitting module's
    event schema from ``metadata`` (``commandExecutionResult``: Klayr's standard schema); data
    of an event the metadata does not describe stays hex."""
    decoded = dict(event)
    if event.get("name") == EVENT_TRANSACTION_NAME:
        schema: Mapping[str, Any] | None = STANDARD_EVENT_DATA_SCHEMA
    else:
        modules = {entry["name"]: entry for entry in metadata.get("modules", [])}
        described = {
            entry["name"]: entry.get("data")
            for entry in modules.get(str(event.get("module")), {}).get("events", [])
        }
        schema = described.get(str(event.get("name")))
    if schema:
        # Data that does not fit the schema stays the hex it came as.
        with contextlib.suppress(KlayrError, ValueError):
            decoded["data"] = codec.decode_json(schema, bytes.fromhex(str(event["data"])))
    return decoded


def decode_params(schema: Mapping[str, Any], params: bytes) -> dict[str, Any]:
    """Encoded params -> Klayr's JSON form."""
    return codec.decode_json(schema, params)


def compute_min_fee(
    transaction: Transaction,
    min_fee_per_byte: int,
    *,
    number_of_signatures: int = 1,
    base_fee: int = 0,
) -> int:
    """Klayr's ``computeMinFee``: ``minFeePerByte`` x the signed size, plus a base fee.

    The size counts ``number_of_signatures`` 64-byte signatures (the ones still to come) and the
    fee field itself, so the fee is recomputed until it no longer grows.
    """
    mock = replace(
        transaction,
        fee=0,
        signatures=tuple(bytes(SIGNATURE_LENGTH_BYTES) for _ in range(number_of_signatures)),
    )
    fee = 0
    for _ in range(_MAX_FEE_ROUNDS):
        needed = len(mock.get_bytes()) * min_fee_per_byte + base_fee
        if needed <= fee:
            break
        fee = needed
        mock = replace(mock, fee=fee)
    return fee


def build_transaction(
    *,
    module: str,
    command: str,
    params: bytes,
    nonce: int,
    chain_id: bytes,
    min_fee_per_byte: int,
    private_key: bytes | None = None,
    sender_public_key: bytes | None = None,
    fee: int | None = None,
    signatures: Sequence[bytes] = (),
) -> Transaction:
    """A transaction with the minimum fee unless ``fee`` is given; signed if a key is given."""
    if private_key is not None:
        try:
            sender_public_key = get_public_key_from_private_key(private_key)
        except KlayrError as error:
            raise APIClientError(f"invalid private key: {error}") from None
    if sender_public_key is None:
        raise APIClientError("a private key or the sender's public key is needed")
    transaction = Transaction(
        module=module,
        command=command,
        nonce=nonce,
        fee=0,
        sender_public_key=sender_public_key,
        params=params,
        signatures=signatures,
    )
    if fee is None:
        fee = compute_min_fee(transaction, min_fee_per_byte)
    transaction = replace(transaction, fee=fee)
    if private_key is not None:
        transaction = transaction.sign(chain_id, private_key)
    return transaction
