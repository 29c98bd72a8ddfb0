"""The node's RPC methods with Klayr's names and payload shapes.

``system_*``, ``chain_*`` and ``txpool_*`` are the engine's (Klayr's ``engine/endpoint``); every
module endpoint is served as ``<module>_<endpointName>``. Each method takes the request's
``params`` (a JSON object) and returns JSON; a bad parameter raises :class:`RpcError` with
``INVALID_PARAMS`` naming it. Every method reads through the engine's read side
(:class:`~klayr_py.node.read_side.ChainReader`) except ``txpool_postTransaction``, which offers
the transaction to the engine.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

from klayr_py.chain import Event, Transaction
from klayr_py.chain import schemas as chain_schemas
from klayr_py.crypto.address import get_klayr32_address_from_public_key
from klayr_py.errors import CodecError, CryptoError, KlayrError, NotFoundError, ValidationError
from klayr_py.modules import VerifyStatus
from klayr_py.node.pool import AddResult
from klayr_py.node.rpc.backend import RpcBackend
from klayr_py.node.rpc.errors import INVALID_PARAMS, METHOD_NOT_FOUND, RpcError
from klayr_py.validator.formats import is_hex

__all__ = ["RpcMethods", "decoded_event_json"]

Params = Mapping[str, Any]
Method = Callable[[Params], Any]

_VERSION = "0.1.0"
_MAX_HEIGHT = 2**32 - 1


def _hex(params: Params, name: str) -> bytes:
    # Klayr's ``hex`` format exactly (@klayr/validator's isHexString): pairs of hex digits,
    # either case, nothing else — no spaces, which bytes.fromhex would skip.
    value = params.get(name)
    if not isinstance(value, str) or not is_hex(value):
        raise RpcError(INVALID_PARAMS, f"Invalid parameters. {name} must be a valid hex string.")
    return bytes.fromhex(value)


def _height(params: Params, name: str = "height") -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_HEIGHT:
        raise RpcError(
            INVALID_PARAMS,
            f"Invalid parameters. {name} must be an integer from 0 to {_MAX_HEIGHT}.",
        )
    return value


def _flag(params: Params, name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise RpcError(INVALID_PARAMS, f"Invalid parameters. {name} must be a boolean.")
    return value


def _transaction(params: Params) -> Transaction:
    data = _hex(params, "transaction")
    try:
        return Transaction.from_bytes(data)
    except (CodecError, KlayrError) as error:
        raise RpcError(INVALID_PARAMS, f"Invalid transaction bytes: {error}") from None


class RpcMethods:
    """Every method the node serves, by name, filtered by ``allowed`` (globs, ``*`` = all)."""

    def __init__(
        self,
        engine: RpcBackend,
        *,
        genesis_config: Mapping[str, Any],
        allowed: tuple[str, ...] = ("*",),
        max_block_range: int = 100,
    ) -> None:
        self.engine = engine
        self.reads = reads = engine.reads
        self.genesis_config = dict(genesis_config)
        self.allowed = allowed
        self.max_block_range = max_block_range
        self._methods: dict[str, Method] = {
            "system_getNodeInfo": self.get_node_info,
            "system_getMetadata": self.get_metadata,
            "system_getSchema": self.get_schema,
            "chain_getLastBlock": lambda _: reads.last_block.to_json(),
            "chain_getBlockByHeight": lambda p: reads.get_block_by_height(_height(p)).to_json(),
            "chain_getBlockByID": lambda p: reads.get_block(_hex(p, "id")).to_json(),
            "chain_getBlocksByHeightBetween": self.get_blocks_between,
            "chain_getTransactionByID": lambda p: reads.get_transaction(_hex(p, "id")).to_json(),
            "chain_getEvents": lambda p: [
                event.to_json() for event in reads.get_events(_height(p))
            ],
            "txpool_postTransaction": self.post_transaction,
            "txpool_getTransactionsFromPool": self.get_transactions_from_pool,
            "txpool_dryRunTransaction": self.dry_run_transaction,
        }
        for name in reads.endpoint_names():
            self._methods[name] = self._endpoint(name)
        self._registered: set[str] = set()

    def register(self, name: str, method: Method) -> None:
        """Serve ``method`` as ``name`` (plugins' endpoints; it may return an awaitable)."""
        if name in self._methods and name not in self._registered:
            raise ValueError(f"RPC method {name} already exists")
        self._methods[name] = method
        self._registered.add(name)

    def unregister(self, name: str) -> None:
        """Stop serving a method added with :meth:`register`."""
        if name in self._registered:
            self._registered.discard(name)
            del self._methods[name]

    def is_registered(self, name: str) -> bool:
        """Whether ``name`` was added with :meth:`register` (a plugin's endpoint)."""
        return name in self._registered

    def names(self) -> list[str]:
        """The names served (after the allow-list), sorted."""
        return sorted(name for name in self._methods if self.is_allowed(name))

    def is_allowed(self, name: str) -> bool:
        """Whether ``rpc.allowedMethods`` lets ``name`` through."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.allowed)

    def call(self, name: str, params: Params) -> Any:
        """Run method ``name``; :class:`RpcError` for an unknown or refused one."""
        method = self._methods.get(name)
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method {name} does not exist.")
        if not self.is_allowed(name):
            raise RpcError(METHOD_NOT_FOUND, f"Method {name} is not allowed by rpc.allowedMethods.")
        try:
            return method(params)
        except RpcError:
            raise
        except NotFoundError as error:
            raise RpcError(INVALID_PARAMS, str(error).strip("'\"")) from None
        except (ValidationError, CryptoError) as error:  # e.g. a malformed klayr32 address
            raise RpcError(INVALID_PARAMS, f"Invalid parameters. {error}") from None
        except (CodecError, ValueError) as error:  # bytes a module cannot decode, a bad value
            raise RpcError(INVALID_PARAMS, f"Invalid parameters. {error}") from None

    # -- system -------------------------------------------------------------------------------

    def get_node_info(self, _: Params) -> dict[str, Any]:
        """Klayr's ``system_getNodeInfo``."""
        reads = self.reads
        last_block = reads.last_block
        return {
            "version": _VERSION,
            "networkVersion": "1.0",
            "chainID": reads.chain_id.hex(),
            "lastBlockID": last_block.id.hex(),
            "height": last_block.header.height,
            "finalizedHeight": reads.finalized_height,
            "syncing": False,
            "unconfirmedTransactions": reads.pool_size(),
            "genesisHeight": reads.genesis_height,
            "genesis": self.genesis_config,
            "network": {
                "version": "1.0",
                "port": 0,
                "seedPeers": [],
                "blacklistedIPs": [],
                "fixedPeers": [],
                "whitelistedPeers": [],
            },
        }

    def get_metadata(self, _: Params) -> dict[str, Any]:
        """Klayr's ``system_getMetadata``: every module's metadata, sorted by name."""
        return {"modules": self.reads.metadata()}

    def get_schema(self, _: Params) -> dict[str, Any]:
        """Klayr's ``system_getSchema``: the chain's own schemas."""
        return {
            "block": chain_schemas.BLOCK_SCHEMA,
            "header": chain_schemas.BLOCK_HEADER_SCHEMA,
            "asset": chain_schemas.BLOCK_ASSET_SCHEMA,
            "transaction": chain_schemas.TRANSACTION_SCHEMA,
            "event": chain_schemas.EVENT_SCHEMA,
            "standardEvent": chain_schemas.STANDARD_EVENT_DATA_SCHEMA,
        }

    # -- chain --------------------------------------------------------------------------------

    def get_blocks_between(self, params: Params) -> list[dict[str, Any]]:
        """Klayr's ``chain_getBlocksByHeightBetween``, at most ``rpc.maxBlockRange`` blocks."""
        start, end = _height(params, "from"), _height(params, "to")
        if end < start:
            raise RpcError(INVALID_PARAMS, "Invalid parameters. from must not exceed to.")
        if end - start >= self.max_block_range:
            raise RpcError(
                INVALID_PARAMS,
                f"Invalid parameters. {end - start + 1} blocks asked, more than "
                f"rpc.maxBlockRange ({self.max_block_range}).",
            )
        return [block.to_json() for block in self.reads.get_blocks_between(start, end)]

    # -- txpool -------------------------------------------------------------------------------

    def post_transaction(self, params: Params) -> dict[str, Any]:
        """Klayr's ``txpool_postTransaction``: hex bytes in, the transaction ID out."""
        transaction = _transaction(params)
        if self.reads.pool_contains(transaction.id):
            return {"transactionId": transaction.id.hex()}
        result = self.engine.add_transaction(transaction)
        if not result.accepted:
            raise RpcError(INVALID_PARAMS, self._rejection_message(transaction, result))
        return {"transactionId": transaction.id.hex()}

    def _rejection_message(self, transaction: Transaction, result: AddResult) -> str:
        """A refused transaction's error text: the state machine's verification message when
        verification fails it, else the pool's reason.

        Klayr's ``txpool_postTransaction`` verifies before anything else and throws the ABI's
        error message as it is, so that message wins whatever the pool's reason (a duplicate of
        an included transaction is a nonce too low there). Verifying again happens only on this
        refused path.
        """
        verification = self.reads.verify_transaction(transaction)
        if verification.status is VerifyStatus.FAIL and verification.error is not None:
            return str(verification.error)
        identifier = transaction.id.hex()
        return f"Transaction {identifier} was rejected ({result.reason}): {result.message}"

    def get_transactions_from_pool(self, params: Params) -> list[dict[str, Any]]:
        """Klayr's ``txpool_getTransactionsFromPool``, optionally for one ``address``."""
        address = params.get("address")
        transactions = self.reads.pool_transactions()
        if address is not None:
            if not isinstance(address, str):
                raise RpcError(INVALID_PARAMS, "Invalid parameters. address must be a string.")
            transactions = [
                tx
                for tx in transactions
                if get_klayr32_address_from_public_key(tx.sender_public_key) == address
            ]
        return [tx.to_json() for tx in transactions]

    def dry_run_transaction(self, params: Params) -> dict[str, Any]:
        """Klayr's ``txpool_dryRunTransaction``: result 1 OK, 0 FAIL, -1 INVALID, and events.

        ``strict`` (default false: only the command's verification) and ``skipVerify`` (default
        false) as in Klayr.
        """
        transaction = _transaction(params)
        outcome = self.reads.dry_run_transaction(
            transaction,
            strict=_flag(params, "strict"),
            skip_verify=_flag(params, "skipVerify"),
        )
        response: dict[str, Any] = {
            "result": outcome.result,
            "events": [event.to_json() for event in outcome.events],
        }
        if outcome.error:
            response["errorMessage"] = outcome.error
        return response

    # -- modules ------------------------------------------------------------------------------

    def _endpoint(self, name: str) -> Method:
        def call(params: Params) -> Any:
            return self.reads.call_endpoint(name, params)

        return call


def decoded_event_json(engine: RpcBackend, event: Event) -> dict[str, Any]:
    """An event's JSON with its data decoded by the emitting module's event schema (from the
    metadata); the standard ``commandExecutionResult`` event, or an unknown one, stays hex."""
    return engine.reads.decoded_event_json(event)
