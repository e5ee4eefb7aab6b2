import type { JsonValue, ReplyEnvelope } from '@agentmesh/core';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { BatchWriter, batchHeadersFor, memberOverhead } from '../codec/batch.js';
import { acceptedHeaders, progressHeaders } from '../codec/headers.js';
import { encodeProgress, encodeReply, replyText } from '../codec/reply.js';
import { fromNatsError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { Coalescer, maxBatchBytes } from './coalescer.js';

const EMPTY = new Uint8Array(0);

/** A final reply waiting for the end of the turn, to go out with others to the same caller. */
interface QueuedReply {
  readonly subject: string;
  readonly reply: ReplyEnvelope;
  readonly json: string;
  readonly bytes: number;
}

/**
 * Sends what the serving side sends to a caller's inbox subject: progress frames, the `accepted`
 * notice and the final reply. Never throws: what cannot be sent is logged, and a reply too large
 * for the wire is replaced by an INVALID_MESSAGE error reply so the caller still gets an answer.
 * Final replies may go out batched, per calling inbox, when the endpoint says so; frames before the
 * reply are sent at once, so they still arrive first.
 */
export class FrameSender {
  readonly #nc: NatsConnection;
  readonly #logger: TransportLogger;
  readonly #agent: string;
  readonly #instance: string;
  #progressHeaders: MsgHdrs | undefined;
  #acceptedHeaders: MsgHdrs | undefined;
  readonly #replies: Coalescer<QueuedReply> | undefined;

  constructor(nc: NatsConnection, logger: TransportLogger, agent: string, instance: string, maxCoalesced: number) {
    this.#nc = nc;
    this.#logger = logger;
    this.#agent = agent;
    this.#instance = instance;
    if (maxCoalesced > 1) {
      this.#replies = new Coalescer<QueuedReply>(
        { size: (q) => memberOverhead(q.subject) + q.bytes, one: (_inbox, q) => this.#publish(q.subject, q.reply, Buffer.from(q.json, 'utf8')), many: (_inbox, qs) => this.#publishTogether(qs) },
        maxCoalesced,
        () => maxBatchBytes(nc),
      );
    }
  }

  /**
   * Sends the final reply. `coalesce`: its caller reads batched replies, so it may go out at the
   * end of this turn, together with other replies to the same caller inbox.
   */
  reply(subject: string, reply: ReplyEnvelope, coalesce = false): void {
    const dot = subject.lastIndexOf('.');
    if (!coalesce || this.#replies === undefined || dot < 1) return this.#publish(subject, reply);
    let json: string;
    try {
      json = replyText(reply);
    } catch {
      return this.#publish(subject, reply);
    }
    this.#replies.add(subject.slice(0, dot), { subject, reply, json, bytes: Buffer.byteLength(json, 'utf8') });
  }

  /** Sends the replies still waiting for the end of the turn. */
  flush(): void {
    this.#replies?.flush();
  }

  #publishTogether(queued: QueuedReply[]): void {
    try {
      const writer = new BatchWriter();
      for (const q of queued) writer.add(q.subject, '', q.json, q.bytes);
      this.#nc.publish(queued[0]!.subject, writer.finish(), { headers: batchHeadersFor(queued.length) });
    } catch (error) {
      const failure = fromNatsError(error, 'reply');
      for (const q of queued) this.#logger.warn({ err: failure, requestId: q.reply.id, agent: this.#agent }, 'reply not sent');
    }
  }

  #publish(subject: string, reply: ReplyEnvelope, data?: Uint8Array): void {
    try {
      this.#nc.publish(subject, data ?? encodeReply(reply));
    } catch (error) {
      const failure = fromNatsError(error, 'reply');
      this.#logger.warn({ err: failure, requestId: reply.id, agent: this.#agent }, 'reply not sent');
      if (failure.code === 'INVALID_MESSAGE' && reply.ok) this.#publish(subject, { id: reply.id, ok: false, error: failure.toJSON() });
    }
  }

  progress(subject: string, requestId: string, data: JsonValue): void {
    try {
      this.#nc.publish(subject, encodeProgress(data), { headers: (this.#progressHeaders ??= progressHeaders()) });
    } catch (error) {
      this.#logger.warn({ err: error, requestId, agent: this.#agent }, 'progress frame not sent');
    }
  }

  /** Tells the caller which instance runs its request, so it can notice that instance dying. */
  accepted(subject: string, requestId: string): void {
    try {
      this.#nc.publish(subject, EMPTY, { headers: (this.#acceptedHeaders ??= acceptedHeaders(this.#instance)) });
    } catch (error) {
      this.#logger.debug({ err: error, requestId, agent: this.#agent }, 'accepted frame not sent');
    }
  }
}
