import { invalidOption } from '../internal/validate.js';
import type { CircuitState } from './state.js';
import type { StrategySnapshot } from './strategy.js';

/** A breaker's state as plain JSON (`toJSON()`), to persist and restore across restarts. */
export interface CircuitBreakerSnapshot {
  readonly version: 1;
  readonly name: string;
  readonly state: CircuitState;
  /** Epoch ms from which an open breaker lets probes through. */
  readonly openUntil: number;
  /** Times it opened since it last closed (drives `openBackoff`). */
  readonly opens: number;
  readonly strategy: StrategySnapshot;
  /** Epoch ms the snapshot was taken. */
  readonly savedAt: number;
}

const STATES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/** Checks that `value` is a snapshot this version can restore; INVALID_ARGUMENT otherwise. */
export function checkSnapshot(value: unknown): CircuitBreakerSnapshot {
  const s = value as Partial<Record<keyof CircuitBreakerSnapshot, unknown>> | null;
  if (typeof s !== 'object' || s === null) throw invalidOption('snapshot must be an object from CircuitBreaker.toJSON()');
  if (s.version !== 1) throw invalidOption(`snapshot.version must be 1, got ${String(s.version)}`);
  if (typeof s.state !== 'string' || !STATES.includes(s.state as CircuitState)) throw invalidOption(`snapshot.state is not a circuit state: ${String(s.state)}`);
  if (typeof s.openUntil !== 'number' || !Number.isFinite(s.openUntil)) throw invalidOption('snapshot.openUntil must be a finite number');
  if (typeof s.opens !== 'number' || !Number.isSafeInteger(s.opens) || s.opens < 0) throw invalidOption('snapshot.opens must be a whole number >= 0');
  const strategy = s.strategy as { kind?: unknown } | null;
  if (typeof strategy !== 'object' || strategy === null || typeof strategy.kind !== 'string') throw invalidOption('snapshot.strategy must be an object with a kind');
  return value as CircuitBreakerSnapshot;
}
