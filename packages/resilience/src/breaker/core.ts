import { MeshError } from '@agentmesh/core';
import { safePredicate } from '../internal/report.js';
import type { Emitter } from './events.js';
import { describeFailure } from './failure.js';
import type { ResolvedBreakerOptions } from './options.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';
import type { CircuitBreakerEvents, CircuitState } from './state.js';
import type { Strategy } from './strategy.js';

/** Numeric states, so the hot path compares small integers. */
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const ISOLATED = 3;
const NAMES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/**
 * The state machine of one breaker: admission, outcome accounting and transitions. Calls admitted
 * while closed report through {@link BreakerCore.onSuccess}/{@link BreakerCore.onFailure} (bound
 * once, so the closed path allocates no closures); probes report with the generation they were
 * admitted in, so a late answer from an earlier half-open period can never decide a later one.
 */
export class BreakerCore {
  state = CLOSED;
  readonly o: ResolvedBreakerOptions;
  readonly strategy: Strategy;
  /** Whether calls must be timed (slow-call tracking). */
  readonly timed: boolean;
  readonly #events: Emitter<CircuitBreakerEvents>;
  readonly #openMessage: string;
  readonly #isolatedMessage: string;
  #openUntil = 0;
  #opens = 0;
  #generation = 0;
  #probes = 0;
  #probeSuccesses = 0;
  #probeDeadline = 0;
  #isolations = 0;
  #isolationEpoch = 0;

  constructor(options: ResolvedBreakerOptions, events: Emitter<CircuitBreakerEvents>) {
    this.o = options;
    this.strategy = options.strategy;
    this.timed = options.strategy.slowCallDurationMs !== undefined;
    this.#events = events;
    this.#openMessage = `circuit "${options.name}" is open`;
    this.#isolatedMessage = `circuit "${options.name}" is isolated`;
  }

  get stateName(): CircuitState {
    return NAMES[this.state]!;
  }

  /** How long until an open breaker admits a probe (0 when it would now; undefined unless open). */
  retryAfterMs(): number | undefined {
    return this.state === OPEN ? this.#remainingOpen(this.o.clock.now()) : undefined;
  }

