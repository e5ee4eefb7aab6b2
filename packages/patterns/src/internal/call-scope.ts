import {
  Cancellation,
  MeshError,
  RequestContext,
  cancelledError,
  earliest,
  nextId,
  type InvokeOptions,
  type Mesh,
  type Message,
  type MessageInit,
  type TimerHandle,
} from '@agentmesh/core';
import { raceCancellation } from './race.js';

type Logger = Mesh['logger'];

/** Where a pattern's hops come from and what bounds them. */
export interface CallScopeOptions {
  readonly mesh: Mesh;
  /** Names the operation in TIMEOUT and CANCELLED messages ("map-reduce"). */
  readonly operation: string;
  /** The calling agent; defaults to the context's agent. */
  readonly from?: string | undefined;
  /** The caller's context: every hop inherits its deadline, cancellation, depth, trace and principal. */
  readonly context?: RequestContext | undefined;
  /** Aborting it cancels the operation and every outstanding hop. */
  readonly signal?: AbortSignal | undefined;
  /** Budget of the whole operation. */
  readonly timeoutMs?: number | undefined;
}

/**
 * The hops of one pattern run, as a group. Each hop is a child of the caller's context (same
 * trace, deadline and principal, depth + 1) under the group's own cancellation, which follows the
 * caller's cancellation, the caller's signal and the operation's deadline, and which the pattern
 * can fire itself to stop stragglers. Cancelling it settles every outstanding hop at once and
 * aborts each callee's `ctx.signal`. One timer and at most one listener per source, all removed by
 * {@link CallScope.dispose}.
 */
export class CallScope {
  /** The group's cancellation; every hop is linked to it. */
  readonly cancellation = new Cancellation();
  /** The earlier of the caller's deadline and the operation's own. */
  readonly deadline: number | undefined;
  readonly #mesh: Mesh;
  readonly #operation: string;
  readonly #from: string | undefined;
  readonly #ownDeadline: boolean;
  readonly #context: RequestContext | undefined;
  readonly #parent: RequestContext | undefined;
  #timer: TimerHandle;
  #unlinkParent: (() => void) | undefined;
  #signal: AbortSignal | undefined;

  constructor(options: CallScopeOptions) {
    const { mesh, context: parent, timeoutMs } = options;
    this.#mesh = mesh;
    this.#operation = options.operation;
    this.#from = options.from ?? parent?.agentName;
    this.#parent = parent;
    const now = mesh.clock.now();
    const own = timeoutMs === undefined || timeoutMs === Infinity ? undefined : now + timeoutMs;
    this.#ownDeadline = own !== undefined;
    this.deadline = earliest(parent?.deadline, own);
    const group = this.cancellation;
    if (parent !== undefined) this.#unlinkParent = parent.cancellation.onCancel((reason) => group.cancel(reason));
    const signal = options.signal;
    if (signal?.aborted === true) group.cancel(cancelledError(this.#operation, signal.reason));
    else if (signal !== undefined) {
      this.#signal = signal;
      signal.addEventListener('abort', this);
    }
    const deadline = this.deadline;
    if (deadline !== undefined && !group.cancelled) {
      if (deadline <= now) group.cancel(this.#timeout(deadline));
      else this.#timer = mesh.clock.setTimeout(() => group.cancel(this.#timeout(deadline)), deadline - now);
    }
    // A hop needs a context to carry depth and trace, and a context names its agent; an anonymous
    // caller outside any handler has neither, so its hops follow the group through a signal instead.
    if (this.#from !== undefined) {
      this.#context = new RequestContext({
        requestId: parent?.requestId ?? nextId(),
        agentName: this.#from,
        from: parent?.from,
        deadline: this.deadline,
        depth: parent?.depth ?? 0,
        traceId: parent?.traceId ?? nextId(),
        spanId: nextId(),
        parentSpanId: parent?.spanId,
        principal: parent?.principal,
        cancellation: group,
        logger: mesh.logger,
        clock: mesh.clock,
      });
    }
  }

  /** Why the group stopped (TIMEOUT, CANCELLED or the pattern's own reason), or undefined. */
  get reason(): MeshError | undefined {
    return this.cancellation.reason;
  }

  /**
   * The group's reason to stop, if it has one, counting a deadline that has passed but whose timer
   * has not fired yet (a hop's TIMEOUT at the group's deadline is the group's, not the hop's).
   */
  stopped(): MeshError | undefined {
    const deadline = this.deadline;
    if (this.cancellation.reason === undefined && deadline !== undefined && this.#mesh.clock.now() >= deadline) {
      this.cancellation.cancel(this.#timeout(deadline));
    }
    return this.cancellation.reason;
  }

  /** The caller's logger (with its request and trace ids) or the mesh's. */
  get logger(): Logger {
    // Read lazily: a context builds its child logger on first use.
    return this.#parent?.logger ?? this.#mesh.logger;
  }

  /** The mesh the hops go through. */
  get mesh(): Mesh {
    return this.#mesh;
  }

  /**
   * Calls `to` as one hop of the group. `hopTimeoutMs` bounds this hop alone; without it a hop
   * gets the group's deadline, or the mesh's default timeout when the group has none of its own.
   */
  invoke(to: string, message: Message | MessageInit, hopTimeoutMs?: number): Promise<Message> {
    const reason = this.cancellation.reason;
    if (reason !== undefined) return Promise.reject(reason);
    const context = this.#context;
    if (context !== undefined) {
      const timeoutMs = hopTimeoutMs ?? (this.#ownDeadline ? Infinity : undefined);
      const options: InvokeOptions = timeoutMs === undefined ? { from: this.#from!, context } : { from: this.#from!, context, timeoutMs };
      return this.#mesh.invoke(to, message, options);
    }
    let timeoutMs = hopTimeoutMs;
    if (this.deadline !== undefined) {
      const left = this.deadline - this.#mesh.clock.now();
      timeoutMs = timeoutMs === undefined ? left : Math.min(timeoutMs, left);
    }
    const signal = this.cancellation.signal;
    return this.#mesh.invoke(to, message, timeoutMs === undefined ? { signal } : { signal, timeoutMs });
  }

  /** Settles like `work`, or rejects with the group's reason as soon as the group is cancelled. */
  race<T>(work: Promise<T>): Promise<T> {
    return raceCancellation(work, this.cancellation);
  }

  /** Cancels every outstanding hop with `reason` (first reason wins). */
  cancel(reason: MeshError): void {
    this.cancellation.cancel(reason);
  }

  /** Removes the timer and the links to the caller's context and signal. Call once, when done. */
  dispose(): void {
    if (this.#timer !== undefined) this.#mesh.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unlinkParent?.();
    this.#unlinkParent = undefined;
    this.#signal?.removeEventListener('abort', this);
    this.#signal = undefined;
  }

  /** @internal EventListener for the caller's signal. */
  handleEvent(): void {
    this.cancellation.cancel(cancelledError(this.#operation, this.#signal?.reason));
  }

  #timeout(deadline: number): MeshError {
    return MeshError.withoutStack('TIMEOUT', `${this.#operation} passed its deadline (${new Date(deadline).toISOString()})`, {
      details: { deadline },
    });
  }
}
