import type { Logger } from 'pino';
import { MeshError } from '../errors/mesh-error.js';
import type { JsonObject, JsonValue } from '../message/json.js';
import { nextId } from '../message/ids.js';
import { Cancellation } from './cancellation.js';
import { MAX_TIMER_MS, type Clock, type TimerHandle } from './clock.js';

/** Who is calling, once a transport or middleware has authenticated them. */
export interface Principal {
  readonly id: string;
  readonly claims?: JsonObject;
}

/** What {@link RequestContext.child} may change. A child can shorten the deadline, never extend it. */
export interface ContextOverrides {
  /** The agent the derived context acts for. */
  readonly agentName?: string;
  /** Shortens the deadline to now + timeoutMs (if that is earlier). */
  readonly timeoutMs?: number;
  /** Shortens the deadline to this epoch ms (if earlier). */
  readonly deadline?: number;
  readonly principal?: Principal;
}

/** Everything a context is built from. Transports and the mesh build contexts; users derive them. */
export interface RequestContextInit {
  readonly requestId: string;
  readonly agentName: string;
  readonly from?: string | undefined;
  readonly deadline?: number | undefined;
  readonly depth: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string | undefined;
  readonly principal?: Principal | undefined;
  readonly cancellation: Cancellation;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly progress?: ((data: JsonValue) => void) | undefined;
}

/**
 * The immutable context of one request: who, until when, how deep, which trace, and how to notice
 * cancellation. `signal` and `logger` are built on first read, so a handler that ignores them costs
 * nothing. Derive with {@link RequestContext.child}; a fresh context never resets depth or deadline.
 */
export class RequestContext {
  readonly requestId: string;
  /** The agent this context acts for (the callee, inside a handler). */
  readonly agentName: string;
  /** The calling agent, when known. */
  readonly from: string | undefined;
  /** Epoch ms after which the work is abandoned, or undefined for none. */
  readonly deadline: number | undefined;
  /** Hops from the first call: 1 for a call made outside any handler. */
  readonly depth: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly principal: Principal | undefined;
  /** Cancellation of this request; transports and middleware use it, handlers read `signal`. */
  readonly cancellation: Cancellation;
  readonly #baseLogger: Logger;
  readonly #clock: Clock;
  readonly #progress: ((data: JsonValue) => void) | undefined;
  #logger: Logger | undefined;
  /** A child's own, earlier deadline that nobody enforces yet: enforced once `signal` is read. */
  #unenforced = false;

  constructor(init: RequestContextInit) {
    this.requestId = init.requestId;
    this.agentName = init.agentName;
    this.from = init.from;
    this.deadline = init.deadline;
    this.depth = init.depth;
    this.traceId = init.traceId;
    this.spanId = init.spanId;
    this.parentSpanId = init.parentSpanId;
    this.principal = init.principal;
    this.cancellation = init.cancellation;
    this.#baseLogger = init.logger;
    this.#clock = init.clock;
    this.#progress = init.progress;
  }

  /** Aborts when the deadline passes or the caller cancels; its reason is a TIMEOUT/CANCELLED MeshError. */
  get signal(): AbortSignal {
    if (this.#unenforced) this.#enforceDeadline();
    return this.cancellation.signal;
  }

  /**
   * The mesh enforces the deadline of every call it runs; a child's earlier deadline is enforced by
   * whoever runs work with it (the mesh, when the child is passed to invoke). Reading the child's
   * signal directly (`fetch(url, { signal: child.signal })`) must abort at that deadline too, so a
   * timer is set then, and cleared if the child is cancelled first.
   */
  #enforceDeadline(): void {
    this.#unenforced = false;
    const cancellation = this.cancellation;
    const deadline = this.deadline!;
    if (cancellation.cancelled || cancellation.watched) return;
    const clock = this.#clock;
    let timer: TimerHandle;
    let armed = false;
    const check = (): void => {
      const left = deadline - clock.now();
      if (left <= 0) return cancellation.cancel(timeoutError(this.agentName, deadline));
      // A deadline past the longest timer is checked again then.
      timer = clock.setTimeout(check, Math.min(left, MAX_TIMER_MS));
      armed = true;
      (timer as { unref?: () => void }).unref?.();
    };
    check();
    if (armed) cancellation.onCancel(() => clock.clearTimeout(timer));
  }

