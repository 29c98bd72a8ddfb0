/*
 * Klayr's own state machine and default modules (klayr-framework 0.12.3) over an in-memory state,
 * driven block by block as Klayr's generator drives them: the oracle of the differential tests.
 *
 * lisk-db (a Rust/neon native module whose prebuilt binary cannot be downloaded here) is replaced
 * by a small in-memory StateReadWriter with lisk-db's semantics: reads see the block's own writes,
 * snapshot() returns an index, restoreSnapshot(i) returns the cache to it, range() merges the
 * cache with the committed state in key order, and a block's writes are committed at its end.
 *
 * Input (JSON): {chainID, blockTime, moduleConfigs, genesisBlock: hex, extraState: [[keyHex,
 * valueHex]], blocks: [{header: hex, transactions: [hex]}]}. The genesis block runs first (its
 * assets through the modules' initGenesisState), then extraState is written (state that Klayr's
 * four modules cannot produce: the validators' entries PoA/PoS would write). Output: the genesis
 * block's {events, state}, then per block every transaction's verification {status, message},
 * its execution result (when it verified), the block's events (indexed as the generator indexes
 * them), the whole state afterwards, and what a dry run of each of the block's transactions
 * answers on that state.
 */
'use strict';

const Module = require('module');
const liskDbError = require('@liskhq/lisk-db/error');

const shim = {
  NotFoundError: liskDbError.NotFoundError,
  Database: class {},
  InMemoryDatabase: class {},
  StateDB: class {},
  SparseMerkleTree: class {},
  Batch: class {},
};
const originalLoad = Module._load;
Module._load = function load(request, ...rest) {
  if (request === '@liskhq/lisk-db') {
    return shim;
  }
  return originalLoad.call(this, request, ...rest);
};

const dist = 'klayr-framework/dist-node';
const { Block, Transaction, BlockHeader, BlockAssets } = require('@klayr/chain');
const sm = require(`${dist}/state_machine`);
const { StateMachine } = require(`${dist}/state_machine/state_machine`);
const { PrefixedStateReadWriter } = require(`${dist}/state_machine/prefixed_state_read_writer`);
const { AuthModule } = require(`${dist}/modules/auth`);
const { TokenModule } = require(`${dist}/modules/token`);
const { FeeModule } = require(`${dist}/modules/fee`);
const { ValidatorsModule } = require(`${dist}/modules/validators`);

const { BaseModule } = require(`${dist}/modules/base_module`);
const { BaseCommand } = require(`${dist}/modules/base_command`);

const hex = b => Buffer.from(b).toString('hex');

// The probe module of tests/modules/conformance/probe.py: calls token and fee methods as other
// modules would.
const probeParamsSchema = {
  $id: '/conformance/probeParams',
  type: 'object',
  required: ['operation', 'tokenID', 'amount', 'address', 'module'],
  properties: {
    operation: { dataType: 'string', fieldNumber: 1 },
    tokenID: { dataType: 'bytes', fieldNumber: 2 },
    amount: { dataType: 'uint64', fieldNumber: 3 },
    address: { dataType: 'bytes', fieldNumber: 4 },
    module: { dataType: 'string', fieldNumber: 5 },
  },
};

class ProbeCommand extends BaseCommand {
  constructor(stores, events) {
    super(stores, events);
    this.schema = probeParamsSchema;
  }

  init(token, fee) {
    this._token = token;
    this._fee = fee;
  }

  async execute(context) {
    const { params } = context;
    const methodContext = context.getMethodContext();
    const sender = context.transaction.senderAddress;
    const { tokenID, amount } = params;
    switch (params.operation) {
      case 'lock': return this._token.lock(methodContext, sender, params.module, tokenID, amount);
      case 'unlock': return this._token.unlock(methodContext, sender, params.module, tokenID, amount);
      case 'burn': return this._token.burn(methodContext, sender, tokenID, amount);
      case 'mint': return this._token.mint(methodContext, params.address, tokenID, amount);
      case 'transfer':
        return this._token.transfer(methodContext, sender, params.address, tokenID, amount);
      case 'payFee': return this._fee.payFee(methodContext, amount);
      case 'initializeToken': return this._token.initializeToken(methodContext, tokenID);
      default: throw new Error(`unknown probe operation ${params.operation}`);
    }
  }
}

