"""What an ABCI 2.0 application answers: one method per CometBFT request, CometBFT's defaults.

:class:`AbciApplication` answers like CometBFT's ``BaseApplication`` (``abci/types/
application.go``): every transaction is accepted and executed as OK, proposals are accepted,
no snapshots. A real application overrides the methods it gives meaning to; the method names are
the ``Request`` oneof field names, so :func:`~klayr_py.node.cometbft.server.handle_request`
dispatches by name.
"""

from __future__ import annotations

from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci

__all__ = ["CODE_OK", "AbciApplication"]

CODE_OK = 0
"""ABCI's success code; any other code rejects (CheckTx) or marks a failed transaction."""


class AbciApplication:
    """An ABCI 2.0 application with CometBFT's default answers."""

    def info(self, request: abci.RequestInfo) -> abci.ResponseInfo:
        """The last committed height and app hash; CometBFT replays blocks after them."""
        return abci.ResponseInfo()

    def init_chain(self, request: abci.RequestInitChain) -> abci.ResponseInitChain:
        """Apply the genesis ``app_state``; may replace the initial validator set."""
        return abci.ResponseInitChain()

    def query(self, request: abci.RequestQuery) -> abci.ResponseQuery:
        """Read committed state by path."""
        return abci.ResponseQuery(code=CODE_OK)

    def check_tx(self, request: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        """Whether a transaction may enter (or stay in) the mempool."""
        return abci.ResponseCheckTx(code=CODE_OK)

    def commit(self, request: abci.RequestCommit) -> abci.ResponseCommit:
        """Persist the block FinalizeBlock executed."""
        return abci.ResponseCommit()

    def list_snapshots(self, request: abci.RequestListSnapshots) -> abci.ResponseListSnapshots:
        """State-sync snapshots offered to peers: none."""
        return abci.ResponseListSnapshots()

    def offer_snapshot(self, request: abci.RequestOfferSnapshot) -> abci.ResponseOfferSnapshot:
        """A peer's snapshot: not used (``UNKNOWN`` makes CometBFT fall back to block sync)."""
        return abci.ResponseOfferSnapshot()

    def load_snapshot_chunk(
        self, request: abci.RequestLoadSnapshotChunk
    ) -> abci.ResponseLoadSnapshotChunk:
        """A chunk of one of our snapshots: there are none."""
        return abci.ResponseLoadSnapshotChunk()

    def apply_snapshot_chunk(
        self, request: abci.RequestApplySnapshotChunk
    ) -> abci.ResponseApplySnapshotChunk:
        """A chunk of a peer's snapshot: not used."""
        return abci.ResponseApplySnapshotChunk()

    def prepare_proposal(
        self, request: abci.RequestPrepareProposal
    ) -> abci.ResponsePrepareProposal:
        """The transactions of our proposal: the mempool's, in order, within ``max_tx_bytes``."""
        txs: list[bytes] = []
        total = 0
        for tx in request.txs:
            total += len(tx)
            if total > request.max_tx_bytes:
                break
            txs.append(tx)
        return abci.ResponsePrepareProposal(txs=txs)

    def process_proposal(
        self, request: abci.RequestProcessProposal
    ) -> abci.ResponseProcessProposal:
        """Whether to prevote for another validator's proposal."""
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, request: abci.RequestExtendVote) -> abci.ResponseExtendVote:
        """Vote extensions: none."""
        return abci.ResponseExtendVote()

    def verify_vote_extension(
        self, request: abci.RequestVerifyVoteExtension
    ) -> abci.ResponseVerifyVoteExtension:
        """Vote extensions: every (empty) one is accepted."""
        return abci.ResponseVerifyVoteExtension(status=abci.ResponseVerifyVoteExtension.ACCEPT)

    def finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        """Execute a decided block: one result per transaction, events, validator updates."""
        return abci.ResponseFinalizeBlock(
            tx_results=[abci.ExecTxResult(code=CODE_OK) for _ in request.txs]
        )
