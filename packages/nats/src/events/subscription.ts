import type { Closable, EventEnvelope, EventHandler } from '@agentmesh/core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeEvent } from '../codec/event.js';
import type { TransportLogger } from '../logger.js';
import { isSubjectPath, type Subjects } from '../subjects.js';
import { Idle, isThenable } from '../transport/idle.js';

/** What an {@link EventSubscription} needs. */
export interface EventSubscriptionOptions {
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  readonly topic: string;
  readonly handler: EventHandler;
  readonly queue: string | undefined;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  readonly closeTimeoutMs: number;
}

/**
 * A plain (at-most-once) subscription: core NATS delivery, wildcards as NATS subjects, queue groups
 * as NATS queue groups. Invalid events are logged and dropped, never passed on. Subscriber failures
 * were already logged and counted by the mesh; close() waits (bounded) for running handlers.
 */
export class EventSubscription implements Closable {
  readonly #o: EventSubscriptionOptions;
  readonly #sub: Subscription;
  readonly #idle = new Idle();
  /** The topic itself when it has no wildcard: no need to decode each message's subject. */
  readonly #exactTopic: string | undefined;
  #running = 0;

  constructor(options: EventSubscriptionOptions) {
    this.#o = options;
    this.#exactTopic = isSubjectPath(options.topic) ? options.topic : undefined;
    const subject = options.subjects.event(options.topic);
    this.#sub = options.nc.subscribe(subject, options.queue === undefined ? { callback: this.#onEvent } : { queue: options.queue, callback: this.#onEvent });
  }

  readonly #onEvent = (error: Error | null, msg: Msg): void => {
    const o = this.#o;
    if (error !== null) {
      o.logger.error({ err: error, topic: o.topic }, 'event subscription failed');
      return;
    }
    let event: EventEnvelope;
    try {
      event = decodeEvent(this.#exactTopic ?? o.subjects.topicOf(msg.subject), msg.data, o.maxBytes);
    } catch (failure) {
      o.logger.warn({ err: failure, subject: msg.subject }, 'invalid event dropped');
      return;
    }
    let result: void | Promise<void>;
    try {
      result = o.handler(event);
    } catch (failure) {
      o.logger.debug({ err: failure, subject: msg.subject }, 'subscriber failed');
      return;
    }
    if (!isThenable(result)) return;
    this.#running++;
    result.then(this.#settled, (failure: unknown) => {
      o.logger.debug({ err: failure, subject: msg.subject }, 'subscriber failed');
      this.#settled();
    });
  };

  readonly #settled = (): void => {
    this.#running--;
    this.#idle.notify();
  };

  async close(): Promise<void> {
    try {
      await this.#sub.drain();
    } catch (error) {
      this.#o.logger.debug({ err: error, topic: this.#o.topic }, 'event subscription drain failed');
    }
    await this.#idle.until(() => this.#running === 0, this.#o.closeTimeoutMs);
  }
}
