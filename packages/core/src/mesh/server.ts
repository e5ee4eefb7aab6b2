import type { Logger } from 'pino';
import type { HandlerResult } from '../agent/agent.js';
import type { AgentRegistry } from '../agent/registry.js';
import type { Cancellation } from '../context/cancellation.js';
import type { Clock } from '../context/clock.js';
import type { DeadlineEntry, DeadlineScheduler } from '../context/deadline-scheduler.js';
import { RequestContext, timeoutError } from '../context/request-context.js';
import { MeshError, toHandlerError, type SerializedMeshError } from '../errors/mesh-error.js';
import { checkJson, type JsonValue } from '../message/json.js';
import { assertValidMessage } from '../message/validate.js';
import type { ReplyEnvelope, RequestEnvelope, ServeContext } from '../transport/types.js';
import { toReplyMessage } from './reply.js';
import type { InboundCall, InboundMiddleware } from './types.js';

/** What the serving side needs from its mesh. */
export interface ServerOptions {
  readonly registry: AgentRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly scheduler: DeadlineScheduler;
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly access: ((from: string | undefined, to: string) => boolean) | undefined;
  /** The mesh this server belongs to: requests whose cancellation has this origin are its own. */
  readonly origin: object;
  /** Called whenever a request ends while somebody waits for the server to drain. */
  readonly onSettled: () => void;
}

/** One request being handled; linked in a list so adding and removing cost no hashing. */
class Serving {
  prev: Serving | undefined;
  next: Serving | undefined;
  entry: DeadlineEntry | undefined;
  finished = false;
  linked = false;
  constructor(readonly cancellation: Cancellation) {}
}

/**
 * The serving side of a mesh: turns one request envelope into one reply envelope for a local
 * agent. Never throws and never rejects; every failure becomes an error reply. Answers
 * synchronously when the handler does, so an in-process call costs no extra promise.
 */
export class AgentServer {
  readonly #o: ServerOptions;
  #inbound: InboundMiddleware[] = [];
  #head: Serving | undefined;
  /** Requests being handled, synchronously or not. */
  #count = 0;
  /** Of those, the ones in the list (still running after their handler returned a promise). */
  #linked = 0;
  waiting = false;
  /** Set when the mesh starts closing. */
  closing = false;

  constructor(options: ServerOptions) {
    this.#o = options;
  }

  /** Requests being handled. */
  get count(): number {
    return this.#count;
  }

  use(middleware: InboundMiddleware): void {
    this.#inbound = [...this.#inbound, middleware];
  }

