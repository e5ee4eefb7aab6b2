import { MeshError, type Closable, type EventEnvelope, type EventHandler } from '@agentmesh/core';
import type { DeadLetterRecord, DeadLetterStore } from '@agentmesh/resilience';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { decodeEvent } from '../codec/event.js';
import { fromNatsError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import type { Subjects } from '../subjects.js';
import { Idle, isThenable } from '../transport/idle.js';
import { redeliveryDelayMs } from './backoff.js';
import { deadLetterFor, truncatedDeadLetter, type DeliveryFailure } from './dead-letter.js';
import { ensureConsumer } from './consumer.js';

const MAX_REMEMBERED_FAILURES = 10_000;

/** Settings of durable subscriptions (all defaulted by the transport). */
export interface DurableSettings {
  readonly maxDeliver: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
}

/** What a {@link DurableSubscription} needs. */
export interface DurableSubscriptionOptions {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly subjects: Subjects;
  readonly topic: string;
  readonly durable: string;
  readonly handler: EventHandler;
  readonly settings: DurableSettings;
  readonly deadLetters: () => Promise<DeadLetterStore>;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  readonly closeTimeoutMs: number;
}

/**
 * At-least-once delivery over a JetStream durable consumer. A message is acknowledged only after
 * the handler succeeded; a failure is nak'ed with exponential backoff; after `maxDeliver` attempts
 * it is put in the dead-letter store and acknowledged only once that put is durable. If even that
 * fails it is nak'ed again and retried, so nothing is dropped. Subscribers sharing a durable name
 * share its messages (each goes to one of them). Long handlers keep their message with `working()`.
 */
export class DurableSubscription implements Closable {
  readonly #o: DurableSubscriptionOptions;
  readonly #running = new Set<JsMsg>();
  /** First failure time by stream sequence, for the dead-letter record (bounded; best effort). */
  readonly #firstFailures = new Map<number, number>();
  readonly #idle = new Idle();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  #messages: ConsumerMessages | undefined;

  private constructor(options: DurableSubscriptionOptions) {
    this.#o = options;
  }

  /** Creates (or joins) the durable consumer and starts consuming. */
  static async open(options: DurableSubscriptionOptions): Promise<DurableSubscription> {
    const { subjects, durable } = options;
    await ensureConsumer(options.jsm, subjects.eventStream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: subjects.event(options.topic),
      ack_wait: nanos(options.settings.ackWaitMs),
      // Attempts are counted here, not by the server: a message past maxDeliver must still end
      // in the dead-letter store, which the server's own limit would silently skip.
      max_deliver: -1,
      max_ack_pending: options.settings.maxAckPending,
    });
    const subscription = new DurableSubscription(options);
    try {
      const consumer = await jetstream(options.nc).consumers.get(subjects.eventStream, durable);
      subscription.#messages = await consumer.consume({ callback: (m) => subscription.#onMessage(m) });
    } catch (error) {
      throw fromNatsError(error, `durable subscription "${durable}"`);
    }
    return subscription;
  }

  #onMessage(m: JsMsg): void {
    const o = this.#o;
    const attempt = m.info.deliveryCount;
    let envelope: EventEnvelope;
    try {
      envelope = decodeEvent(o.subjects.topicOf(m.subject), m.data, o.maxBytes);
    } catch (failure) {
      // Malformed events go straight to the dead letters: retrying cannot fix their bytes.
      this.#track(m, this.#deadLetter(m, { error: failure, attempt, firstFailedAt: this.#firstFailure(m) }));
      return;
    }
    let outcome: void | Promise<void>;
    try {
      // Past maxDeliver means an earlier dead-lettering failed (or the process died doing it).
      outcome = attempt > o.settings.maxDeliver ? Promise.reject(new Error('delivery attempts exhausted')) : o.handler(envelope);
    } catch (thrown) {
      outcome = Promise.reject(thrown);
    }
    if (!isThenable(outcome)) {
      this.#ack(m);
      return;
    }
    this.#track(
      m,
      Promise.resolve(outcome).then(
        () => this.#ack(m),
        (failure: unknown) => this.#failed(m, { error: failure, attempt, firstFailedAt: this.#firstFailure(m) }),
      ),
    );
  }

  #failed(m: JsMsg, failure: DeliveryFailure): Promise<void> | void {
    const o = this.#o;
    if (failure.attempt < o.settings.maxDeliver) {
      o.logger.debug({ err: failure.error, subject: m.subject, attempt: failure.attempt }, 'durable delivery failed; redelivering');
      this.#nak(m, failure.attempt);
      return;
    }
    return this.#deadLetter(m, failure);
  }

  #firstFailure(m: JsMsg): number {
    const seq = m.info.streamSequence;
    const known = this.#firstFailures.get(seq);
    if (known !== undefined) return known;
    const now = Date.now();
    if (this.#firstFailures.size >= MAX_REMEMBERED_FAILURES) this.#firstFailures.delete(this.#firstFailures.keys().next().value!);
    this.#firstFailures.set(seq, now);
    return now;
  }

  /** Acks fail only with the connection; the server then redelivers, which is the guarantee. */
  #ack(m: JsMsg): void {
    this.#firstFailures.delete(m.info.streamSequence);
    try {
      m.ack();
    } catch (error) {
      this.#o.logger.warn({ err: error, subject: m.subject }, 'ack not sent; the event will be redelivered');
    }
  }

  #nak(m: JsMsg, attempt: number): void {
    const { backoffMs, maxBackoffMs } = this.#o.settings;
    try {
      m.nak(redeliveryDelayMs(attempt, backoffMs, maxBackoffMs));
    } catch (error) {
      this.#o.logger.warn({ err: error, subject: m.subject }, 'nak not sent; the event will be redelivered after ackWaitMs');
    }
  }

  async #deadLetter(m: JsMsg, failure: DeliveryFailure): Promise<void> {
    const o = this.#o;
    let record: DeadLetterRecord | undefined;
    try {
      const store = await o.deadLetters();
      record = deadLetterFor(m, o.subjects.topicOf(m.subject), o.durable, failure);
      try {
        await store.put(record);
      } catch (error) {
        // A record the store can never take (too large) would be redelivered for ever: keep a
        // truncated one instead. Anything else (the store is down) is retried by redelivery.
        if (!MeshError.is(error, 'INVALID_ARGUMENT') && !MeshError.is(error, 'INVALID_MESSAGE')) throw error;
        o.logger.error({ err: error, subject: m.subject, durable: o.durable }, 'dead letter too large for the store; keeping a truncated record');
        await store.put(truncatedDeadLetter(record, m, error));
      }
      o.logger.warn({ err: failure.error, subject: m.subject, attempts: failure.attempt, durable: o.durable }, 'event dead-lettered');
      this.#ack(m);
    } catch (error) {
      if (record !== undefined && (MeshError.is(error, 'INVALID_ARGUMENT') || MeshError.is(error, 'INVALID_MESSAGE'))) {
        // Not even the truncated record fits: stop redelivering, loudly.
        o.logger.error({ err: error, subject: m.subject, durable: o.durable, sequence: m.info.streamSequence }, 'event could not be dead-lettered at all; terminated');
        this.#term(m);
        return;
      }
      o.logger.error({ err: error, subject: m.subject, durable: o.durable }, 'dead-lettering failed; the event will be redelivered');
      this.#nak(m, failure.attempt);
    }
  }

  #term(m: JsMsg): void {
    try {
      m.term();
    } catch (error) {
      this.#o.logger.warn({ err: error, subject: m.subject }, 'term not sent');
    }
  }

  #track(m: JsMsg, work: Promise<void>): void {
    this.#running.add(m);
    this.#heartbeat ??= setInterval(() => {
      for (const running of this.#running) running.working();
    }, Math.max(100, this.#o.settings.ackWaitMs / 3));
    void work
      .catch((error: unknown) => this.#o.logger.error({ err: error, subject: m.subject }, 'durable delivery failed unexpectedly'))
      .finally(() => {
        this.#running.delete(m);
        if (this.#running.size === 0 && this.#heartbeat !== undefined) {
          clearInterval(this.#heartbeat);
          this.#heartbeat = undefined;
        }
        this.#idle.notify();
      });
  }

  /**
   * Stops pulling, lets running handlers finish (bounded) so their acks go out. The durable
   * consumer stays: unacknowledged and later events wait for the next subscriber with this name.
   */
  async close(): Promise<void> {
    try {
      await this.#messages?.close();
    } catch (error) {
      this.#o.logger.debug({ err: error, durable: this.#o.durable }, 'durable consumer close failed');
    }
    await this.#idle.until(() => this.#running.size === 0, this.#o.closeTimeoutMs);
  }
}
