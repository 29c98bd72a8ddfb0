"""Differential tests against Klayr's own @klayr/chain (npm), skipped without Node.js.

The package index loads lisk-db's native binary, which cannot be fetched here, so the scripts
require the dist-node files (transaction, block_header, block_assets, block, event) directly.
Each test draws a batch of hypothesis examples and checks them all in one Node.js process.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import strategies as st

from klayr_py.chain import (
    Block,
    BlockAssets,
    Event,
    compute_transaction_root,
)
from klayr_py.errors import ChainError
from klayr_py.tree import merkle_root
from tests.oracle.node import require_oracle, run_node

from .strategies import (
    block_assets,
    block_headers,
    draw_many,
    events,
    private_keys,
    transactions,
)

_PRELUDE = """
const { codec } = require('@klayr/codec');
const { regularMerkleTree, MerkleTree } = require('@klayr/tree');
const { Transaction } = require('@klayr/chain/dist-node/transaction');
const { BlockHeader } = require('@klayr/chain/dist-node/block_header');
const { BlockAssets } = require('@klayr/chain/dist-node/block_assets');
const { Block } = require('@klayr/chain/dist-node/block');
const { Event } = require('@klayr/chain/dist-node/event');
const { eventSchema } = require('@klayr/chain/dist-node/schema');
const hex = b => b.toString('hex');
const buf = h => Buffer.from(h, 'hex');
const outcome = f => { try { f(); return 'ok'; } catch (e) {
  return e.constructor.name === 'KlayrvalidationError' ? 'schema' : e.message; } };
"""

# The first words of each of Klayr's messages, and what ours start with for the same rule.
_RULES = {
    "Invalid module name": "module name",
    "Invalid command name": "command name",
    "Params exceeds": "params size",
    "Signatures must not be empty": "no signatures",
    "Signature must be empty or": "signature length",
    "Previous block id must not be empty": "previous block id",
    "Signature length must be": "header signature length",
    "Module with ID": "asset",
    "Assets are not sorted": "asset order",
    "Invalid transaction root": "transaction root",
    "Invalid assets root": "asset root",
    "Invalid asset root": "asset root",
}


def _rule(message: str) -> str:
    """Which of Klayr's rules a message (Klayr's or ours) reports."""
    if message in ("ok", "schema") or message.startswith("invalid "):
        return "schema" if message != "ok" else "ok"
    for prefix, rule in _RULES.items():
        if message.startswith(prefix):
            if rule == "asset":
                return "asset duplicate" if "duplicate" in message else "asset size"
            return rule
    return message


def _outcome(check: Any) -> str:
    try:
        check()
    except ChainError as exc:
        return _rule(str(exc))
    return "ok"


@pytest.fixture(autouse=True)
def _oracle() -> None:
    require_oracle("@klayr/chain")


def test_transactions_equal_klayrs() -> None:
    drawn = draw_many(
        st.tuples(
            st.one_of(transactions(), transactions(valid=False)),
            private_keys(),
            st.binary(min_size=4, max_size=4),
        ),
        100,
    )
    cases = [(tx, key, chain_id) for tx, key, chain_id in drawn]
    theirs = run_node(
        _PRELUDE
        + """
output(input.map(({ json, key, chainID }) => {
  const tx = Transaction.fromJSON(json);
  const out = { bytes: hex(tx.getBytes()), id: hex(tx.id), signing: hex(tx.getSigningBytes()),
    address: hex(tx.senderAddress), validate: outcome(() => tx.validate()) };
  tx.sign(buf(chainID), buf(key));
  // Klayr's sign() keeps the ID cached before signing: read the signed one afresh.
  out.json = new Transaction(tx).toJSON();
  out.fromBytes = Transaction.fromBytes(buf(out.bytes)).toJSON();
  return out;
}));
""",
        [
            {"json": tx.to_json(), "key": key.hex(), "chainID": chain_id.hex()}
            for tx, key, chain_id in cases
        ],
    )
    assert len(theirs) == len(cases)
    for (tx, key, chain_id), their in zip(cases, theirs, strict=True):
        assert their["bytes"] == tx.get_bytes().hex()
        assert their["id"] == tx.id.hex()
        assert their["signing"] == tx.get_signing_bytes().hex()
        assert their["address"] == tx.sender_address.hex()
        assert _rule(their["validate"]) == _outcome(tx.validate), tx
        assert their["json"] == tx.sign(chain_id, key).to_json()
        assert their["fromBytes"] == tx.to_json()


def test_block_headers_equal_klayrs() -> None:
    cases = draw_many(
        st.tuples(
            block_headers(signed_length=False), private_keys(), st.binary(min_size=4, max_size=4)
        ),
        60,
    )
    # Some genesis-shaped headers, so validateGenesis passes as well as fails.
    cases += [
        (
            replace(
                header,
                previous_block_id=bytes(32),
                generator_address=bytes(20),
                transaction_root=bytes.fromhex(
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                ),
                max_height_prevoted=header.height,
                max_height_generated=0,
                implies_max_prevotes=True,
                aggregate_commit=replace(
                    header.aggregate_commit,
                    height=header.height,
                    aggregation_bits=b"",
                    certificate_signature=b"",
                ),
                signature=b"",
            ),
            key,
            chain_id,
        )
        for header, key, chain_id in cases[:15]
    ]
    theirs = run_node(
        _PRELUDE
        + """