class ProbeModule extends BaseModule {
  constructor() {
    super();
    this.probeCommand = new ProbeCommand(this.stores, this.events);
    this.commands = [this.probeCommand];
  }

  addDependencies(token, fee) {
    this.probeCommand.init(token, fee);
  }

  metadata() {
    return { ...this.baseMetadata(), endpoints: [], assets: [] };
  }
}

/** The committed state: hex key -> Buffer. */
class MemoryStateDB {
  constructor(entries) {
    this.entries = new Map(entries.map(([k, v]) => [k, Buffer.from(v, 'hex')]));
  }
}

/** lisk-db's StateReadWriter over MemoryStateDB: a write cache (null = deleted) with snapshots. */
class MemoryReadWriter {
  constructor(db) {
    this.db = db;
    this.cache = new Map();
    this.snapshots = [];
  }

  async get(key) {
    const k = hex(key);
    const value = this.cache.has(k) ? this.cache.get(k) : this.db.entries.get(k);
    if (value === null || value === undefined) {
      throw new liskDbError.NotFoundError(`Key ${k} does not exist.`);
    }
    return Buffer.from(value);
  }

  async has(key) {
    const k = hex(key);
    const value = this.cache.has(k) ? this.cache.get(k) : this.db.entries.get(k);
    return value !== null && value !== undefined;
  }

  async set(key, value) {
    this.cache.set(hex(key), Buffer.from(value));
  }

  async del(key) {
    this.cache.set(hex(key), null);
  }

  async range(options = {}) {
    const merged = new Map(this.db.entries);
    for (const [k, v] of this.cache) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    const gte = options.gte ? hex(options.gte) : undefined;
    const lte = options.lte ? hex(options.lte) : undefined;
    let keys = [...merged.keys()]
      .filter(k => (gte === undefined || k >= gte) && (lte === undefined || k <= lte))
      .sort();
    if (options.reverse) keys.reverse();
    if (options.limit !== undefined && options.limit >= 0) keys = keys.slice(0, options.limit);
    return keys.map(k => ({ key: Buffer.from(k, 'hex'), value: Buffer.from(merged.get(k)) }));
  }

  snapshot() {
    this.snapshots.push(new Map(this.cache));
    return this.snapshots.length - 1;
  }

  restoreSnapshot(index = 0) {
    this.cache = new Map(this.snapshots[index]);
    this.snapshots.length = index;
  }

  commit() {
    for (const [k, v] of this.cache) {
      if (v === null) this.db.entries.delete(k);
      else this.db.entries.set(k, v);
    }
    this.cache = new Map();
    this.snapshots = [];
  }

  close() {}
}

const logger = new Proxy({}, { get: () => () => undefined });
// Cross-chain paths are never taken on a single chain; a call would be a harness bug, so say so.
const noInteroperability = new Proxy(
  {},
  { get: (_, name) => () => { throw new Error(`interoperability method ${String(name)} called`); } },
);

const eventJSON = (event, index) => {
  const e = event.toObject();
  return {
    module: e.module,
    name: e.name,
    topics: e.topics.map(hex),
    data: hex(e.data),
    index,
    height: e.height,
  };
};

/**
 * What txpool_dryRunTransaction answers for each transaction on the committed state: Klayr's
 * engine verifies (non-strict: the command only) and executes under the last block's header,
 * each step on a fresh state read-writer that is never committed.
 */
async function dryRuns(machine, db, header, assets, chainID, transactions) {
  const answers = [];
  for (const txHex of transactions) {
    const transaction = Transaction.fromBytes(Buffer.from(txHex, 'hex'));
    const context = eventQueue =>
      new sm.TransactionContext({
        eventQueue, logger, transaction, chainID, header, assets,
        stateStore: new PrefixedStateReadWriter(new MemoryReadWriter(db)),
        contextStore: new Map(),
      });
    const verified = await machine.verifyTransaction(context(new sm.EventQueue(0)), true);
    if (verified.status === -1) {
      answers.push({ result: -1, events: [], message: verified.error ? verified.error.message : '' });
      continue;
    }
    const executeContext = context(new sm.EventQueue(header.height));
    const result = await machine.executeTransaction(executeContext);
    const events = executeContext.eventQueue.getEvents();
    answers.push({ result, events: events.map(e => eventJSON(e, e.toObject().index)), message: '' });
  }
  return answers;
}

