import { Cancellation, MeshError, toHandlerError, type JsonValue, type ReplyEnvelope, type RequestHandler } from '@agentmesh/core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeBatch, inboxOf, requestBatchCalls, type BatchMember } from '../codec/batch.js';
import { decodeCancel } from '../codec/cancel.js';
import { callHeadersOf, type CallHeaderValues } from '../codec/call-headers.js';
import { decodeRequest, requestIdOf } from '../codec/request.js';
import { invalidMessage, transportError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import type { Subjects } from '../subjects.js';
import { FrameSender } from './frames.js';
import { Idle, isThenable } from './idle.js';
import type { ReplyReach } from './reply-reach.js';
import { ActiveRequest, ActiveRequests } from './active-requests.js';

/** What an {@link Endpoint} needs. */
export interface EndpointOptions {
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  readonly address: string;
  readonly handler: RequestHandler;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  /** This transport's instance id, announced on requests running longer than `acceptedAfterMs`. */
  readonly instance: string;
  readonly acceptedAfterMs: number;
  /** 1: answers to lone requests are never batched (batches of requests are still read). */
  readonly maxCoalesced: number;
  /** Which caller inboxes this transport may answer batches to (shared by its endpoints). */
  readonly reach: ReplyReach;
}

/**
 * A synchronous answer quicker than this may share a message with other replies to its caller
 * (if the caller reads batched replies). Only such answers are batched: a caller coalesces its
 * requests to an agent only while nearly all its replies come batched, so agents whose handlers
 * wait on something, or work long, keep one message per request, balanced per request across
 * replicas.
 */
const QUICK_ANSWER_MS = 1;

/**
 * Time a replica spends on one batch before it declines the rest of it (they are sent again one
 * by one, balanced between replicas): handlers that work long must not pile up on one replica.
 * A batch of quick answers takes well under a millisecond; the budget also leaves room for a
 * garbage-collection pause, which should not decline members of a healthy batch.
 */
const BATCH_BUDGET_MS = 5;

/** How often requests cancelled by their deadline (while their handler hangs on) are swept out. */
const SWEEP_MS = 100;

/**
 * The serving side of one agent address: a queue-group subscription (replicas share the load), a
 * cancellation subscription, and the requests being handled. Every request is validated at
 * ingress; whatever is wrong is answered INVALID_MESSAGE (when there is a reply subject) and
 * logged, never thrown. Each request ends in exactly one reply: the handler's, or the error that
 * cancelled it (a deadline passed on this side, or this endpoint shut down).
 */
export class Endpoint {
  readonly #o: EndpointOptions;
  readonly #requests: Subscription;
  readonly #cancels: Subscription;
  readonly #active = new ActiveRequests();
  readonly #idle = new Idle();
  readonly #send: FrameSender;
  #sweep: ReturnType<typeof setTimeout> | undefined;
  /** The reply subject of the batch being handled right now (synchronously), if any. */
  #batchInTurn: string | undefined;

  constructor(options: EndpointOptions) {
    this.#o = options;
    const { nc, subjects, address } = options;
    this.#send = new FrameSender(nc, options.logger, address, options.instance);
    this.#requests = nc.subscribe(subjects.agent(address), { queue: address, callback: this.#onRequest });
    this.#cancels = nc.subscribe(subjects.cancel(address), { callback: this.#onCancel });
  }

  /** Requests being handled. */
  get activeCount(): number {
    return this.#active.size;
  }

  readonly #onRequest = (error: Error | null, msg: Msg): void => {
    if (error !== null) {
      this.#o.logger.error({ err: error, agent: this.#o.address }, 'request subscription failed');
      return;
    }
    const reply = msg.reply;
    if (reply === undefined || reply === '') {
      this.#o.logger.warn({ subject: msg.subject, agent: this.#o.address }, 'request without a reply subject dropped');
      return;
    }
    let call: CallHeaderValues | undefined;
    try {
      // Reading headers may throw (nats.js refuses some header blocks), and nothing thrown here
      // may escape into nats.js's reader, which would stop delivering messages.
      call = callHeadersOf(msg);
    } catch (failure) {
      return void this.#refuse(reply, undefined, failure, msg.subject, undefined);
    }
    if (call !== undefined && call.batch !== '') this.#handleBatch(reply, call.batch, msg);
    else this.#handle(reply, call, msg.data, msg.subject, undefined);
  };

  /**
   * Requests that came together: each is handled as if it came alone, and what is answered at
   * once goes back together on the batch's reply subject (the one NATS saw). Members are handled
   * in order until one awaits, or the batch has taken BATCH_BUDGET_MS: the rest are declined, so
   * their caller sends them again one by one and they are balanced between replicas. A batch that
   * is not well formed as a whole, or comes from an inbox this replica does not know it may answer
   * (see ReplyReach), is refused on its reply subject before any member is handled, for the same
   * resending.
   */
  #handleBatch(reply: string, count: string, msg: Msg): void {
    let members: BatchMember[];
    let calls: CallHeaderValues[];
    try {
      const dot = reply.lastIndexOf('.');
      if (dot < 1) throw invalidMessage('a batch of requests needs a reply subject of the form <inbox>.<token>');
      const inbox = reply.slice(0, dot);
      if (!this.#o.reach.reachable(inbox)) throw invalidMessage('this replica declines batches from this inbox (it may not, or does not know yet that it may, answer them)');
      members = decodeBatch(msg.data, count);
      calls = requestBatchCalls(members, inbox);
    } catch (failure) {
      this.#refuse(reply, undefined, failure, msg.subject, undefined);
      return;
    }
    let refused = 0;
    let stop = false;
    const started = performance.now();
    this.#batchInTurn = reply;
    try {
      for (let i = 0; i < members.length; i++) {
        const m = members[i]!;
        if (stop) {
          this.#send.declined(m.reply, reply);
          continue;
        }
        const outcome = this.#handle(m.reply, calls[i], m.body, msg.subject, reply, m.bodyBytes);
        if (outcome === 'refused') refused++;
        stop = outcome === 'awaits' || performance.now() - started > BATCH_BUDGET_MS;
      }
    } finally {
      this.#batchInTurn = undefined;
    }
    // One line per batch, not per member: a batch must not multiply the log.
    if (refused > 0) this.#o.logger.warn({ subject: msg.subject, agent: this.#o.address, refused, of: members.length }, 'invalid requests in a batch refused');
  }

  /** Refuses a request at ingress (one of a batch: quietly, and in the batch's reply). */
  #refuse(reply: string, call: CallHeaderValues | undefined, failure: unknown, subject: string, batch: string | undefined): 'refused' {
    const refusal = MeshError.is(failure) ? failure : invalidMessage(String(failure));
    const answer: ReplyEnvelope = { id: requestIdOf(call), ok: false, error: refusal.toJSON() };
    if (batch === undefined) {
      this.#o.logger.warn({ err: refusal, subject, agent: this.#o.address }, 'invalid request refused');
      this.#send.reply(reply, answer);
    } else {
      this.#o.logger.debug({ err: refusal, subject, agent: this.#o.address }, 'invalid batched request refused');
      this.#send.replyTogether(reply, answer, batch, batch);
    }
    return 'refused';
  }

  /**
   * Handles one request (`batch`: the reply subject of the batch it came in). Says whether it was
   * answered at once, awaits its answer, or was refused at ingress.
   */
  #handle(reply: string, call: CallHeaderValues | undefined, data: Uint8Array | string, subject: string, batch: string | undefined, size?: number): 'answered' | 'awaits' | 'refused' {
    let decoded: ReturnType<typeof decodeRequest>;
    try {
      if (this.#active.has(reply)) throw invalidMessage('a request with this reply subject is already being handled');
      decoded = decodeRequest(this.#o.address, data, call, this.#o.maxBytes, size);
    } catch (failure) {
      return this.#refuse(reply, call, failure, subject, batch);
    }
    const { envelope } = decoded;
    const cancellation = new Cancellation();
    const active = new ActiveRequest(reply, envelope.id, cancellation);
    // Progress reported while its batch is being handled goes with the batch's other frames.
    const progress = decoded.progress
      ? (data: JsonValue): void => {
          if (!active.done) this.#send.progress(reply, active.id, data, batch !== undefined && this.#batchInTurn === batch ? batch : undefined);
        }
      : undefined;
    let result: ReplyEnvelope | Promise<ReplyEnvelope>;
    // A lone request's quick answer may be batched with others to its caller's inbox (when the
    // caller reads batches and the reply subject is that inbox's: not rewritten by NATS).
    const group = batch === undefined && this.#o.maxCoalesced > 1 ? inboxOf(reply, decoded.coalesce) : undefined;
    // A caller that will batch: find out early whether its batches can be answered.
    if (group !== undefined) this.#o.reach.reachable(group);
    const started = group === undefined ? 0 : performance.now();
    try {
      result = this.#o.handler(envelope, { cancellation, progress, remote: true });
    } catch (thrown) {
      result = this.#failure(envelope.id, thrown);
    }
    if (!isThenable<ReplyEnvelope>(result)) {
      // Answered at once: nothing can have cancelled it meanwhile, so it is never tracked (a map
      // entry added and removed per request costs more than the rest of this bookkeeping).
      active.done = true;
      // A batch's answers given in this turn all go back on its reply subject (the batch's
      // budget bounds how long they take); others join a batch only when quick.
      if (batch !== undefined) this.#send.replyTogether(reply, result, batch, batch);
      else if (group !== undefined && performance.now() - started < QUICK_ANSWER_MS) this.#send.replyTogether(reply, result, group, undefined);
      else this.#send.reply(reply, result);
      return 'answered';
    }
    active.startedAt = performance.now();
    this.#active.add(active);
    // No per-request cancel listener on this hot path: a periodic sweep finds requests the mesh
    // cancelled at their deadline; caller notices and close() abandon them directly.
    this.#sweep ??= setTimeout(this.#onSweep, SWEEP_MS).unref();
    result.then((r) => this.#finish(active, r), (thrown: unknown) => this.#finish(active, this.#failure(envelope.id, thrown)));
    return 'awaits';
  }

  readonly #onCancel = (error: Error | null, msg: Msg): void => {
    if (error !== null) return;
    try {
      const notice = decodeCancel(msg.data);
      const active = this.#active.get(notice.reply);
      if (active === undefined) return;
      active.callerGone = true;
      active.cancellation.cancel(notice.reason);
      this.#abandon(active, notice.reason);
    } catch (failure) {
      this.#o.logger.warn({ err: failure, agent: this.#o.address }, 'invalid cancellation ignored');
    }
  };

  /** Abandons requests cancelled at their deadline; tells callers of long ones who serves them. */
  readonly #onSweep = (): void => {
    this.#sweep = undefined;
    const announceBefore = performance.now() - this.#o.acceptedAfterMs;
    for (const active of this.#active.values()) {
      const reason = active.cancellation.reason;
      if (reason !== undefined) this.#abandon(active, reason);
      else if (!active.announced && active.startedAt <= announceBefore) {
        active.announced = true;
        this.#send.accepted(active.reply, active.id);
      }
    }
    if (this.#active.size > 0) this.#sweep = setTimeout(this.#onSweep, SWEEP_MS).unref();
  };

  #failure(id: string, thrown: unknown): ReplyEnvelope {
    return { id, ok: false, error: toHandlerError(thrown, this.#o.address).toJSON() };
  }

  #finish(active: ActiveRequest, reply: ReplyEnvelope): void {
    if (this.#end(active)) this.#send.reply(active.reply, reply);
  }

  /** The request was cancelled before the handler answered: answer with the reason, stop waiting. */
  #abandon(active: ActiveRequest, reason: MeshError): void {
    if (!this.#end(active)) return;
    if (!active.callerGone) this.#send.reply(active.reply, { id: active.id, ok: false, error: reason.toJSON() });
  }

  #end(active: ActiveRequest): boolean {
    if (active.done) return false;
    active.done = true;
    this.#active.delete(active);
    this.#idle.notify();
    return true;
  }

  /**
   * Stops taking requests (the server forgets this replica before this resolves, so callers see
   * AGENT_NOT_FOUND or another replica), lets the running ones finish for up to `timeoutMs`, then
   * cancels the rest with a retryable TRANSPORT_ERROR reply.
   */
  async close(timeoutMs: number): Promise<void> {
    try {
      await this.#requests.drain();
    } catch (error) {
      this.#o.logger.debug({ err: error, agent: this.#o.address }, 'request subscription drain failed');
    }
    await this.#idle.until(() => this.#active.size === 0, timeoutMs);
    const shutdown = transportError(`agent "${this.#o.address}" shut down before answering`);
    for (const active of this.#active.values()) {
      active.cancellation.cancel(shutdown);
      this.#abandon(active, active.cancellation.reason ?? shutdown);
    }
    this.#send.flush();
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    try {
      this.#cancels.unsubscribe();
    } catch (error) {
      this.#o.logger.debug({ err: error, agent: this.#o.address }, 'cancellation subscription not removed');
    }
  }
}
