import type { JsonValue, ReplyEnvelope } from '@agentmesh/core';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { BatchWriter, batchHeadersFor, MAX_BATCH_MEMBERS, memberOverhead } from '../codec/batch.js';
import { acceptedHeaders, DECLINED_BLOCK, declinedHeaders, PROGRESS_BLOCK, progressHeaders } from '../codec/headers.js';
import { encodeProgress, encodeReply, progressText, replyText } from '../codec/reply.js';
import { fromNatsError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { Coalescer, maxBatchBytes } from './coalescer.js';

const EMPTY = new Uint8Array(0);

/** A frame waiting for the end of the turn, to go out with others to the same caller. */
interface QueuedFrame {
  readonly subject: string;
  /** The final reply; undefined for a progress or declined frame. */
  readonly reply: ReplyEnvelope | undefined;
  /** Its header block in a batch: '' for a final reply, else PROGRESS_BLOCK or DECLINED_BLOCK. */
  readonly headers: string;
  readonly json: string;
  readonly bytes: number;
  /** Where the batch goes (a batch of requests' reply subject); else to the first frame's subject. */
  readonly to: string | undefined;
}

/**
 * Sends what the serving side sends to a caller's inbox subject: progress frames, the `accepted`
 * notice and the final reply. Never throws: what cannot be sent is logged, and a reply too large
 * for the wire is replaced by an INVALID_MESSAGE error reply so the caller still gets an answer.
 * Frames of a group (a caller's inbox, or a batch of requests) queued in one turn go out together
 * at its end, in order, in one message to the group's subject.
 */
export class FrameSender {
  readonly #nc: NatsConnection;
  readonly #logger: TransportLogger;
  readonly #agent: string;
  readonly #instance: string;
  #progressHeaders: MsgHdrs | undefined;
  #acceptedHeaders: MsgHdrs | undefined;
  readonly #frames: Coalescer<QueuedFrame>;

  constructor(nc: NatsConnection, logger: TransportLogger, agent: string, instance: string) {
    this.#nc = nc;
    this.#logger = logger;
    this.#agent = agent;
    this.#instance = instance;
    // Frames carry no balancing concern: only the batch decoder's and the server's limits apply.
    // A batch's frames always go back framed on its reply subject, even a lone one.
    this.#frames = new Coalescer<QueuedFrame>(
      {
        size: (q) => memberOverhead(q.subject) + q.headers.length + q.bytes,
        one: (_group, q) => (q.to === undefined ? this.#publishOne(q) : this.#publishTogether([q])),
        many: (_group, qs) => this.#publishTogether(qs),
      },
      MAX_BATCH_MEMBERS,
      () => maxBatchBytes(nc),
    );
  }

  /** Sends the final reply. */
  reply(subject: string, reply: ReplyEnvelope): void {
    this.#publish(subject, reply);
  }

  /**
   * Sends the final reply at the end of this turn, together with the other frames of `group` (a
   * caller's inbox, or a batch of requests), in one message to `to` (else to the first frame's
   * own subject). Only for callers that read batches.
   */
  replyTogether(subject: string, reply: ReplyEnvelope, group: string, to: string | undefined): void {
    let json: string;
    try {
      json = replyText(reply);
    } catch {
      return this.#publish(subject, reply);
    }
    this.#frames.add(group, { subject, reply, headers: '', json, bytes: Buffer.byteLength(json, 'utf8'), to });
  }

  /**
   * Tells the caller that a request of a batch was not handled (an earlier one of the batch did not
   * answer at once, so the rest go back to be sent one by one and balanced between replicas).
   * Sent with the batch's other frames, in the same message.
   */
  declined(subject: string, batch: string): void {
    this.#frames.add(batch, { subject, reply: undefined, headers: DECLINED_BLOCK, json: '', bytes: 0, to: batch });
  }

  /** Sends a progress frame: at once, or (`batch`) with the batch's other frames of this turn. */
  progress(subject: string, requestId: string, data: JsonValue, batch?: string): void {
    try {
      if (batch === undefined) {
        this.#nc.publish(subject, encodeProgress(data), { headers: (this.#progressHeaders ??= progressHeaders()) });
      } else {
        const json = progressText(data);
        this.#frames.add(batch, { subject, reply: undefined, headers: PROGRESS_BLOCK, json, bytes: Buffer.byteLength(json, 'utf8'), to: batch });
      }
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

  /** Sends the frames still waiting for the end of the turn. */
  flush(): void {
    this.#frames.flush();
  }

  #publishTogether(queued: QueuedFrame[]): void {
    try {
      const writer = new BatchWriter();
      for (const q of queued) writer.add(q.subject, q.headers, q.json, q.bytes);
      this.#nc.publish(queued[0]!.to ?? queued[0]!.subject, writer.finish(), { headers: batchHeadersFor(queued.length) });
    } catch (error) {
      // Each on its own then, where a failure is handled per frame (an oversize reply is replaced).
      this.#logger.debug({ err: error, agent: this.#agent }, 'batch of frames not sent; sending them one by one');
      for (const q of queued) this.#publishOne(q);
    }
  }

  #publishOne(q: QueuedFrame): void {
    if (q.reply !== undefined) return this.#publish(q.subject, q.reply, Buffer.from(q.json, 'utf8'));
    const progress = q.headers === PROGRESS_BLOCK;
    try {
      const headers = progress ? (this.#progressHeaders ??= progressHeaders()) : declinedHeaders();
      this.#nc.publish(q.subject, progress ? Buffer.from(q.json, 'utf8') : EMPTY, { headers });
    } catch (error) {
      this.#logger.warn({ err: error, agent: this.#agent }, progress ? 'progress frame not sent' : 'declined frame not sent');
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
}
