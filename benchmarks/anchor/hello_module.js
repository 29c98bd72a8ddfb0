/*
 * The Hello module for Klayr (klayr-framework 0.12.3), mirroring examples/hello_module of klayr_py
 * (itself the Hello module of Klayr's/Lisk's hello-world example): the same module name, store
 * indices (counter 0, message 1), schemas, config defaults, verify rule and execute order, so
 * that the same transactions write the same keys and values on both sides and the state roots
 * can be compared byte for byte.
 */
'use strict';

const dist = 'klayr-framework/dist-node';
const { BaseModule } = require(`${dist}/modules/base_module`);
const { BaseCommand } = require(`${dist}/modules/base_command`);
const { BaseStore } = require(`${dist}/modules/base_store`);
const { BaseEvent } = require(`${dist}/modules/base_event`);
const { VerifyStatus } = require(`${dist}/state_machine`);
const { NotFoundError } = require('@liskhq/lisk-db/error');

/** Klayr keeps the counter, a single value, under the empty key. */
const COUNTER_KEY = Buffer.alloc(0);

const DEFAULT_CONFIG = { maxMessageLength: 256, minMessageLength: 3, blacklist: ['illegalWord1'] };

class CounterStore extends BaseStore {
  constructor(...args) {
    super(...args);
    this.schema = {
      $id: '/hello/counter',
      type: 'object',
      required: ['counter'],
      properties: { counter: { dataType: 'uint32', fieldNumber: 1 } },
    };
  }
}

class MessageStore extends BaseStore {
  constructor(...args) {
    super(...args);
    this.schema = {
      $id: '/hello/message',
      type: 'object',
      required: ['message'],
      properties: { message: { dataType: 'string', fieldNumber: 1 } },
    };
  }
}

class NewHelloEvent extends BaseEvent {
  constructor(...args) {
    super(...args);
    this.schema = {
      $id: '/hello/events/new_hello',
      type: 'object',
      required: ['senderAddress', 'message'],
      properties: {
        senderAddress: { dataType: 'bytes', fieldNumber: 1 },
        message: { dataType: 'string', fieldNumber: 2 },
      },
    };
  }
}

class CreateHelloCommand extends BaseCommand {
  init(config) {
    this._blacklist = config.blacklist;
    this.schema = {
      $id: '/hello/createHello-params',
      type: 'object',
      required: ['message'],
      properties: {
        message: {
          dataType: 'string',
          fieldNumber: 1,
          minLength: config.minMessageLength,
          maxLength: config.maxMessageLength,
        },
      },
    };
  }

  async verify(context) {
    const words = context.params.message.split(' ');
    const found = this._blacklist.filter(word => words.includes(word));
    if (found.length > 0) {
      return {
        status: VerifyStatus.FAIL,
        error: new Error(`Illegal word in hello message: ${found.toString()}`),
      };
    }
    return { status: VerifyStatus.OK };
  }

  async execute(context) {
    const { senderAddress } = context.transaction;
    await this.stores.get(MessageStore).set(context, senderAddress, {
      message: context.params.message,
    });
    const counterStore = this.stores.get(CounterStore);
    let counter = 0;
    try {
      ({ counter } = await counterStore.get(context, COUNTER_KEY));
    } catch (error) {
      if (!(error instanceof NotFoundError)) {
        throw error;
      }
    }
    await counterStore.set(context, COUNTER_KEY, { counter: counter + 1 });
    this.events.get(NewHelloEvent).add(
      context,
      { senderAddress, message: context.params.message },
      [senderAddress],
    );
  }
}

class HelloModule extends BaseModule {
  constructor() {
    super();
    this.stores.register(CounterStore, new CounterStore(this.name, 0));
    this.stores.register(MessageStore, new MessageStore(this.name, 1));
    this.events.register(NewHelloEvent, new NewHelloEvent(this.name));
    this._createHello = new CreateHelloCommand(this.stores, this.events);
    this.commands = [this._createHello];
  }

  async init(args) {
    const config = { ...DEFAULT_CONFIG, ...(args.moduleConfig || {}) };
    this._createHello.init(config);
  }

  metadata() {
    return { ...this.baseMetadata(), endpoints: [], assets: [] };
  }
}

module.exports = { HelloModule, CounterStore, MessageStore, NewHelloEvent, COUNTER_KEY };
