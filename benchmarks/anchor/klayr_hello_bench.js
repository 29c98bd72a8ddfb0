/*
 * Klayr's side of benchmarks/bench_anchor.py: klayr-framework 0.12.3's own StateMachine and
 * ABIHandler with the Hello module (hello_module.js) over lisk-db 0.3.7's StateDB, built from
 * source by build_liskdb.sh. Driven by JSON lines on stdin, answering one JSON line per request
 * on stdout, so that the Python script can interleave its rounds with klayr_py's.
 *
 * Requests:
 *   {"op": "open", "path": dir, "keys": n, "fillBatch": 50000}
 *       Open (or create) the StateDB at ``dir``; if it is empty, write n message-store entries
 *       (key i as 20 big-endian bytes, message "prefilled"), committing every fillBatch keys as
 *       heights 0, 1, ... as bench_blocks.py fills klayr_py's state. Answers {root, height,
 *       fillSeconds}.
 *   {"op": "block", "height": h, "timestamp": t, "transactions": [hex, ...]}
 *       Execute and commit one block exactly as Klayr's engine drives the application per block
 *       (engine/consensus _executeBlock and _commitBlock): initStateMachine (a new state
 *       read-writer on lisk-db), verifyAssets, beforeTransactionsExecute, per transaction
 *       verifyTransaction then executeTransaction, afterTransactionsExecute; the event root over
 *       lisk-db's in-memory SparseMerkleTree (engine's _verifyEventRoot) and the transaction root
 *       (@klayr/tree, as Block.validate); then commit: lisk-db computes the state root and writes
 *       the block's state, diff and tree nodes to RocksDB. Transactions are decoded from bytes
 *       before the clock starts, as a pool holds them. Answers the timings in ms and the roots.
 *   {"op": "root", "height": h, "addresses": [hex, ...], "message": text, "counter": n}
 *       The state-root update alone on one key batch: set the message-store entry of each
 *       address and the counter on a fresh read-writer (not timed), then time lisk-db's
 *       StateDB.commit with readonly: the sparse Merkle tree update and root, nothing written
 *       (wall ms, and the process's CPU ms over all threads).
 *   {"op": "close"}
 */
'use strict';

const readline = require('readline');
const { performance } = require('perf_hooks');
const { StateDB, SparseMerkleTree } = require('@liskhq/lisk-db');
const { Transaction, BlockHeader, Event, EVENT_KEY_LENGTH } = require('@klayr/chain');
const { regularMerkleTree } = require('@klayr/tree');
const { utils } = require('@klayr/cryptography');

const dist = 'klayr-framework/dist-node';
const { StateMachine } = require(`${dist}/state_machine/state_machine`);
const { PrefixedStateReadWriter } = require(`${dist}/state_machine/prefixed_state_read_writer`);
const { ABIHandler } = require(`${dist}/abi_handler/abi_handler`);
const { HelloModule, MessageStore, CounterStore, COUNTER_KEY } = require('./hello_module');

const CHAIN_ID = Buffer.from('04000001', 'hex');
const EMPTY = Buffer.alloc(32);
const EMPTY_HASH = utils.hash(Buffer.alloc(0));
const logger = new Proxy({}, { get: () => () => undefined });

class Bench {
  constructor() {
    this.module = new HelloModule();
    this.machine = new StateMachine();
    this.machine.registerModule(this.module);
  }

  async open({ path, keys, fillBatch }) {
    await this.machine.init(logger, { chainID: CHAIN_ID.toString('hex') }, {});
    this.db = new StateDB(path);
    this.abi = new ABIHandler({
      config: { system: { backup: { height: 0 } }, genesis: { chainID: CHAIN_ID.toString('hex') } },
      logger,
      stateMachine: this.machine,
      stateDB: this.db,
      moduleDB: undefined, // only insertAssets (block generation) uses it
      modules: [this.module],
      channel: undefined,
      chainID: CHAIN_ID,
    });
    const started = performance.now();
    let state = await this.db.getCurrentState();
    const filled = !state.root.equals(EMPTY_HASH);
    if (!filled) {
      const store = this.module.stores.get(MessageStore);
      let root = EMPTY_HASH;
      let height = 0;
      for (let start = 0; start < keys; start += fillBatch) {
        const writer = this.db.newReadWriter();
        const stateStore = new PrefixedStateReadWriter(writer);
        for (let i = start; i < Math.min(keys, start + fillBatch); i += 1) {
          const key = Buffer.alloc(20);
          key.writeUIntBE(i, 14, 6);
          await store.set(stateStore, key, { message: 'prefilled' });
        }
        root = await this.db.commit(writer, height, root);
        writer.close();
        height += 1;
      }
      state = await this.db.getCurrentState();
    }
    this.root = state.root;
    this.height = state.version;
    return {
      root: this.root.toString('hex'),
      height: this.height,
      fillSeconds: (performance.now() - started) / 1000,
      reused: filled,
    };
  }

