import type { EventHandler } from '@agentmesh/core';
import type { DeadLetterStore } from '@agentmesh/resilience';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamDeadLetterStore } from '../dead-letter/jetstream-store.js';
import type { ResolvedOptions } from '../options.js';
import type { Subjects } from '../subjects.js';
import { Lazy } from '../transport/lazy.js';
import { DurableSubscription } from './durable.js';
import { ensureStream, eventStreamSpec, manager } from './stream.js';

/**
 * The JetStream side of one transport, set up on first use so that transports without durable
 * subscriptions never touch JetStream: the manager, the event stream, the dead-letter store.
 * Failed setup steps are not cached; the next subscription tries again.
 */
export class DurableEvents {
  readonly #nc: NatsConnection;
  readonly #subjects: Subjects;
  readonly #o: ResolvedOptions;
  readonly #setup = new Lazy(async () => {
    const jsm = await manager(this.#nc);
    await ensureStream(jsm, eventStreamSpec(this.#subjects.eventStream, `${this.#subjects.eventRoot}>`, this.#o.durable.retentionMs));
    return jsm;
  });
  #store: JetStreamDeadLetterStore | undefined;

  constructor(nc: NatsConnection, subjects: Subjects, options: ResolvedOptions) {
    this.#nc = nc;
    this.#subjects = subjects;
    this.#o = options;
  }

  /** Where dead letters go: the configured store, else a JetStream store under this prefix. */
  readonly deadLetters = (): Promise<DeadLetterStore> => {
    const given = this.#o.durable.deadLetterStore;
    if (given !== undefined) return Promise.resolve(given);
    this.#store ??= new JetStreamDeadLetterStore({ connection: this.#nc, prefix: this.#subjects.prefix, logger: this.#o.logger });
    return Promise.resolve(this.#store);
  };

  async subscribe(topic: string, durable: string, handler: EventHandler): Promise<DurableSubscription> {
    const o = this.#o;
    return DurableSubscription.open({
      nc: this.#nc,
      jsm: await this.#setup.get(),
      subjects: this.#subjects,
      topic,
      durable,
      handler,
      settings: o.durable,
      deadLetters: this.deadLetters,
      maxBytes: o.maxBytes,
      logger: o.logger,
      closeTimeoutMs: o.closeTimeoutMs,
    });
  }

  /** Releases the dead-letter store this created (the connection stays open). */
  async close(): Promise<void> {
    await this.#store?.close();
  }
}