  /**
   * How long the breaker stays open from `now`. No open period is longer than maxOpenDurationMs,
   * so more than that means the clock stepped back (the wall clock can): the period counts as over
   * rather than being stretched by the step.
   */
  #remainingOpen(now: number): number {
    const remaining = this.#openUntil - now;
    return remaining > 0 && remaining <= this.o.maxOpenDurationMs ? remaining : 0;
  }

  /** Admission when not closed: a probe's generation (>= 0), or the rejection. */
  admitSlow(): number | MeshError {
    if (this.state === ISOLATED) return this.#isolatedRejection();
    const now = this.o.clock.now();
    if (this.state === OPEN) {
      const remaining = this.#remainingOpen(now);
      if (remaining > 0) return this.#rejection(remaining);
      this.#transition(HALF_OPEN, 'open duration elapsed', now);
      // A stateChange listener may have isolated, opened or reset the breaker meanwhile.
      const after: number = this.state;
      if (after !== HALF_OPEN) return after === ISOLATED ? this.#isolatedRejection() : this.#rejection(this.#remainingOpen(now));
    }
    if (this.#probes >= this.o.halfOpenMaxCalls) return this.#rejection(Math.max(0, this.#probeDeadline - now));
    this.#probes++;
    this.#probeDeadline = Math.max(this.#probeDeadline, now + this.o.halfOpenTimeoutMs);
    return this.#generation;
  }

  #isolatedRejection(): MeshError {
    return MeshError.withoutStack('CIRCUIT_OPEN', this.#isolatedMessage, this.#rejectOptions(undefined, false));
  }

  #rejection(retryAfterMs: number): MeshError {
    return MeshError.withoutStack('CIRCUIT_OPEN', this.#openMessage, this.#rejectOptions(Math.ceil(retryAfterMs), true));
  }

  #rejectOptions(retryAfterMs: number | undefined, retryable: boolean): { retryAfterMs?: number; agent?: string; retryable: boolean } {
    const options: { retryAfterMs?: number; agent?: string; retryable: boolean } = { retryable };
    if (retryAfterMs !== undefined) options.retryAfterMs = retryAfterMs;
    if (this.o.agent !== undefined) options.agent = this.o.agent;
    return options;
  }

  /** Handler for a call admitted while closed that succeeded. */
  readonly onSuccess = <T>(value: T): T => {
    this.closedOutcome(false, false);
    return value;
  };

  /** Handler for a call admitted while closed that failed; rethrows. */
  readonly onFailure = (error: unknown): never => {
    if (this.isFailure(error)) this.closedOutcome(true, false);
    throw error;
  };

  /** The classifier, guarded: a classifier that throws counts the call as failed. */
  isFailure(error: unknown): boolean {
    return safePredicate(this.o.isFailure, error, undefined, true, 'isFailure');
  }

  /** Records a counted outcome of a closed-state call; ignored once the breaker left closed. */
  closedOutcome(failed: boolean, slow: boolean): void {
    if (this.state !== CLOSED) return;
    const why = this.strategy.record(failed, slow);
    if (why !== undefined) this.#open(why, this.o.clock.now());
  }

  /** A probe admitted in `generation` succeeded; enough of them close the breaker. */
  probeSucceeded(generation: number): void {
    if (generation !== this.#generation || this.state !== HALF_OPEN) return;
    if (++this.#probeSuccesses >= this.o.halfOpenMaxCalls) this.#close(`${this.#probeSuccesses} probe(s) succeeded`);
  }

  /** A probe failed: re-open, unless the error is neutral (it told nothing: let another probe go). */
  probeFailed(generation: number, error: unknown): void {
    if (generation !== this.#generation || this.state !== HALF_OPEN) return;
    if (this.isFailure(error)) this.#open(`probe failed: ${describeFailure(error)}`, this.o.clock.now());
    else this.#probes--;
  }

  /** A probe is still running after halfOpenTimeoutMs: it counts as failed. */
  probeHung(generation: number): void {
    if (generation !== this.#generation || this.state !== HALF_OPEN) return;
    this.#open(`probe still running after ${this.o.halfOpenTimeoutMs} ms`, this.o.clock.now());
  }

  isolate(): () => void {
    this.#isolations++;
    const epoch = this.#isolationEpoch;
    if (this.state !== ISOLATED) this.#transition(ISOLATED, 'isolated by hand', this.o.clock.now());
    let released = false;
    return () => {
      if (released || epoch !== this.#isolationEpoch) return;
      released = true;
      if (--this.#isolations === 0) this.#close('isolation released');
    };
  }

  reset(): void {
    this.#isolationEpoch++;
    this.#isolations = 0;
    if (this.state === CLOSED) {
      this.strategy.reset();
      this.#opens = 0;
    } else this.#close('reset');
  }

  #open(reason: string, now: number): void {
    const duration = Math.min(this.o.maxOpenDurationMs, this.o.openDurationMs * this.o.backoffMultiplier ** this.#opens);
    this.#opens++;
    this.#openUntil = now + duration;
    this.#transition(OPEN, reason, now, duration);
  }

  #close(reason: string): void {
    this.strategy.reset();
    this.#opens = 0;
    this.#transition(CLOSED, reason, this.o.clock.now());
  }

  #transition(to: number, reason: string, at: number, openForMs?: number): void {
    const from = this.state;
    this.state = to;
    this.#generation++;
    this.#probes = this.#probeSuccesses = this.#probeDeadline = 0;
    if (!this.#events.has('stateChange')) return;
    const event = { name: this.o.name, from: NAMES[from]!, to: NAMES[to]!, at, reason };
    this.#events.emit('stateChange', openForMs === undefined ? event : { ...event, openForMs });
  }

  snapshot(): CircuitBreakerSnapshot {
    return {
      version: 1,
      name: this.o.name,
      state: this.stateName,
      openUntil: this.#openUntil,
      opens: this.#opens,
      strategy: this.strategy.snapshot(),
      savedAt: this.o.clock.now(),
    };
  }

  /** Takes state back from a checked snapshot (before any call; emits no event). */
  restore(s: CircuitBreakerSnapshot): void {
    this.state = NAMES.indexOf(s.state);
    this.#openUntil = s.openUntil;
    this.#opens = s.opens;
    this.#isolations = this.state === ISOLATED ? 1 : 0;
    this.strategy.restore(s.strategy);
  }
}
