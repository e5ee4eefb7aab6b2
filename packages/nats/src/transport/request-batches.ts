import type { SerializedMeshError } from '@agentmesh/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { BatchWriter, batchHeadersFor, memberOverhead } from '../codec/batch.js';
import { decodeAnyReply } from '../codec/reply.js';
import { fromNatsError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { Coalescer } from './coalescer.js';
import type { PendingRequest } from './pending-request.js';
import { SlotTable, type Slotted } from './token-table.js';

/**
 * Requests that went out together in one NATS message. The message's reply subject is the batch's
 * own inbox token: the server's "no responders", a refusal of the whole batch, and the batch's
 * quick replies arrive there. The batch is forgotten once every member settled, or when one of
 * the first two came.
 */
export class SentBatch implements Slotted {
  token = '';
  #open: number;

  constructor(readonly members: readonly PendingRequest[]) {
    this.#open = members.length;
  }

  /** A member settled or left the batch; true when none is left. */
  leave(): boolean {
    return --this.#open === 0;
  }
}

/** What {@link RequestBatches} needs from its caller. */
export interface BatchHost {
  readonly nc: NatsConnection;
  readonly inbox: string;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  /** True while `p` waits for its reply. */
  waiting(p: PendingRequest): boolean;
  /** Sends `p` in a message of its own, or parks it while the connection is down. */
  sendAlone(p: PendingRequest): void;
  /** True while the connection is up. */
  connected(): boolean;
  fail(p: PendingRequest, error: unknown): void;
  /** The server said nobody serves the agent. */
  noResponders(p: PendingRequest): void;
}

/**
 * The calling side of batching: requests to one agent queued in the same turn go out in one
 * message (see Coalescer), and what the server answers for a batch as a whole reaches each
 * member: "no responders" fails them (or waits out the reconnect grace); a refusal (an older
 * replica, one that declines batches, a batch it could not read) sends them again one by one,
 * since a refused batch had none of its members handled.
 */
export class RequestBatches {
  readonly #host: BatchHost;
  readonly #sent = new SlotTable<SentBatch>('_b');
  readonly #out: Coalescer<PendingRequest>;

  constructor(host: BatchHost, maxCoalesced: number, maxBatchBytes: () => number) {
    this.#host = host;
    this.#out = new Coalescer<PendingRequest>(
      {
        size: (p) => memberOverhead(p.reply) + p.wire.block.length + p.wire.bodyBytes,
        one: (_subject, p) => this.#host.sendAlone(p),
        many: (subject, ps) => this.#sendTogether(subject, ps),
      },
      maxCoalesced,
      maxBatchBytes,
    );
  }

  /** Queues `p` for the end of this turn. */
  add(p: PendingRequest): void {
    this.#out.add(p.route.subject, p);
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#out.flush();
  }

  /** `p` settled or gives up: forget its batch once no member is left. */
  left(p: PendingRequest): void {
    const batch = p.batch;
    if (batch === undefined) return;
    p.batch = undefined;
    if (batch.leave()) this.#sent.delete(batch);
  }

  /**
   * A frame other than a batch of replies arrived on an inbox token that is no request's: if it is
   * a batch's, answers its members (no responders, or a refusal of the whole batch) and returns
   * true.
   */
  answered(token: string, noResponders: boolean, data: Uint8Array): boolean {
    const batch = this.#sent.get(token);
    if (batch === undefined) return false;
    this.#sent.delete(batch);
    const waiting = batch.members.filter((p) => p.batch === batch && this.#host.waiting(p));
    for (const p of waiting) p.batch = undefined;
    if (noResponders) {
      for (const p of waiting) this.#host.noResponders(p);
      return true;
    }
    const first = waiting[0];
    this.#host.logger.warn({ reason: this.#refusal(data), to: first?.envelope.to, requests: waiting.length }, 'a replica refused a batch of requests; sending them one by one');
    first?.route.decline();
    for (const p of waiting) this.resend(p);
    return true;
  }

  /**
   * The replica took the batch on `token` (its frames came there): the batch, if it is one of
   * ours, and the route learns that batches work again.
   */
  taken(token: string): SentBatch | undefined {
    const batch = this.#sent.get(token);
    batch?.members[0]?.route.accepted();
    return batch;
  }

  /**
   * Sends `p` again, alone: its batch (or the replica) declined it before handling it. Alone it
   * cannot be declined, so this does not loop.
   */
  resend(p: PendingRequest): void {
    this.left(p);
    p.sent = false;
    p.route.replied(false);
    this.#host.sendAlone(p);
  }

  /** What the replica said when it refused a batch, for the log. */
  #refusal(data: Uint8Array): SerializedMeshError | string {
    try {
      const answer = decodeAnyReply(data, this.#host.maxBytes);
      if (!answer.ok) return answer.error;
    } catch {
      // Not a reply envelope: said so below.
    }
    return 'something else than a refusal';
  }

  /** Sends requests to one agent in one message; the ones given up meanwhile are left out. */
  #sendTogether(subject: string, queued: PendingRequest[]): void {
    const members = queued.filter((p) => this.#host.waiting(p));
    if (members.length < 2 || !this.#host.connected()) {
      for (const p of members) this.#host.sendAlone(p);
      return;
    }
    const batch = new SentBatch(members);
    const token = this.#sent.add(batch);
    try {
      const writer = new BatchWriter();
      for (const p of members) writer.add(p.reply, p.wire.block, p.wire.json, p.wire.bodyBytes);
      this.#host.nc.publish(subject, writer.finish(), { reply: `${this.#host.inbox}.${token}`, headers: batchHeadersFor(members.length) });
    } catch (error) {
      this.#sent.delete(batch);
      const failure = fromNatsError(error, `request to "${members[0]!.envelope.to}"`);
      for (const p of members) this.#host.fail(p, failure);
      return;
    }
    for (const p of members) {
      p.sent = true;
      p.batch = batch;
    }
  }
}
