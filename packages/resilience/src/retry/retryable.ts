import { MeshError } from '@agentmesh/core';
import { isAbort } from '../internal/abort.js';

const PROGRAMMING_ERRORS = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError']);

/**
 * Whether retrying can help, as the error itself says: a MeshError's `retryable`; for other errors a
 * boolean `retryable` property, else anything but a programming error (TypeError and kin) or an
 * abort. Cancellations (CANCELLED, AbortError) are never retryable.
 */
export function isRetryable(error: unknown): boolean {
  if (isAbort(error)) return false;
  if (MeshError.is(error)) return error.retryable;
  const flag = (error as { retryable?: unknown } | null)?.retryable;
  if (typeof flag === 'boolean') return flag;
  return !(error instanceof Error && (PROGRAMMING_ERRORS.has(error.name) || error.name === 'TimeoutError'));
}

/** The `retryAfterMs` an error asks for, when it is a usable number. */
export function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

// How many attempts a retry made before giving up with this error, so that a dead-letter record
// made further out says the truth. Weak: nothing is kept once the error is gone.
const attemptsByError = new WeakMap<object, number>();

/** Notes that `attempts` attempts ended in `error`. */
export function noteAttempts(error: unknown, attempts: number): void {
  if (typeof error === 'object' && error !== null) attemptsByError.set(error, attempts);
}

/** Attempts noted for `error` by a retry, or undefined. */
export function attemptsOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? attemptsByError.get(error) : undefined;
}
