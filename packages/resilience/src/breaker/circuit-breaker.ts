import { MeshError, type Call, type Mesh, type Message, type RequestContext } from '@agentmesh/core';
import { abortReason, NEVER_ABORTED, watchCancellation, watchSignal } from '../internal/abort.js';
import { invokeOptions } from '../internal/invoke-options.js';
import { rejectSoon } from '../internal/reject-soon.js';
import { callNext, runWork } from '../internal/run.js';
import { invalidOption } from '../internal/validate.js';
import type { Executor, Work } from '../policy/types.js';
import { BreakerCore, CLOSED } from './core.js';
import { Emitter } from './events.js';
import { resolveBreakerOptions, type CircuitBreakerOptions } from './options.js';
import { checkSnapshot, type CircuitBreakerSnapshot } from './snapshot.js';
import type { CircuitBreakerEvents, CircuitState } from './state.js';
import { ProbeRun, TrackedCall } from './tracked-call.js';

const EVENT_TYPES: readonly (keyof CircuitBreakerEvents)[] = ['stateChange'];

/**
 * A circuit breaker: stops calling a failing target for a while, then lets a bounded number of
 * probes decide whether it recovered. Closed: calls go through and a strategy counts failures
 * (consecutive, or a count/time window with failure and slow-call rates). Open: calls are rejected
 * at once with CIRCUIT_OPEN and `retryAfterMs`, without a stack trace. After `openDurationMs` the
 * next call moves it to half-open (no timer runs while open): exactly `halfOpenMaxCalls` probes go
 * through, every other call is rejected; all probes succeeding closes it, a failing or hung probe
 * re-opens it.
 *
 * Three ways in: `execute(fn, signal)` for any function, `call(from, to, message, ctx)` through the
 * mesh given as `options.mesh`, and `guard(call, next)` inside middleware. For a mesh, prefer
 * {@link circuitBreakers}: one breaker per target, so one bad peer never blocks the others.
 */
