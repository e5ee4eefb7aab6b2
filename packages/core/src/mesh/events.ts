import type { Logger } from 'pino';
import { MeshError } from '../errors/mesh-error.js';
import type { Message } from '../message/message.js';
import type { EventEnvelope, Transport } from '../transport/types.js';
import type { SubscribeOptions, Subscriber, Subscription } from './types.js';

/**
 * Publish/subscribe for one mesh. Every delivery is accounted for: a subscriber that throws or
 * rejects is logged and counted (never an unhandled rejection, never a broken publish), and
 * asynchronous deliveries are tracked so the mesh's close() can wait for them.
 */
export class EventHub {
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #onSettled: () => void;
  readonly #subscriptions = new Set<Subscription>();
  #delivered = 0;
  #failed = 0;
  pending = 0;

  constructor(transport: Transport, logger: Logger, onSettled: () => void) {
    this.#transport = transport;
    this.#logger = logger;
    this.#onSettled = onSettled;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  stats(): { delivered: number; failed: number; pending: number } {
    return { delivered: this.#delivered, failed: this.#failed, pending: this.pending };
  }

  publish(topic: string, message: Message, from: string | undefined, traceId: string | undefined): Promise<void> {
    return this.#transport.publish({ topic, message, from, traceId });
  }

  subscribe(topic: string, subscriber: Subscriber, options: SubscribeOptions): Subscription {
    let active = true;
    // After unsubscribe() nothing more reaches the subscriber, even before the transport has let
    // go; a durable transport is told it was not handled, so the event goes to another member.
    const handler = (envelope: EventEnvelope): void | Promise<void> => (active ? this.#deliver(subscriber, envelope) : Promise.reject(unsubscribed(topic)));
    const transportOptions = { ...(options.queue === undefined ? {} : { queue: options.queue }), ...(options.durable === undefined ? {} : { durable: options.durable }) };
    const closable = this.#transport.subscribe(topic, handler, transportOptions);
    const ready = closable.then(() => undefined);
    ready.catch((error: unknown) => this.#logger.error({ err: error, topic }, 'subscription failed'));
    let closed: Promise<void> | undefined;
    const subscription: Subscription = {
      topic,
      ready,
      unsubscribe: () => {
        active = false;
        this.#subscriptions.delete(subscription);
        closed ??= closable.then(
          (c) => c.close(),
          () => undefined,
        );
        return closed;
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Returns a rejected promise when the subscriber failed, so redelivering transports can nack. */
  #deliver(subscriber: Subscriber, envelope: EventEnvelope): void | Promise<void> {
    let result: void | Promise<void>;
    try {
      result = subscriber(envelope.message, { topic: envelope.topic, from: envelope.from, traceId: envelope.traceId });
    } catch (error) {
      this.#fail(error, envelope);
      return Promise.reject(error);
    }
    if (result === undefined || typeof (result as { then?: unknown }).then !== 'function') {
      this.#delivered++;
      return undefined;
    }
    this.pending++;
    return Promise.resolve(result).then(
      () => {
        this.#delivered++;
        this.#settle();
      },
      (error: unknown) => {
        this.#fail(error, envelope);
        this.#settle();
        throw error;
      },
    );
  }

  #settle(): void {
    this.pending--;
    this.#onSettled();
  }

  #fail(error: unknown, envelope: EventEnvelope): void {
    this.#failed++;
    this.#logger.error({ err: error, topic: envelope.topic, messageId: envelope.message.id, from: envelope.from }, 'subscriber failed');
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
  }
}

function unsubscribed(topic: string): MeshError {
  return MeshError.withoutStack('CLOSED', `the subscription to "${topic}" was closed`);
}
