import { MeshError, type ReplyEnvelope, type RequestEnvelope, type RequestOptions } from '@agentmesh/core';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { decodeBatch } from '../codec/batch.js';
import { encodeCancel } from '../codec/cancel.js';
import { classifyFrame, DECLINED_BLOCK, headerValue, PROGRESS_BLOCK, type InboxFrame } from '../codec/headers.js';
import { decodeProgress, decodeReply } from '../codec/reply.js';
import { encodeRequest, type WireRequest } from '../codec/request.js';
import { closedError, fromNatsError, invalidMessage, transportError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { isSubjectPath, type Subjects } from '../subjects.js';
import { Idle } from './idle.js';
import { ReplicaWatch } from './liveness.js';
import { Routes } from './routes.js';
import { Parking } from './parking.js';
import { PendingRequest } from './pending-request.js';
import { RequestBatches } from './request-batches.js';
import { SlotTable } from './token-table.js';

/** What a {@link Caller} needs. */
export interface CallerOptions {
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  readonly inboxPrefix: string;
  readonly maxParked: number;
  readonly reconnectGraceMs: number;
  readonly replicaCheckIntervalMs: number;
  /** Most requests per NATS message (1: never batch). */
  readonly maxCoalesced: number;
  /** Largest batch message, in bytes. */
  readonly maxBatchBytes: () => number;
}

/** Pause before asking again when nobody answered right after a reconnect. */
const GRACE_RETRY_MS = 50;

/**
 * The calling side: one wildcard subscription on a private inbox serves every request (no
 * per-request subscription, no per-request timer; the mesh enforces deadlines). Progress frames
 * and the reply arrive on the request's own inbox subject, in order. While the connection is down,
 * new requests are parked and sent on reconnect; requests already sent fail TRANSPORT_ERROR, since
 * their replies are lost with the connection. Right after a reconnect, "no responders" is asked
 * again for a short grace period: the serving side may not have re-subscribed yet. Requests to an
 * agent whose replies come batched are sent batched too (see Route and RequestBatches).
 */
export class Caller {
  readonly #o: CallerOptions;
  readonly #inbox: string;
  /** The inbox as the value of the header saying this caller reads batched replies. */
  readonly #inboxHeader: string;
  readonly #sub: Subscription;
  readonly #pending = new SlotTable<PendingRequest>();
  readonly #idle = new Idle();
  readonly #watch: ReplicaWatch<PendingRequest>;
  readonly #parking: Parking<PendingRequest>;
  readonly #batches: RequestBatches | undefined;
  readonly #routes: Routes;

  constructor(options: CallerOptions) {
    this.#o = options;
    this.#inbox = createInbox(options.inboxPrefix);
    this.#inboxHeader = headerValue(this.#inbox);
    this.#sub = options.nc.subscribe(`${this.#inbox}.*`, { callback: this.#onFrame });
    this.#routes = new Routes(options.subjects);
    if (options.maxCoalesced > 1) {
      const host = {
        nc: options.nc,
        inbox: this.#inbox,
        maxBytes: options.maxBytes,
        logger: options.logger,
        waiting: (p: PendingRequest) => this.#pending.holds(p),
        sendAlone: (p: PendingRequest) => this.#sendAlone(p),
        connected: () => this.#parking.connected,
        fail: (p: PendingRequest, error: unknown) => this.#fail(p, error),
        noResponders: (p: PendingRequest) => this.#noResponders(p),
      };
      this.#batches = new RequestBatches(host, options.maxCoalesced, options.maxBatchBytes);
    }
    this.#parking = new Parking<PendingRequest>(options.maxParked, options.reconnectGraceMs, (p) => this.#pending.holds(p));
    this.#watch = new ReplicaWatch<PendingRequest>({
      nc: options.nc,
      subjects: options.subjects,
      intervalMs: options.replicaCheckIntervalMs,
      logger: options.logger,
      lost: (waiting) => {
        for (const p of waiting) this.#fail(p, transportError(`the replica serving "${p.envelope.to}" went away before answering`));
      },
    });
  }

  /** Requests waiting for their reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  request(envelope: RequestEnvelope, options: RequestOptions): Promise<ReplyEnvelope> {
    const reason = options.cancellation.reason;
    if (reason !== undefined) return Promise.reject(reason);
    if (!isSubjectPath(envelope.to)) {
      return Promise.reject(MeshError.withoutStack('AGENT_NOT_FOUND', `no agent named ${JSON.stringify(envelope.to)} is reachable`, { agent: envelope.to }));
    }
    let wire: WireRequest;
    try {
      wire = encodeRequest(envelope, options.onProgress !== undefined, this.#batches === undefined ? undefined : this.#inboxHeader);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<ReplyEnvelope>((resolve, reject) => {
      const p = new PendingRequest(this.#routes.get(envelope.to), envelope, wire, resolve, reject, options.onProgress);
      p.reply = `${this.#inbox}.${this.#pending.add(p)}`;
      p.unlink = options.cancellation.onCancel((why) => this.#cancel(p, why));
      this.#dispatch(p);
    });
  }

  /** Sends (batched ones at the end of this turn), or parks until the connection is back. */
  #dispatch(p: PendingRequest): void {
    if (this.#parking.connected) this.#queue(p);
    else if (!this.#parking.park(p)) this.#fail(p, transportError(`the NATS connection is down and ${this.#parking.max} requests already wait for it`));
  }

  #queue(p: PendingRequest): void {
    if (this.#batches === undefined || !p.route.coalesce) this.#send(p);
    else this.#batches.add(p);
  }

  #send(p: PendingRequest): void {
    if (!this.#pending.holds(p)) return;
    try {
      this.#o.nc.publish(p.route.subject, p.wire.data, { reply: p.reply, headers: p.wire.headers });
      p.sent = true;
    } catch (error) {
      this.#fail(p, fromNatsError(error, `request to "${p.envelope.to}"`));
    }
  }

  /** Sends a request that waited for the end of the turn (or parks it if the connection dropped meanwhile). */
  #sendAlone(p: PendingRequest): void {
    if (this.#parking.connected) this.#send(p);
    else if (this.#pending.holds(p)) this.#dispatch(p);
  }

  readonly #onFrame = (error: Error | null, msg: Msg): void => {
    if (error !== null) return this.#o.logger.error({ err: error }, 'reply inbox subscription failed');
    const token = msg.subject.slice(this.#inbox.length + 1);
    let frame: InboxFrame;
    try {
      frame = classifyFrame(msg);
    } catch (failure) {
      // nats.js throws on header blocks it cannot decode; nothing may escape into its reader.
      const p = this.#pending.get(token);
      this.#o.logger.warn({ err: failure, requestId: p?.envelope.id, to: p?.envelope.to }, 'reply with unreadable headers refused');
      if (p !== undefined) this.#fail(p, invalidMessage(`the reply from "${p.envelope.to}" has unreadable headers`, failure));
      return;
    }
    if (frame.kind === 'batch') return this.#frames(token, frame.count, msg.data);
    const p = this.#pending.get(token);
    if (p === undefined) {
      if (this.#batches?.answered(token, frame.kind === 'no-responders', msg.data) === true) return;
      return this.#o.logger.debug({ subject: msg.subject }, 'late reply dropped (the caller already gave up)');
    }
    if (frame.kind === 'no-responders') return this.#noResponders(p);
    if (frame.kind === 'progress') return this.#progress(p, msg.data);
    if (frame.kind === 'accepted') return this.#watch.track(p, frame.instance);
    if (frame.kind === 'declined') return this.#o.logger.warn({ requestId: p.envelope.id, to: p.envelope.to }, 'declined frame outside a batch ignored');
    this.#settle(p, msg.data, false);
  };

  #settle(p: PendingRequest, data: Uint8Array | string, batched: boolean, size?: number): void {
    p.route.replied(batched);
    let reply: ReplyEnvelope;
    try {
      reply = decodeReply(data, this.#o.maxBytes, p.envelope.id, size);
    } catch (failure) {
      this.#o.logger.warn({ err: failure, requestId: p.envelope.id, to: p.envelope.to }, 'invalid reply refused');
      this.#fail(p, failure);
      return;
    }
    if (this.#remove(p)) p.resolve(reply);
  }

  /**
   * Frames sent together (on `token`: a request's, or a batch's): each is taken as if it came
   * alone. A request is sent again only when declined by its own batch, on that batch's token.
   */
  #frames(token: string, count: string, data: Uint8Array): void {
    let members;
    try {
      members = decodeBatch(data, count);
    } catch (failure) {
      this.#o.logger.warn({ err: failure }, 'invalid batch of replies dropped (its requests end at their deadline)');
      return;
    }
    const batch = this.#batches?.taken(token);
    const prefix = `${this.#inbox}.`;
    for (const m of members) {
      const p = m.reply.startsWith(prefix) ? this.#pending.get(m.reply.slice(prefix.length)) : undefined;
      if (p === undefined) this.#o.logger.debug({ subject: m.reply }, 'late reply dropped (the caller already gave up)');
      else if (m.headers === '') this.#settle(p, m.body, true, m.bodyBytes);
      else if (m.headers === PROGRESS_BLOCK) this.#progress(p, m.body, m.bodyBytes);
      else if (m.headers !== DECLINED_BLOCK) this.#fail(p, invalidMessage(`a batched reply from "${p.envelope.to}" carries unexpected headers`));
      else if (batch !== undefined && p.batch === batch) this.#batches!.resend(p);
      else this.#o.logger.warn({ requestId: p.envelope.id, to: p.envelope.to }, 'declined frame from outside its batch ignored');
    }
  }

  #noResponders(p: PendingRequest): void {
    if (this.#parking.inGrace) {
      p.sent = false;
      p.retry = setTimeout(() => {
        p.retry = undefined;
        if (this.#pending.holds(p)) this.#dispatch(p);
      }, GRACE_RETRY_MS);
      return;
    }
    const to = p.envelope.to;
    this.#fail(p, MeshError.withoutStack('AGENT_NOT_FOUND', `no agent named "${to}" is reachable`, { agent: to }));
  }

  #progress(p: PendingRequest, data: Uint8Array | string, size?: number): void {
    try {
      p.onProgress?.(decodeProgress(data, this.#o.maxBytes, size));
    } catch (error) {
      this.#o.logger.warn({ err: error, requestId: p.envelope.id, to: p.envelope.to }, 'progress frame dropped');
    }
  }

  /** The caller gave up (deadline, abort, parent cancelled): tell the serving side, free the inbox slot. */
  #cancel(p: PendingRequest, reason: MeshError): void {
    if (!this.#remove(p)) return;
    if (p.sent) {
      try {
        this.#o.nc.publish(this.#o.subjects.cancel(p.envelope.to), encodeCancel(p.reply, reason));
      } catch (error) {
        this.#o.logger.debug({ err: error, requestId: p.envelope.id }, 'could not send the cancellation');
      }
    }
    p.reject(reason);
  }

  /** Forgets `p` (false if it was already settled): listener, resend timer, liveness watch. */
  #remove(p: PendingRequest): boolean {
    if (!this.#pending.delete(p)) return false;
    p.unlink();
    this.#batches?.left(p);
    if (p.retry !== undefined) clearTimeout(p.retry);
    this.#watch.untrack(p);
    this.#idle.notify();
    return true;
  }

  #fail(p: PendingRequest, error: unknown): void {
    if (this.#remove(p)) p.reject(error);
  }

  /** The connection dropped: replies to requests already sent are lost with it. */
  disconnected(): void {
    this.#parking.disconnected();
    for (const p of this.#pending.values()) {
      if (p.sent) this.#fail(p, transportError(`the NATS connection was lost while the request to "${p.envelope.to}" was in flight`));
    }
  }

  /** The connection is back: send what was parked (unless given up meanwhile). */
  reconnected(): void {
    for (const p of this.#parking.reconnected()) this.#queue(p);
  }

  /** Fails every pending request (the connection is gone for good). */
  failAll(error: MeshError): void {
    this.#parking.clear();
    for (const p of this.#pending.values()) this.#fail(p, error);
  }

  /** Waits (bounded) for pending requests to settle, fails the rest with CLOSED, drops the inbox. */
  async close(timeoutMs: number): Promise<void> {
    this.#batches?.flush();
    await this.#idle.until(() => this.#pending.size === 0, timeoutMs);
    this.failAll(closedError());
    this.#watch.stop();
    this.#sub.unsubscribe();
  }
}
