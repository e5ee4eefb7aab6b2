import { systemClock, type Clock, type Mesh } from '@agentmesh/core';
import { finiteAtLeast, integerAtLeast, invalidOption, optionalFunction, positiveMs } from '../internal/validate.js';
import { createStrategy, DEFAULT_STRATEGY } from './create-strategy.js';
import { isBreakerFailure } from './failure.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';
import type { StateChangeEvent } from './state.js';
import type { BreakerStrategyOptions, Strategy } from './strategy.js';

/** Default time a breaker stays open before it lets a probe through, in ms. */
export const DEFAULT_OPEN_DURATION_MS = 10_000;
/** Default probes admitted while half-open. */
export const DEFAULT_HALF_OPEN_MAX_CALLS = 1;
/** Default time after which a probe still running counts as failed, in ms. */
export const DEFAULT_HALF_OPEN_TIMEOUT_MS = 30_000;
/** Default growth of the open duration per failed probe, with `openBackoff`. */
export const DEFAULT_OPEN_BACKOFF_MULTIPLIER = 2;
/** Default cap of a growing open duration, in ms. */
export const DEFAULT_MAX_OPEN_DURATION_MS = 300_000;
/** Default breaker name. */
export const DEFAULT_BREAKER_NAME = 'circuit-breaker';

/** Makes the open duration grow each time the breaker re-opens without having closed. */
export interface OpenBackoffOptions {
  /** @default DEFAULT_OPEN_BACKOFF_MULTIPLIER (2) */
  readonly multiplier?: number;
  /** @default DEFAULT_MAX_OPEN_DURATION_MS (300 000) */
  readonly maxOpenDurationMs?: number;
}

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Shown in events, errors and snapshots. @default DEFAULT_BREAKER_NAME ("circuit-breaker") */
  readonly name?: string;
  /** The agent it guards, set as `agent` on its CIRCUIT_OPEN errors. @default none (`circuitBreakers` sets the target) */
  readonly agent?: string;
  /** When a closed breaker opens. @default DEFAULT_STRATEGY (5 consecutive failures) */
  readonly strategy?: BreakerStrategyOptions;
  /** How long it stays open before letting probes through, in ms. @default DEFAULT_OPEN_DURATION_MS (10 000) */
  readonly openDurationMs?: number;
  /** Grow the open duration (×multiplier, capped) each time a probe fails. @default none: constant */
  readonly openBackoff?: OpenBackoffOptions;
  /** Probes admitted while half-open; all must succeed to close. @default DEFAULT_HALF_OPEN_MAX_CALLS (1) */
  readonly halfOpenMaxCalls?: number;
  /** A probe still running after this long counts as failed, and the breaker re-opens. @default DEFAULT_HALF_OPEN_TIMEOUT_MS (30 000) */
  readonly halfOpenTimeoutMs?: number;
  /** Which errors count as failures; the rest are neutral. @default isBreakerFailure */
  readonly isFailure?: (error: unknown) => boolean;
  /** Time source. @default systemClock */
  readonly clock?: Clock;
  /** The mesh `call()` invokes through. @default none: `call()` rejects with INVALID_ARGUMENT */
  readonly mesh?: Mesh;
  /** State to start from, from an earlier `toJSON()`. @default closed, empty counters */
  readonly snapshot?: CircuitBreakerSnapshot;
  /** Shortcut for `on('stateChange', listener)`. @default none */
  readonly onStateChange?: (event: StateChangeEvent) => void;
}

/** Validated options. */
export interface ResolvedBreakerOptions {
  readonly name: string;
  readonly agent: string | undefined;
  readonly strategy: Strategy;
  readonly openDurationMs: number;
  readonly backoffMultiplier: number;
  readonly maxOpenDurationMs: number;
  readonly halfOpenMaxCalls: number;
  readonly halfOpenTimeoutMs: number;
  readonly isFailure: (error: unknown) => boolean;
  readonly clock: Clock;
}

/** Validates breaker options (INVALID_ARGUMENT on bad ones) and fills the defaults. */
export function resolveBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('circuit breaker options must be an object');
  const name = options.name ?? DEFAULT_BREAKER_NAME;
  if (typeof name !== 'string' || name.length === 0) throw invalidOption('name must be a non-empty string');
  const clock = options.clock ?? systemClock;
  const openDurationMs = positiveMs(options.openDurationMs ?? DEFAULT_OPEN_DURATION_MS, 'openDurationMs');
  const backoff = options.openBackoff;
  const maxOpenDurationMs = backoff === undefined ? openDurationMs : positiveMs(backoff.maxOpenDurationMs ?? Math.max(openDurationMs, DEFAULT_MAX_OPEN_DURATION_MS), 'openBackoff.maxOpenDurationMs');
  if (maxOpenDurationMs < openDurationMs) throw invalidOption(`openBackoff.maxOpenDurationMs (${maxOpenDurationMs}) must be >= openDurationMs (${openDurationMs})`);
  optionalFunction(options.onStateChange, 'onStateChange');
  if (options.agent !== undefined && typeof options.agent !== 'string') throw invalidOption('agent must be a string');
  return {
    name,
    agent: options.agent,
    strategy: createStrategy(options.strategy ?? DEFAULT_STRATEGY, clock),
    openDurationMs,
    backoffMultiplier: backoff === undefined ? 1 : finiteAtLeast(backoff.multiplier ?? DEFAULT_OPEN_BACKOFF_MULTIPLIER, 'openBackoff.multiplier', 1),
    maxOpenDurationMs,
    halfOpenMaxCalls: integerAtLeast(options.halfOpenMaxCalls ?? DEFAULT_HALF_OPEN_MAX_CALLS, 'halfOpenMaxCalls', 1),
    halfOpenTimeoutMs: positiveMs(options.halfOpenTimeoutMs ?? DEFAULT_HALF_OPEN_TIMEOUT_MS, 'halfOpenTimeoutMs'),
    isFailure: optionalFunction(options.isFailure, 'isFailure') ?? isBreakerFailure,
    clock,
  };
}