const dump = db =>
  [...db.entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, hex(v)]);

async function run(input) {
  const auth = new AuthModule();
  const validators = new ValidatorsModule();
  const token = new TokenModule();
  const fee = new FeeModule();
  // As Klayr's Application.defaultApplication wires them.
  fee.addDependencies(token.method, noInteroperability);
  token.addDependencies(noInteroperability, fee.method);
  const probe = new ProbeModule();
  probe.addDependencies(token.method, fee.method);
  const machine = new StateMachine();
  for (const mod of [auth, validators, token, fee, probe]) machine.registerModule(mod);
  const genesisConfig = { chainID: input.chainID, blockTime: input.blockTime };
  await machine.init(logger, genesisConfig, input.moduleConfigs);

  const chainID = Buffer.from(input.chainID, 'hex');
  const db = new MemoryStateDB([]);
  const genesis = Block.fromBytes(Buffer.from(input.genesisBlock, 'hex'));
  const genesisWriter = new MemoryReadWriter(db);
  const genesisContext = new sm.GenesisBlockContext({
    eventQueue: new sm.EventQueue(genesis.header.height),
    header: genesis.header,
    logger,
    stateStore: new PrefixedStateReadWriter(genesisWriter),
    assets: genesis.assets,
    chainID,
  });
  await machine.executeGenesisBlock(genesisContext);
  genesisWriter.commit();
  const results = [
    { events: genesisContext.eventQueue.getEvents().map(eventJSON), state: dump(db) },
  ];
  for (const [k, v] of input.extraState) db.entries.set(k, Buffer.from(v, 'hex'));
  for (const block of input.blocks) {
    const header = BlockHeader.fromBytes(Buffer.from(block.header, 'hex'));
    const writer = new MemoryReadWriter(db);
    const stateStore = new PrefixedStateReadWriter(writer);
    const contextStore = new Map();
    const assets = new BlockAssets([]);
    const events = [];
    const blockContext = txs =>
      new sm.BlockContext({
        header, logger, stateStore, contextStore, chainID, assets,
        eventQueue: new sm.EventQueue(header.height),
        transactions: txs,
      });
    const before = blockContext([]);
    await machine.beforeTransactionsExecute(before);
    events.push(...before.eventQueue.getEvents());
    const verifications = [];
    const executions = [];
    const kept = [];
    for (const txHex of block.transactions) {
      const transaction = Transaction.fromBytes(Buffer.from(txHex, 'hex'));
      const verifyContext = new sm.TransactionContext({
        eventQueue: new sm.EventQueue(0), logger, transaction, stateStore, contextStore, chainID,
        header,
      });
      const verified = await machine.verifyTransaction(verifyContext, false);
      verifications.push({
        status: verified.status,
        message: verified.error ? verified.error.message : '',
      });
      if (verified.status !== 1) {
        executions.push(null);
        continue;
      }
      const executeContext = new sm.TransactionContext({
        eventQueue: new sm.EventQueue(header.height), logger, transaction, stateStore,
        contextStore, chainID, assets, header,
      });
      const status = await machine.executeTransaction(executeContext);
      executions.push(status);
      if (status === -1) continue; // INVALID: the generator leaves it out
      kept.push(transaction);
      events.push(...executeContext.eventQueue.getEvents());
    }
    const after = blockContext(kept);
    await machine.afterExecuteBlock(after);
    events.push(...after.eventQueue.getEvents());
    writer.commit();
    results.push({
      verifications,
      executions,
      events: events.map(eventJSON),
      state: dump(db),
      dryRuns: await dryRuns(machine, db, header, assets, chainID, block.transactions),
    });
  }
  return results;
}

module.exports = { run, MemoryReadWriter, MemoryStateDB };

if (require.main === module) {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  run(input).then(
    out => process.stdout.write(JSON.stringify(out)),
    error => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}