  /** A pino logger bound to requestId, traceId, from and to. */
  get logger(): Logger {
    return (this.#logger ??= this.#baseLogger.child({
      requestId: this.requestId,
      traceId: this.traceId,
      from: this.from,
      to: this.agentName,
    }));
  }

  /** The clock this context measures time with. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Milliseconds left before the deadline (Infinity when there is none, 0 when passed). */
  remainingMs(): number {
    return this.deadline === undefined ? Infinity : Math.max(0, this.deadline - this.#clock.now());
  }

  /** Throws the cancellation reason (TIMEOUT or CANCELLED) if the request was cancelled. */
  throwIfCancelled(): void {
    const reason = this.cancellation.reason;
    if (reason !== undefined) throw reason;
  }

  /**
   * Sends a progress frame to the caller, if it listens (`onProgress`). Frames arrive in order and
   * before the reply. Returns false when nobody listens or the request has ended.
   */
  reportProgress(data: JsonValue): boolean {
    if (this.#progress === undefined || this.cancellation.cancelled) return false;
    this.#progress(data);
    return true;
  }

  /**
   * A derived context: same trace, cancellation and depth; the deadline can only get earlier. With
   * an earlier deadline the child gets its own cancellation, cancelled with the parent's; whoever
   * runs work under it (the mesh does, per call) enforces the new deadline. Deriving leaves no
   * listener on the parent.
   */
  child(overrides: ContextOverrides = {}): RequestContext {
    let deadline = this.deadline;
    if (overrides.timeoutMs !== undefined) deadline = earliest(deadline, this.#clock.now() + assertTimeoutMs(overrides.timeoutMs));
    if (overrides.deadline !== undefined) {
      if (typeof overrides.deadline !== 'number' || Number.isNaN(overrides.deadline)) throw new MeshError('INVALID_ARGUMENT', `deadline must be epoch milliseconds, got ${String(overrides.deadline)}`);
      deadline = earliest(deadline, overrides.deadline);
    }
    // An earlier deadline needs its own cancellation (fired by whoever enforces it), still
    // cancelled with this one; it links to this one only while somebody listens to it.
    const cancellation = deadline === this.deadline ? this.cancellation : new Cancellation(this.cancellation);
    const child = new RequestContext({
      requestId: this.requestId,
      agentName: overrides.agentName ?? this.agentName,
      from: this.from,
      deadline,
      depth: this.depth,
      traceId: this.traceId,
      spanId: nextId(),
      parentSpanId: this.spanId,
      principal: overrides.principal ?? this.principal,
      cancellation,
      logger: this.#baseLogger,
      clock: this.#clock,
      progress: this.#progress,
    });
    child.#unenforced = cancellation !== this.cancellation;
    return child;
  }

  /** A plain summary for logs and dead-letter records. */
  toJSON(): JsonObject {
    const out: JsonObject = { requestId: this.requestId, agentName: this.agentName, depth: this.depth, traceId: this.traceId, spanId: this.spanId };
    if (this.from !== undefined) out['from'] = this.from;
    if (this.deadline !== undefined) out['deadline'] = this.deadline;
    return out;
  }
}

/** The earlier of two optional deadlines. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** TIMEOUT error for a passed deadline. */
export function timeoutError(agent: string, deadline: number): MeshError {
  return MeshError.withoutStack('TIMEOUT', `call to "${agent}" passed its deadline (${formatDeadline(deadline)})`, {
    agent,
  });
}

/** A deadline as an ISO date when it is one, else the number (a peer may send anything). */
function formatDeadline(deadline: number): string {
  return Number.isFinite(deadline) && Math.abs(deadline) <= MAX_DATE_MS ? new Date(deadline).toISOString() : String(deadline);
}

/** The largest epoch milliseconds a Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * Returns a valid timeout: a number of milliseconds, 0 or more (Infinity for none).
 * @throws MeshError INVALID_ARGUMENT otherwise (NaN would poison every deadline comparison).
 */
export function assertTimeoutMs(timeoutMs: unknown, name = 'timeoutMs'): number {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
    throw new MeshError('INVALID_ARGUMENT', `${name} must be a number of milliseconds >= 0 (or Infinity), got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

/** CANCELLED error for a caller's abort; a signal aborted with a MeshError keeps that error. */
export function cancelledError(agent: string, reason?: unknown): MeshError {
  if (MeshError.is(reason)) return reason;
  const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return MeshError.withoutStack('CANCELLED', `call to "${agent}" was cancelled${why}`, { agent });
}
