"""A KlayrAbciApp over in-memory databases: the hello dev chain driven by hand-made requests."""

from __future__ import annotations

import json
from pathlib import Path

from klayr_py.chain import Block
from klayr_py.db import InMemoryDatabase
from klayr_py.node.cometbft.home import consensus_address
from klayr_py.node.cometbft.klayr_app import KlayrAbciApp
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.dev import dev_genesis_assets
from klayr_py.state import OffchainStore, StateStore
from klayr_py.state_machine.abi_handler import ABIHandler
from tests.node.dev_chain import (
    ACCOUNTS,
    CHAIN_ID,
    GENESIS_TIMESTAMP,
    INITIAL_BALANCE,
    VALIDATORS,
    make_app,
)


class AbciChain:
    """The app, its genesis block and helpers that play CometBFT's part."""

    def __init__(self, tmp: Path) -> None:
        self.app = make_app(tmp)
        assets = dev_genesis_assets(
            CHAIN_ID, VALIDATORS, [(a.address, INITIAL_BALANCE) for a in ACCOUNTS]
        )
        self.genesis: Block = self.app.create_genesis_block(assets, GENESIS_TIMESTAMP)
        self.db = InMemoryDatabase()
        abi = ABIHandler(
            self.app.state_machine, StateStore(self.db), OffchainStore(InMemoryDatabase()), CHAIN_ID
        )
        self.abci = KlayrAbciApp(abi=abi, db=self.db, chain_id=CHAIN_ID)
        self.time = GENESIS_TIMESTAMP

    def init_chain(self) -> abci.ResponseInitChain:
        state = json.dumps({"genesisBlock": self.genesis.to_json()}).encode()
        return self.abci.init_chain(
            abci.RequestInitChain(app_state_bytes=state, initial_height=1, chain_id="klayr-test")
        )

    def proposer(self, index: int = 0) -> bytes:
        return consensus_address(VALIDATORS[index].public_key)

    def finalize(self, txs: list[bytes], proposer: int = 0) -> abci.ResponseFinalizeBlock:
        self.time += 1
        request = abci.RequestFinalizeBlock(
            txs=txs, height=self.abci.height + 1, proposer_address=self.proposer(proposer)
        )
        request.time.seconds = self.time
        return self.abci.finalize_block(request)

    def block(self, txs: list[bytes], proposer: int = 0) -> abci.ResponseFinalizeBlock:
        response = self.finalize(txs, proposer)
        self.abci.commit(abci.RequestCommit())
        return response

    def query(self, path: str, params: object = None) -> abci.ResponseQuery:
        data = json.dumps(params).encode() if params is not None else b""
        return self.abci.query(abci.RequestQuery(path=path, data=data))