export class CircuitBreaker implements Executor {
  readonly #core: BreakerCore;
  readonly #events = new Emitter<CircuitBreakerEvents>(EVENT_TYPES);
  readonly #mesh: Mesh | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    const resolved = resolveBreakerOptions(options);
    this.#core = new BreakerCore(resolved, this.#events);
    this.#mesh = options.mesh;
    if (options.snapshot !== undefined) this.#core.restore(checkSnapshot(options.snapshot));
    if (options.onStateChange !== undefined) this.#events.on('stateChange', options.onStateChange);
  }

  /** A breaker in the state of an earlier {@link CircuitBreaker.toJSON}, with `options` for the rest. */
  static fromJSON(snapshot: CircuitBreakerSnapshot, options: Omit<CircuitBreakerOptions, 'snapshot'> = {}): CircuitBreaker {
    return new CircuitBreaker({ name: snapshot.name, ...options, snapshot });
  }

  get name(): string {
    return this.#core.o.name;
  }

  /** The current state. An open breaker turns half-open on the first call after its open duration. */
  get state(): CircuitState {
    return this.#core.stateName;
  }

  /** While open: ms until a probe may go through (0 once it may). Otherwise undefined. */
  get retryAfterMs(): number | undefined {
    return this.#core.retryAfterMs();
  }

  /** Listens to transitions; returns the function that stops listening. */
  on<K extends keyof CircuitBreakerEvents>(type: K, listener: (event: CircuitBreakerEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  /**
   * Holds the breaker open (state `isolated`, CIRCUIT_OPEN with `retryable: false`) until every
   * handle returned so far is released (or `reset()`); then it closes with empty counters.
   */
  isolate(): () => void {
    return this.#core.isolate();
  }

  /** Closes it with empty counters and a reset open backoff; releases every isolation. */
  reset(): void {
    this.#core.reset();
  }

  /** The state as plain JSON; restore with {@link CircuitBreaker.fromJSON} or `options.snapshot`. */
  toJSON(): CircuitBreakerSnapshot {
    return this.#core.snapshot();
  }

  /**
   * Runs `work` through the breaker. Work gets the caller's signal (a never-aborting one when none
   * was given), or for a probe a signal that also aborts when the probe hangs past
   * halfOpenTimeoutMs. Hung work is only counted when it ends: compose with `timeout()` inside.
   */
  execute<T>(work: Work<T>, signal?: AbortSignal): Promise<T> {
    const core = this.#core;
    if (signal?.aborted === true) return Promise.reject(abortReason(signal, `call through circuit "${core.o.name}"`));
    if (core.state === CLOSED) {
      const run = runWork(work, signal ?? NEVER_ABORTED);
      return core.timed ? new TrackedCall(core, undefined).follow(run) : run.then(core.onSuccess, core.onFailure);
    }
    const admitted = core.admitSlow();
    if (typeof admitted !== 'number') return rejectSoon(admitted);
    const controller = new AbortController();
    const probe = new ProbeRun(core, admitted, watchSignal(signal, 'probe'), (reason) => controller.abort(reason));
    return probe.follow(runWork(work, controller.signal));
  }

  /**
   * Calls agent `to` through the mesh given as `options.mesh`, guarded by this breaker. The call
   * inherits `ctx` (deadline, cancellation, depth, trace) when given; a probe's call is also bounded
   * by halfOpenTimeoutMs.
   */
  call(from: string | undefined, to: string, message: Message, ctx?: RequestContext): Promise<Message> {
    const mesh = this.#mesh;
    if (mesh === undefined) return Promise.reject(invalidOption(`circuit "${this.name}" has no mesh: pass options.mesh to use call()`));
    const core = this.#core;
    if (core.state === CLOSED) {
      const run = mesh.invoke(to, message, invokeOptions(from, ctx, undefined, undefined));
      return core.timed ? new TrackedCall(core, undefined).follow(run) : run.then(core.onSuccess, core.onFailure);
    }
    const early = ctx?.cancellation.reason;
    if (early !== undefined) return Promise.reject(early);
    const admitted = core.admitSlow();
    if (typeof admitted !== 'number') return rejectSoon(admitted);
    const abort = ctx === undefined ? watchSignal(undefined, 'probe') : watchCancellation(ctx.cancellation);
    return new ProbeRun(core, admitted, abort).follow(mesh.invoke(to, message, invokeOptions(from, ctx, core.o.halfOpenTimeoutMs, undefined)));
  }

  /**
   * Runs one mesh call (inside middleware) through this breaker. A call the mesh abandons at its
   * deadline counts as a TIMEOUT failure right then, even if its callee never answers.
   */
  guard(call: Call, next: (call: Call) => Promise<Message>): Promise<Message> {
    const core = this.#core;
    if (core.state === CLOSED) {
      const run = callNext(next, call);
      const cancellation = call.context.cancellation;
      // Only a watched cancellation can end the call without `next` settling (see Cancellation.watched).
      if (!core.timed && !cancellation.watched) return run.then(core.onSuccess, core.onFailure);
      return new TrackedCall(core, cancellation.watched ? cancellation : undefined).follow(run);
    }
    const early = call.context.cancellation.reason;
    if (early !== undefined) return Promise.reject(early);
    const admitted = core.admitSlow();
    if (typeof admitted !== 'number') return rejectSoon(admitted);
    const context = call.context.child({ timeoutMs: core.o.halfOpenTimeoutMs });
    // A hung probe's own context is cancelled, so the callee hears it even if nothing reached the transport.
    const own = context.cancellation === call.context.cancellation ? undefined : context.cancellation;
    const probe = new ProbeRun(core, admitted, watchCancellation(call.context.cancellation), own && ((reason) => own.cancel(reason)));
    return probe.follow(callNext(next, { from: call.from, to: call.to, message: call.message, context, onProgress: call.onProgress }));
  }
}

/** True when `error` is an open-circuit rejection (CIRCUIT_OPEN), from any breaker. */
export function isCircuitOpen(error: unknown): error is MeshError {
  return MeshError.is(error, 'CIRCUIT_OPEN');
}