  async block({ height, timestamp, transactions }) {
    const header = new BlockHeader({
      version: 2,
      timestamp,
      height,
      previousBlockID: EMPTY,
      generatorAddress: Buffer.alloc(20),
      transactionRoot: EMPTY,
      assetRoot: EMPTY,
      eventRoot: EMPTY,
      stateRoot: EMPTY,
      maxHeightPrevoted: 0,
      maxHeightGenerated: 0,
      impliesMaxPrevotes: true,
      validatorsHash: EMPTY,
      aggregateCommit: {
        height: 0,
        aggregationBits: Buffer.alloc(0),
        certificateSignature: Buffer.alloc(0),
      },
      signature: Buffer.alloc(0),
    });
    const txs = transactions.map(hex => Transaction.fromBytes(Buffer.from(hex, 'hex')));
    const abi = this.abi;
    const t0 = performance.now();
    const headerObject = header.toObject();
    const { contextID } = await abi.initStateMachine({ header: headerObject });
    await abi.verifyAssets({ contextID, assets: [], header: headerObject });
    const eventObjects = [];
    const before = await abi.beforeTransactionsExecute({ contextID, assets: [] });
    eventObjects.push(...before.events);
    for (const transaction of txs) {
      const verified = await abi.verifyTransaction({
        contextID,
        transaction: transaction.toObject(),
        header: headerObject,
        onlyCommand: false,
      });
      if (verified.result !== 1) {
        throw new Error(`transaction ${transaction.id.toString('hex')} failed verification`);
      }
      const executed = await abi.executeTransaction({
        contextID,
        assets: [],
        dryRun: false,
        header: headerObject,
        transaction: transaction.toObject(),
      });
      if (executed.result === -1) {
        throw new Error(`transaction ${transaction.id.toString('hex')} is invalid`);
      }
      eventObjects.push(...executed.events);
    }
    const after = await abi.afterTransactionsExecute({
      contextID,
      assets: [],
      transactions: txs.map(tx => tx.toObject()),
    });
    eventObjects.push(...after.events);
    const t1 = performance.now();
    const events = eventObjects.map((e, i) => {
      const event = new Event(e);
      event.setIndex(i);
      return event;
    });
    const pairs = [];
    for (const event of events) pairs.push(...event.keyPair());
    const eventRoot = await new SparseMerkleTree(EVENT_KEY_LENGTH).update(EMPTY_HASH, pairs);
    const tEvent = performance.now();
    const transactionRoot = regularMerkleTree.calculateMerkleRootWithLeaves(txs.map(tx => tx.id));
    const t2 = performance.now();
    let stateRoot;
    try {
      ({ stateRoot } = await abi.commit({
        contextID,
        dryRun: false,
        stateRoot: this.root,
        expectedStateRoot: Buffer.alloc(0),
      }));
    } finally {
      await abi.clear({});
    }
    const t3 = performance.now();
    this.root = stateRoot;
    this.height = height;
    return {
      execute: t1 - t0,
      roots: t2 - t1,
      eventRootMs: tEvent - t1,
      commit: t3 - t2,
      total: t3 - t0,
      stateRoot: stateRoot.toString('hex'),
      eventRoot: eventRoot.toString('hex'),
      transactionRoot: transactionRoot.toString('hex'),
      events: events.length,
    };
  }

  async rootOnly({ height, addresses, message, counter }) {
    const writer = this.db.newReadWriter();
    try {
      const stateStore = new PrefixedStateReadWriter(writer);
      const messages = this.module.stores.get(MessageStore);
      for (const address of addresses) {
        await messages.set(stateStore, Buffer.from(address, 'hex'), { message });
      }
      await this.module.stores.get(CounterStore).set(stateStore, COUNTER_KEY, { counter });
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const root = await this.db.commit(writer, height, this.root, { readonly: true });
      const t1 = performance.now();
      const used = process.cpuUsage(cpu); // every thread's, lisk-db's worker included
      return { ms: t1 - t0, cpuMs: (used.user + used.system) / 1000, root: root.toString('hex') };
    } finally {
      writer.close();
    }
  }
}

async function main() {
  const bench = new Bench();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const request = JSON.parse(line);
    let answer;
    try {
      if (request.op === 'open') answer = await bench.open(request);
      else if (request.op === 'block') answer = await bench.block(request);
      else if (request.op === 'root') answer = await bench.rootOnly(request);
      else if (request.op === 'close') {
        if (bench.db) bench.db.close();
        // lisk-db's channel keeps the event loop alive after close: leave explicitly.
        process.stdout.write(`${JSON.stringify({ closed: true })}\n`, () => process.exit(0));
        return;
      } else throw new Error(`unknown op ${request.op}`);
    } catch (error) {
      answer = { error: String(error && error.stack ? error.stack : error) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
