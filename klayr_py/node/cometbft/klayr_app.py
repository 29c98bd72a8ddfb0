"""A klayr_py state machine as a CometBFT ABCI 2.0 application, through the ABI only.

Each node keeps Klayr-shaped block records (:class:`~klayr_py.chain.storage.ChainStorage`) and
the validator sets (:class:`~klayr_py.node.validator_set.ValidatorSetStore`) in the same
database as the state, written in the block's one atomic commit. CometBFT decides blocks; this
application executes them in Klayr's hook order (:mod:`.execution`), and maps:

- the proposer's consensus address (sha256(generator key)[:20]) to the Klayr validator address
  registered with that generator key in the validators module's sets;
- the validators module's next validators to CometBFT validator updates (generator key, BFT
  weight);
- Klayr verification verdicts to ABCI codes (:class:`.execution.TxCode`).

Finality is CometBFT's: a committed block is final, so each commit finalizes its height.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from klayr_py.chain import Block, BlockHeader, Event, Transaction
from klayr_py.chain.storage import ChainStorage
from klayr_py.contexts.hooks import HeaderInfo
from klayr_py.crypto.address import get_klayr32_address_from_address
from klayr_py.db import Database
from klayr_py.errors import KlayrError, NotFoundError
from klayr_py.modules.verification import VerifyStatus
from klayr_py.node.cometbft._convert import add_abci_events, validator_updates, weights_of
from klayr_py.node.cometbft.application import AbciApplication
from klayr_py.node.cometbft.execution import (
    ExecutedBlock,
    ProposalError,
    TxCode,
    draft_header,
    execute_block,
    prepare_block,
)
from klayr_py.node.cometbft.home import consensus_address
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.validator_set import ValidatorSetStore, compute_validators_hash
from klayr_py.state_machine.abi import (
    ABI,
    ClearRequest,
    CommitRequest,
    FinalizeRequest,
    InitGenesisStateRequest,
    InitRequest,
    InitStateMachineRequest,
    ProveRequest,
    QueryRequest,
    VerifyTransactionRequest,
)

__all__ = ["CODE_BAD_QUERY", "CODE_NOT_FOUND", "BlockListener", "KlayrAbciApp"]

CODE_NOT_FOUND = 4
CODE_BAD_QUERY = 5
BlockListener = Callable[[Block, list[Event]], None]


class KlayrAbciApp(AbciApplication):
    """The ABCI application of one node: the ABI plus this node's block records."""

    def __init__(
        self,
        *,
        abi: ABI,
        db: Database,
        chain_id: bytes,
        max_transactions_size: int = 15 * 1024,
        logger: logging.Logger | None = None,
    ) -> None:
        self.abi = abi
        self.db = db
        self.chain_id = chain_id
        self.max_transactions_size = max_transactions_size
        self.logger = logger or logging.getLogger("klayr_py.cometbft")
        self.storage = ChainStorage(db)
        self.validator_sets = ValidatorSetStore(db)
        self.new_block_listeners: list[BlockListener] = []
        self.admitted: Callable[[bytes], bool] = lambda _transaction_id: False
        """Whether this node's own pool admitted a transaction (the RPC backend sets it)."""
        self._executed: ExecutedBlock | None = None
        self._nonces: dict[bytes, int | None] = {}
        """Confirmed account nonces read since the last commit (:meth:`confirmed_nonce`)."""
        self._last_header: BlockHeader | None = None
        self._accepted: tuple[bytes, ExecutedBlock] | None = None
        self._prepared: tuple[list[bytes], ExecutedBlock] | None = None
        """The block this node proposed (PrepareProposal), executed: its own ProcessProposal of
        the same entries accepts it without executing it again."""
        """The proposal ProcessProposal executed and accepted, by block hash: FinalizeBlock of
        that same block reuses it instead of executing it again (its context stays open)."""
        height = self.storage.last_height
        root = self.storage.get_header_by_height(height).state_root if height >= 0 else b""
        self.abi.init(InitRequest(height, root))
        if height >= 0:
            self.abi.finalize(FinalizeRequest(height))

    # -- chain reads --------------------------------------------------------------------------

    @property
    def height(self) -> int:
        """The last committed Klayr height (-1 before genesis)."""
        return self.storage.last_height

    def last_block(self) -> Block:
        """The last committed block record (its transactions decoded: not for hot paths)."""
        return self.storage.get_last_block()

    def last_header(self) -> BlockHeader:
        """The last committed block's header, kept from the last commit (CheckTx reads it for
        every transaction)."""
        if self._last_header is None:
            self._last_header = self.storage.get_header_by_height(self.storage.last_height)
        return self._last_header

    def _klayr_address(self, proposer: bytes, height: int) -> bytes:
        """The Klayr validator address of the consensus address ``proposer`` at ``height``.

        CometBFT applies a validator update two heights after the block that made it, Klayr one
        height after: the sets in force over those heights are searched, newest first.
        """
        for at in range(height, max(height - 3, -1), -1):
            try:
                validators = self.validator_sets.get(at)
            except NotFoundError:
                break
            for validator in validators.validators:
                if consensus_address(validator.generator_key) == proposer:
                    return validator.address
        self.logger.warning(
            "proposer %s is no known validator at height %d", proposer.hex(), height
        )
        return bytes(20)

    def _header_for(self, height: int, seconds: int, proposer: bytes) -> BlockHeader:
        last = self.last_header()
        if height != last.height + 1:
            raise ProposalError(
                f"CometBFT height {height} does not follow the last Klayr block {last.height}"
            )
        return draft_header(
            height=height,
            timestamp=seconds,
            previous_block_id=last.id,
            generator_address=self._klayr_address(proposer, height),
        )

    # -- start --------------------------------------------------------------------------------

    def info(self, request: abci.RequestInfo) -> abci.ResponseInfo:
        """The last committed height and its state root as the app hash."""
        height = self.height
        if height < 0:
            return abci.ResponseInfo(data="klayr_py", last_block_height=0)
        root = self.storage.get_header_by_height(height).state_root
        return abci.ResponseInfo(
            data="klayr_py", last_block_height=height, last_block_app_hash=root
        )

    def init_chain(self, request: abci.RequestInitChain) -> abci.ResponseInitChain:
        """Apply the Klayr genesis block carried in ``app_state`` (``{"genesisBlock": ...}``)."""
        try:
            state = json.loads(request.app_state_bytes or b"{}")
            genesis = Block.from_json(state["genesisBlock"])
            genesis.validate_genesis()
        except (KeyError, TypeError, ValueError, KlayrError) as error:
            raise KlayrError(
                f"CometBFT genesis app_state must hold the Klayr genesis block as "
                f'{{"genesisBlock": <Klayr JSON>}}: {error}'
            ) from None
        header = genesis.header
        if request.initial_height != header.height + 1:
            raise KlayrError(
                f"CometBFT initial_height {request.initial_height} must be the Klayr genesis "
                f"height + 1 ({header.height + 1})"
            )
        if self.height >= 0:  # a restart before CometBFT stored a block: the same genesis
            if self.storage.get_block_id(header.height) != genesis.id:
                raise KlayrError("the database holds another chain's genesis block")
        else:
            self._apply_genesis(genesis)
        validators = self.validator_sets.get(header.height + 1)
        return abci.ResponseInitChain(
            validators=validator_updates({}, weights_of(validators)),
            app_hash=header.state_root,
        )

    def _apply_genesis(self, genesis: Block) -> None:
        header = genesis.header
        context_id = self.abi.init_state_machine(InitStateMachineRequest(header)).context_id
        try:
            response = self.abi.init_genesis_state(
                InitGenesisStateRequest(context_id, genesis.assets)
            )
            if response.next_validators is None:
                raise KlayrError("the genesis block sets no validators")
            if compute_validators_hash(response.next_validators) != header.validators_hash:
                raise KlayrError("genesis validatorsHash does not match its validators")
            batch = self.db.new_batch()
            self.storage.save_block(batch, genesis, response.events, finalized_height=header.height)
            self.validator_sets.save(batch, header.height + 1, response.next_validators)
            self.abi.commit(
                CommitRequest(context_id, expected_state_root=header.state_root, batch=batch)
            )
        finally:
            self.abi.clear(ClearRequest())
        self._last_header = header
        self._nonces.clear()
        self.abi.finalize(FinalizeRequest(header.height))
        self.logger.info("genesis block %s applied", genesis.id.hex())
        for listener in self.new_block_listeners:
            listener(genesis, response.events)

    # -- mempool ------------------------------------------------------------------------------

    def check_tx(self, request: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        """Pool admission: decodes, not in the chain, and the state machine's verification."""
        try:
            transaction = Transaction.from_bytes(request.tx)
        except (KlayrError, ValueError) as error:
            return abci.ResponseCheckTx(
                code=TxCode.UNDECODABLE, log=f"not a Klayr transaction: {error}"
            )
        if self.storage.has_transaction(transaction.id):
            return abci.ResponseCheckTx(
                code=TxCode.INVALID, log=f"transaction {transaction.id.hex()} is in the chain"
            )
        if request.type == abci.CheckTxType.RECHECK:
            recheck = self._recheck(transaction)
            if recheck is not None:
                return recheck
        elif self.admitted(transaction.id):
            # This node's pool ran the same checks on the same committed state when the RPC
            # handed it over; a block since then is caught by the recheck after the next one.
            return abci.ResponseCheckTx(code=TxCode.OK)
        try:  # the transaction's own shape, before the state machine sees it (as the pool does)
            transaction.validate()
        except KlayrError as error:
            return abci.ResponseCheckTx(
                code=TxCode.INVALID, log=f"transaction {transaction.id.hex()}: {error}"
            )
        last = self.last_header()
        verification = self.abi.verify_transaction(
            VerifyTransactionRequest(
                transaction, header=HeaderInfo(last.height + 1, last.timestamp)
            )
        )
        # PENDING (a nonce ahead of the account's) waits in the mempool, as in Klayr's pool.
        if verification.status is VerifyStatus.FAIL:
            return abci.ResponseCheckTx(
                code=TxCode.INVALID, log=f"transaction {transaction.id.hex()}: {verification.error}"
            )
        return abci.ResponseCheckTx(code=TxCode.OK)

    def _recheck(self, transaction: Transaction) -> abci.ResponseCheckTx | None:
        """The mempool's recheck after a block: only what a block can change about a
        transaction that passed CheckTx on entry, as Cosmos SDK's ante handler does on recheck.

        Its bytes, shape and signatures cannot change; its nonce can be consumed (by it or by
        another transaction of its sender). One whose nonce is used leaves the mempool; the
        rest stay, as Klayr's pool keeps a transaction it cannot process yet (PrepareProposal
        verifies every transaction again and leaves out one that cannot pay). None when the
        sender's nonce cannot be read (no auth module): then it is verified in full.
        """
        nonce = self.confirmed_nonce(transaction.sender_address)
        if nonce is None:
            return None
        if transaction.nonce < nonce:
            return abci.ResponseCheckTx(
                code=TxCode.INVALID,
                log=f"transaction {transaction.id.hex()}: nonce {transaction.nonce} is used "
                f"(the account's next nonce is {nonce})",
            )
        return abci.ResponseCheckTx(code=TxCode.OK)

    def confirmed_nonce(self, address: bytes) -> int | None:
        """The committed nonce of ``address``, or None without an auth module. Read once per
        sender and block (rechecks and the RPC's pool admission ask for it per transaction)."""
        nonces = self._nonces
        if address not in nonces:
            try:
                account = self.abi.query(
                    QueryRequest(
                        "auth_getAuthAccount",
                        {"address": get_klayr32_address_from_address(address)},
                    )
                ).data
                nonces[address] = int(account["nonce"])
            except (KlayrError, KeyError, TypeError, ValueError):
                nonces[address] = None
        return nonces[address]

    # -- proposals ----------------------------------------------------------------------------

    def prepare_proposal(
        self, request: abci.RequestPrepareProposal
    ) -> abci.ResponsePrepareProposal:
        """Klayr's selection: fee priority first, each sender in nonce order, within
        ``maxTransactionsSize``; only transactions that verify and execute are kept."""
        self._drop_accepted()
        header = self._header_for(request.height, request.time.seconds, request.proposer_address)
        by_sender: dict[bytes, dict[int, Transaction]] = {}
        for raw in request.txs:
            try:
                transaction = Transaction.from_bytes(raw)
                transaction.validate()
            except (KlayrError, ValueError):
                continue  # CheckTx refused such bytes; a peer's mempool may not have
            by_sender.setdefault(transaction.sender_address, {})[transaction.nonce] = transaction
        queues = {
            sender: [txs[nonce] for nonce in sorted(txs)] for sender, txs in by_sender.items()
        }
        try:
            entries, executed = prepare_block(self.abi, header, queues, self.max_transactions_size)
        except BaseException:
            self.abi.clear(ClearRequest())
            raise
        self._prepared = (entries, executed)  # our own ProcessProposal of it reuses this
        return abci.ResponsePrepareProposal(txs=entries)

    def process_proposal(
        self, request: abci.RequestProcessProposal
    ) -> abci.ResponseProcessProposal:
        """Accept only a proposal whose every entry decodes, verifies and executes."""
        reject = abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.REJECT)
        prepared, self._prepared = self._prepared, None
        if prepared is not None and self._is_ours(prepared, request):
            self._accepted = (bytes(request.hash), prepared[1])
            return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)
        if prepared is not None:  # we prepared another block: close its context
            self.abi.clear(ClearRequest())
        self._drop_accepted()
        try:
            header = self._header_for(
                request.height, request.time.seconds, request.proposer_address
            )
            size = sum(len(raw) for raw in request.txs)
            if size > self.max_transactions_size + 64 * 1024:  # room for an assets entry
                raise ProposalError(f"{size} bytes of transactions, over maxTransactionsSize")
            executed = execute_block(self.abi, header, request.txs, strict=True, logger=self.logger)
            for transaction in executed.block.transactions:
                if self.storage.has_transaction(transaction.id):
                    raise ProposalError(f"transaction {transaction.id.hex()} is in the chain")
        except (ProposalError, KlayrError) as error:
            self.abi.clear(ClearRequest())
            self.logger.warning("rejected the proposal of height %d: %s", request.height, error)
            return reject
        except BaseException:
            self.abi.clear(ClearRequest())
            raise
        self._accepted = (bytes(request.hash), executed)
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def _is_ours(
        self, prepared: tuple[list[bytes], ExecutedBlock], request: abci.RequestProcessProposal
    ) -> bool:
        """Whether ``request`` proposes exactly the block this node prepared."""
        header = prepared[1].block.header
        return (
            list(request.txs) == prepared[0]
            and request.height == header.height
            and request.time.seconds == header.timestamp
            and self._klayr_address(request.proposer_address, request.height)
            == header.generator_address
        )

    def _drop_accepted(self) -> None:
        """Forget an executed proposal that is not being finalized (another round or block)."""
        if self._accepted is not None or self._prepared is not None:
            self._accepted = self._prepared = None
            self.abi.clear(ClearRequest())

    # -- blocks -------------------------------------------------------------------------------

    def finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        """Execute the decided block; its state root is the app hash. Nothing is written yet."""
        accepted, self._accepted = self._accepted, None
        if self._prepared is not None:  # prepared, never processed: a context to close
            self._prepared = None
            self.abi.clear(ClearRequest())
        if accepted is not None and accepted[0] == bytes(request.hash) and request.hash:
            executed = accepted[1]  # executed by ProcessProposal: the same block, the same state
            header = executed.block.header
        else:
            self.abi.clear(ClearRequest())  # whatever was executed and not committed
            header = self._header_for(
                request.height, request.time.seconds, request.proposer_address
            )
            executed = execute_block(
                self.abi, header, request.txs, strict=False, logger=self.logger
            )
        current = self.validator_sets.get(header.height)
        following = executed.next_validators or current
        block = executed.block
        executed.block = replace(
            block,
            header=replace(block.header, validators_hash=compute_validators_hash(following)),
        )
        self._executed = executed
        tx_indices = {event.index for outcome in executed.outcomes for event in outcome.events}
        for outcome in executed.outcomes:
            if outcome.code >= TxCode.INVALID:
                self.logger.info("block %d left out an entry: %s", header.height, outcome.log)
        response = abci.ResponseFinalizeBlock(
            validator_updates=(
                validator_updates(weights_of(current), weights_of(following))
                if executed.next_validators is not None
                else []
            ),
            app_hash=block.header.state_root,
        )
        add_abci_events(response.events, (e for e in executed.events if e.index not in tx_indices))
        for outcome in executed.outcomes:  # built in place: no message copied into another
            result = response.tx_results.add()
            result.code, result.log = outcome.code, outcome.log
            add_abci_events(result.events, outcome.events)
        return response

    def commit(self, request: abci.RequestCommit) -> abci.ResponseCommit:
        """The block's one atomic write: state, tree, diff, block record, events, validators."""
        executed = self._executed
        if executed is None:
            raise KlayrError("Commit without a finalized block")
        block, height = executed.block, executed.block.header.height
        batch = self.db.new_batch()
        self.storage.save_block(batch, block, executed.events, finalized_height=height)
        if executed.next_validators is not None:
            self.validator_sets.save(batch, height + 1, executed.next_validators)
        try:
            self.abi.commit(
                CommitRequest(
                    executed.context_id, expected_state_root=block.header.state_root, batch=batch
                )
            )
        finally:
            self.abi.clear(ClearRequest())
            self._executed = None
        self._last_header = block.header
        self._nonces.clear()
        self.abi.finalize(FinalizeRequest(height))
        self.logger.info(
            "block %d %s: %d transactions, %d events",
            height,
            block.id.hex(),
            len(block.transactions),
            len(executed.events),
        )
        for listener in self.new_block_listeners:
            listener(block, executed.events)
        return abci.ResponseCommit()

    # -- reads --------------------------------------------------------------------------------

    def query(self, request: abci.RequestQuery) -> abci.ResponseQuery:
        """``/endpoint/<name>`` (JSON params in ``data``), ``/prove`` (``{"keys": [hex]}``),
        ``/chain/lastBlock``, ``/chain/block/<height>``; the value is JSON."""
        path = request.path
        try:
            params = json.loads(request.data) if request.data else {}
            if path.startswith("/endpoint/"):
                last = self.last_header()
                value = self.abi.query(
                    QueryRequest(
                        path.removeprefix("/endpoint/"),
                        params,
                        HeaderInfo(last.height, last.timestamp),
                    )
                ).data
            elif path == "/prove":
                keys = [bytes.fromhex(key) for key in params["keys"]]
                value = self.abi.prove(ProveRequest(keys)).proof.to_json()
            elif path == "/chain/lastBlock":
                value = self.last_block().to_json()
            elif path.startswith("/chain/block/"):
                height = int(path.removeprefix("/chain/block/"))
                value = self.storage.get_block_by_height(height).to_json()
            else:
                raise NotFoundError(f"no query path {path!r}")
        except NotFoundError as error:
            return abci.ResponseQuery(code=CODE_NOT_FOUND, log=str(error), height=self.height)
        except (KlayrError, ValueError, KeyError, TypeError) as error:
            return abci.ResponseQuery(code=CODE_BAD_QUERY, log=str(error), height=self.height)
        return abci.ResponseQuery(
            code=0, value=json.dumps(value, default=_json_default).encode(), height=self.height
        )


def _json_default(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON")