  /**
   * True when every request still running was cancelled (its caller gave up and was answered), so
   * nobody waits for it. Watches the others' cancellations so `onSettled` hears about them.
   */
  drained(): boolean {
    // A handler running right now (it is calling close() itself) is not in the list.
    if (this.#count > this.#linked) return false;
    for (let s = this.#head; s !== undefined; s = s.next) {
      if (s.cancellation.cancelled) continue;
      s.cancellation.onCancel(this.#o.onSettled);
      return false;
    }
    return true;
  }

  readonly handle = (envelope: RequestEnvelope, io: ServeContext): ReplyEnvelope | Promise<ReplyEnvelope> => {
    const o = this.#o;
    // A closing mesh finishes what it has, including nested calls and its own calls accepted
    // before close() (a middleware may have held them back), but takes no new top-level work
    // from elsewhere: the caller's retry can go to another replica.
    if (this.closing && envelope.depth === 1 && io.cancellation.origin !== o.origin) {
      return { id: envelope.id, ok: false, error: new MeshError('CLOSED', `"${envelope.to}" is shutting down here`, { agent: envelope.to, retryable: true }).toJSON() };
    }
    const agent = o.registry.get(envelope.to);
    if (agent === undefined) return refuse(envelope, 'AGENT_NOT_FOUND', `no agent named "${envelope.to}" here`);
    // The caller may be another mesh with other rules: the serving side applies its own.
    if (o.access !== undefined && !o.access(envelope.from, envelope.to)) {
      return refuse(envelope, 'ACCESS_DENIED', `"${envelope.from ?? '(anonymous)'}" may not call "${envelope.to}"`);
    }
    if (envelope.depth > o.maxDepth) return refuse(envelope, 'MAX_DEPTH', `request is ${envelope.depth} hops deep (limit ${o.maxDepth})`);
    // Only requests that can outlive this call stack need a record: remote ones (a deadline to
    // watch), listened-to progress, and async handlers (linked below, for close() to wait on).
    const deadline = envelope.deadline;
    let serving: Serving | undefined;
    let progress: ((data: JsonValue) => void) | undefined;
    const send = io.progress;
    if (send !== undefined) {
      const record = (serving = new Serving(io.cancellation));
      progress = (data) => {
        if (!record.finished) send(this.#checkProgress(data));
      };
    }
    // Over a network the mesh enforces the caller's deadline here too (in-process it already is).
    if (io.remote && deadline !== undefined) {
      if (deadline <= o.clock.now()) return { id: envelope.id, ok: false, error: timeoutError(envelope.to, deadline).toJSON() };
      serving ??= new Serving(io.cancellation);
      serving.entry = o.scheduler.schedule(deadline, { onDeadline: () => io.cancellation.cancel(timeoutError(envelope.to, deadline)) });
    }
    const ctx = new RequestContext({
      requestId: envelope.id,
      agentName: envelope.to,
      from: envelope.from,
      deadline,
      depth: envelope.depth,
      traceId: envelope.traceId,
      spanId: envelope.spanId,
      parentSpanId: envelope.parentSpanId,
      principal: envelope.principal,
      cancellation: io.cancellation,
      logger: o.logger,
      clock: o.clock,
      progress,
    });
    this.#count++;
    let result: Promise<HandlerResult> | HandlerResult;
    try {
      result = this.#inbound.length === 0 ? agent.handle(envelope.message, ctx) : this.#runInbound({ agent, message: envelope.message, context: ctx }, 0);
    } catch (error) {
      return this.#end(serving, this.#failure(envelope.id, agent.name, error, ctx));
    }
    if (!isThenable(result)) return this.#end(serving, this.#success(envelope.id, agent.name, result, ctx));
    const record = serving ?? new Serving(io.cancellation);
    this.#link(record);
    return Promise.resolve(result).then(
      (value) => this.#end(record, this.#success(envelope.id, agent.name, value, ctx)),
      (error: unknown) => this.#end(record, this.#failure(envelope.id, agent.name, error, ctx)),
    );
  };

  #runInbound(call: InboundCall, index: number): Promise<HandlerResult> | HandlerResult {
    const layer = this.#inbound[index];
    if (layer === undefined) return call.agent.handle(call.message, call.context);
    return layer(call, (next) => this.#runInbound(next, index + 1));
  }

  #checkProgress(data: unknown): JsonValue {
    assertValidMessage({ id: 'progress', role: 'tool', content: data, metadata: {} }, this.#o.maxBytes, 'progress');
    return data as JsonValue;
  }

  #success(id: string, agent: string, value: HandlerResult, ctx: RequestContext): ReplyEnvelope {
    try {
      return { id, ok: true, message: toReplyMessage(value, this.#o.maxBytes) };
    } catch (error) {
      return this.#failure(id, agent, error, ctx);
    }
  }

  #failure(id: string, agent: string, thrown: unknown, ctx: RequestContext): ReplyEnvelope {
    const error = toHandlerError(thrown, agent);
    // Building the request's child logger costs more than the call; only do it to write the line.
    if (this.#o.logger.isLevelEnabled('warn')) ctx.logger.warn({ err: error, code: error.code }, 'handler failed');
    return { id, ok: false, error: serializable(error, this.#o.maxBytes) };
  }

  #link(serving: Serving): void {
    serving.linked = true;
    serving.next = this.#head;
    if (this.#head !== undefined) this.#head.prev = serving;
    this.#head = serving;
    this.#linked++;
  }

  #end(serving: Serving | undefined, reply: ReplyEnvelope): ReplyEnvelope {
    if (serving !== undefined) {
      serving.finished = true;
      if (serving.entry !== undefined) this.#o.scheduler.cancel(serving.entry);
      if (serving.linked) {
        if (serving.prev !== undefined) serving.prev.next = serving.next;
        else this.#head = serving.next;
        if (serving.next !== undefined) serving.next.prev = serving.prev;
        this.#linked--;
      }
    }
    this.#count--;
    if (this.waiting) this.#o.onSettled();
    return reply;
  }
}

function refuse(envelope: RequestEnvelope, code: 'AGENT_NOT_FOUND' | 'ACCESS_DENIED' | 'MAX_DEPTH', message: string): ReplyEnvelope {
  return { id: envelope.id, ok: false, error: new MeshError(code, message, { agent: envelope.to }).toJSON() };
}

/** True for promises and other thenables. */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The wire form of a handler's error. Its `details` (a handler's own MeshError may carry anything)
 * travel only when they are JSON within the size limit; otherwise they are replaced by a note, so
 * a network transport can always send the failure.
 */
function serializable(error: MeshError, maxBytes: number): SerializedMeshError {
  const json = error.toJSON();
  if (json.details === undefined) return json;
  const problem = checkJson(json.details, 'details', maxBytes);
  if (typeof problem === 'number') return json;
  return { ...json, details: { detailsDropped: `${problem.path}: ${problem.reason}` } };
}
