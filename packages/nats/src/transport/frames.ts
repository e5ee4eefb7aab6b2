import type { JsonValue, ReplyEnvelope } from '@agentmesh/core';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { acceptedHeaders, progressHeaders } from '../codec/headers.js';
import { encodeProgress, encodeReply } from '../codec/reply.js';
import { fromNatsError } from '../errors.js';
import type { TransportLogger } from '../logger.js';

const EMPTY = new Uint8Array(0);

/**
 * Sends what the serving side sends to a caller's inbox subject: progress frames, the `accepted`
 * notice and the final reply. Never throws: what cannot be sent is logged, and a reply too large
 * for the wire is replaced by an INVALID_MESSAGE error reply so the caller still gets an answer.
 */
export class FrameSender {
  readonly #nc: NatsConnection;
  readonly #logger: TransportLogger;
  readonly #agent: string;
  readonly #instance: string;
  #progressHeaders: MsgHdrs | undefined;
  #acceptedHeaders: MsgHdrs | undefined;

  constructor(nc: NatsConnection, logger: TransportLogger, agent: string, instance: string) {
    this.#nc = nc;
    this.#logger = logger;
    this.#agent = agent;
    this.#instance = instance;
  }

  reply(subject: string, reply: ReplyEnvelope): void {
    try {
      this.#nc.publish(subject, encodeReply(reply));
    } catch (error) {
      const failure = fromNatsError(error, 'reply');
      this.#logger.warn({ err: failure, requestId: reply.id, agent: this.#agent }, 'reply not sent');
      if (failure.code === 'INVALID_MESSAGE' && reply.ok) this.reply(subject, { id: reply.id, ok: false, error: failure.toJSON() });
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