output(input.map(({ json, key, chainID }) => {
  const h = BlockHeader.fromJSON(json);
  const out = { bytes: hex(h.getBytes()), id: hex(h.id), signing: hex(h.getSigningBytes()),
    json: h.toJSON(), validate: outcome(() => h.validate()),
    genesis: outcome(() => h.validateGenesis()) };
  h.sign(buf(chainID), buf(key));
  out.signature = hex(h.signature);
  // Klayr's sign() keeps the ID cached before signing: read the signed one afresh.
  out.signedId = hex(BlockHeader.fromBytes(h.getBytes()).id);
  out.verifies = outcome(() => h.validateSignature(buf(key).subarray(32), buf(chainID)));
  return out;
}));
""",
        [
            {"json": header.to_json(), "key": key.hex(), "chainID": chain_id.hex()}
            for header, key, chain_id in cases
        ],
    )
    genesis_passed = 0
    for (header, key, chain_id), their in zip(cases, theirs, strict=True):
        assert their["bytes"] == header.get_bytes().hex()
        assert their["id"] == header.id.hex()
        assert their["signing"] == header.get_signing_bytes().hex()
        assert their["json"] == header.to_json()
        assert _rule(their["validate"]) == _outcome(header.validate)
        assert (their["genesis"] == "ok") == (_outcome(header.validate_genesis) == "ok")
        genesis_passed += their["genesis"] == "ok"
        signed = header.sign(chain_id, key)
        assert their["signature"] == signed.signature.hex()
        assert their["signedId"] == signed.id.hex()
        assert their["verifies"] == "ok"
        signed.validate_signature(key[32:], chain_id)
    assert genesis_passed >= 15


def test_block_assets_equal_klayrs() -> None:
    cases = draw_many(st.one_of(block_assets(), block_assets(valid=False)), 120)
    theirs = run_node(
        _PRELUDE
        + """
(async () => {
  const results = [];
  for (const json of input) {
    const assets = BlockAssets.fromJSON(json);
    results.push({ bytes: assets.getBytes().map(hex), root: hex(await assets.getRoot()),
      json: assets.toJSON(), validate: outcome(() => assets.validate()),
      genesis: outcome(() => assets.validateGenesis()) });
  }
  output(results);
})();
""",
        [assets.to_json() for assets in cases],
    )
    for assets, their in zip(cases, theirs, strict=True):
        assert their["bytes"] == [b.hex() for b in assets.get_bytes()]
        assert their["root"] == assets.get_root().hex()
        assert their["json"] == assets.to_json()
        assert _rule(their["validate"]) == _outcome(assets.validate), assets
        assert _rule(their["genesis"]) == _outcome(assets.validate_genesis), assets


@st.composite
def _blocks(draw: st.DrawFn) -> Block:
    txs = draw(st.lists(transactions(), max_size=12))
    assets = draw(block_assets())
    header = draw(block_headers())
    if draw(st.booleans()):  # a block that commits to its content
        header = replace(
            header, transaction_root=compute_transaction_root(txs), asset_root=assets.get_root()
        )
    elif draw(st.booleans()):
        header = replace(header, asset_root=assets.get_root())
    return Block(header, txs, assets)


def test_blocks_and_transaction_roots_equal_klayrs() -> None:
    cases: list[Block] = draw_many(_blocks(), 50)
    theirs = run_node(
        _PRELUDE
        + """
(async () => {
  const results = [];
  for (const json of input) {
    const block = Block.fromJSON(json);
    const ids = block.transactions.map(tx => tx.id);
    const tree = new MerkleTree();
    await tree.init(ids);
    results.push({ bytes: hex(block.getBytes()), json: block.toJSON(),
      leavesRoot: hex(regularMerkleTree.calculateMerkleRootWithLeaves(ids)),
      treeRoot: hex(tree.root), validate: outcome(() => block.validate()) });
  }
  output(results);
})();
""",
        [block.to_json() for block in cases],
    )
    valid = 0
    for block, their in zip(cases, theirs, strict=True):
        assert their["bytes"] == block.get_bytes().hex()
        assert their["json"] == block.to_json()
        root = compute_transaction_root(block.transactions).hex()
        assert their["leavesRoot"] == root
        assert their["treeRoot"] == root
        assert _rule(their["validate"]) == _outcome(block.validate)
        assert Block.from_bytes(bytes.fromhex(their["bytes"])) == block
        valid += their["validate"] == "ok"
    assert valid > 0


def test_events_equal_klayrs() -> None:
    pool = [b"", b"\x01" * 32, b"topic"]
    cases: list[Event] = draw_many(st.one_of(events(), events(topic_pool=pool)), 150)
    theirs = run_node(
        _PRELUDE
        + """
output(input.map(json => {
  const e = new Event(codec.fromJSON(eventSchema, json));
  return { bytes: hex(e.getBytes()), id: hex(e.id()), json: e.toJSON(),
    pairs: e.keyPair().map(p => [hex(p.key), hex(p.value)]) };
}));
""",
        [event.to_json() for event in cases],
    )
    for event, their in zip(cases, theirs, strict=True):
        assert their["bytes"] == event.get_bytes().hex()
        assert their["id"] == event.id.hex()
        assert their["json"] == event.to_json()
        assert their["pairs"] == [[k.hex(), v.hex()] for k, v in event.key_pairs()]


def test_asset_root_is_klayrs_merkle_root() -> None:
    assets = BlockAssets().with_asset("a", b"\x01").with_asset("b", b"").with_asset("c", b"\x02")
    their = run_node(
        _PRELUDE + "output(hex(regularMerkleTree.calculateMerkleRootWithLeaves(input.map(buf))));",
        [b.hex() for b in assets.get_bytes()],
    )
    assert their == assets.get_root().hex() == merkle_root(assets.get_bytes()).hex()
