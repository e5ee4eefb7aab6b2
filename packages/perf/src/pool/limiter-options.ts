import type { Clock, RequestContext } from '@agentmesh/core';

/** Most permits out at once. */
export const DEFAULT_MAX_CONCURRENT = 10;
/** Most callers waiting for a permit; beyond it they are refused with QUEUE_FULL. */
export const DEFAULT_MAX_WAITING = 10_000;
/** Longest wait for a permit before ACQUIRE_TIMEOUT. */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 30_000;

/** Options for a {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** Most permits out at once, over all keys. `Infinity` lifts the bound. @default DEFAULT_MAX_CONCURRENT (10) */
  readonly maxConcurrent?: number;
  /** Most permits out at once for one key (one target agent). @default Infinity (only `maxConcurrent` applies) */
  readonly maxPerKey?: number;
  /**
   * Most callers waiting; one more is refused at once with QUEUE_FULL. 0: never wait.
   * `Infinity` lifts the bound (an unbounded queue: think twice).
   * @default DEFAULT_MAX_WAITING (10 000)
   */
  readonly maxWaiting?: number;
  /** Longest wait for a permit before ACQUIRE_TIMEOUT; `Infinity` waits forever. @default DEFAULT_ACQUIRE_TIMEOUT_MS (30 s) */
  readonly acquireTimeoutMs?: number;
  /** Time source for `acquireTimeoutMs` (tests pass a fake one). @default systemClock */
  readonly clock?: Clock;
}

/** Options of one acquire (or `run`). */
export interface AcquireOptions {
  /** What the permit is for (a target agent's name): counts against `maxPerKey` and in stats. @default none */
  readonly key?: string;
  /** Aborting it while waiting leaves the queue at once and rejects with CANCELLED. @default none */
  readonly signal?: AbortSignal;
  /**
   * The request the permit is for: when it is cancelled or passes its deadline while waiting, the
   * caller leaves the queue at once and rejects with the request's reason (CANCELLED or TIMEOUT).
   * @default none
   */
  readonly context?: RequestContext;
}

/** A permit to run one piece of work. Release it exactly when the work ends; releasing twice is harmless. */
export interface Permit {
  /** The key it was acquired for. */
  readonly key: string | undefined;
  /** True once released. */
  readonly released: boolean;
  /** Gives the permit back (to the first eligible waiter, in arrival order). */
  release(): void;
}

/** Counters of one key. */
export interface KeyStats {
  readonly inFlight: number;
  readonly waiting: number;
}

/** Counters of a {@link ConcurrencyLimiter}, as plain JSON. */
export interface LimiterStats {
  /** Permits out now. */
  readonly inFlight: number;
  /** Callers waiting now. */
  readonly waiting: number;
  /** Most permits ever out at once (proves the bound in tests and dashboards). */
  readonly peakInFlight: number;
  readonly maxConcurrent: number;
  /** Keys with permits out or callers waiting. */
  readonly perKey: Readonly<Record<string, KeyStats>>;
  readonly closed: boolean;
}
