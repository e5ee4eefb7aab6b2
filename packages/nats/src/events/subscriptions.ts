import type { Closable, EventHandler, TransportSubscribeOptions } from '@agentmesh/core';
import type { ResolvedOptions } from '../options.js';
import type { Subjects } from '../subjects.js';
import type { Wire } from '../transport/wire.js';
import { EventSubscription } from './subscription.js';

/** The event subscriptions of one transport, plain and durable. */
export class Subscriptions {
  readonly #o: ResolvedOptions;
  readonly #subjects: Subjects;
  readonly #live = new Set<Closable>();

  constructor(options: ResolvedOptions, subjects: Subjects) {
    this.#o = options;
    this.#subjects = subjects;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Subscribes (durably when `options.durable` is set); the closable ends it. */
  async add(wire: Wire, topic: string, handler: EventHandler, options: TransportSubscribeOptions): Promise<Closable> {
    const o = this.#o;
    const sub =
      options.durable === undefined
        ? new EventSubscription({ nc: wire.nc, subjects: this.#subjects, topic, handler, queue: options.queue, maxBytes: o.maxBytes, logger: o.logger, closeTimeoutMs: o.closeTimeoutMs })
        : await wire.durable.subscribe(topic, options.durable, handler);
    this.#live.add(sub);
    return {
      close: async () => {
        if (this.#live.delete(sub)) await sub.close();
      },
    };
  }

  /** Closes every subscription, letting running handlers finish (bounded). */
  async close(): Promise<void> {
    const live = [...this.#live];
    this.#live.clear();
    await Promise.all(live.map((s) => s.close()));
  }
}
