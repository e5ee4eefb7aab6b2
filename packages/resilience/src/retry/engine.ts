import type { Clock } from '@agentmesh/core';
import type { AbortWatch } from '../internal/abort.js';
import { safeCall, safePredicate } from '../internal/report.js';
import { sleep } from '../internal/sleep.js';
import type { Backoff } from './backoff.js';
import { isRetryable, noteAttempts, retryAfterOf } from './retryable.js';

/** What {@link RetryOptions.onRetry} hears before each retry. */
export interface RetryEvent {
  /** The attempt about to start (2 for the first retry). */
  readonly attempt: number;
  /** How long it waits first, in ms. */
  readonly delayMs: number;
  /** Why the previous attempt failed. */
  readonly error: unknown;
}

/** Validated retry settings shared by the retry policy and the dead letter queue. */
export interface RetrySettings {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly retryOn: ((error: unknown, attempts: number) => boolean) | undefined;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  readonly random: () => number;
}

/** Where one run happens: its clock, its deadline (epoch ms) and what aborts it. */
export interface RetryScope {
  readonly clock: Clock;
  readonly deadline: number | undefined;
  readonly abort: AbortWatch;
}

/** Attempts made so far by one run; the caller reads it after the run ends. */
export interface AttemptTally {
  attempts: number;
}

/**
 * The delay before the next attempt, or undefined to stop: out of attempts, aborted, not retryable
 * (the error says so, or `retryOn` declines: it can narrow, never widen), asked to wait longer than
 * the backoff's maxDelayMs, or the wait would end at or past the deadline (fail fast, don't sleep
 * into a timeout).
 */
export function nextDelay(settings: RetrySettings, error: unknown, attempts: number, previousDelayMs: number, scope: RetryScope): number | undefined {
  if (attempts >= settings.maxAttempts || scope.abort.reason() !== undefined || !isRetryable(error)) return undefined;
  // A retryOn that throws declines: it may only narrow what is retried.
  if (settings.retryOn !== undefined && !safePredicate(settings.retryOn, error, attempts, false, 'retryOn')) return undefined;
  let delay = settings.backoff.delayMs(attempts, previousDelayMs, settings.random);
  const after = retryAfterOf(error);
  if (after !== undefined) {
    if (after > settings.backoff.maxDelayMs) return undefined;
    delay = Math.max(delay, after);
  }
  if (scope.deadline !== undefined && scope.clock.now() + delay >= scope.deadline) return undefined;
  return delay;
}

/**
 * Goes on after an attempt failed with `error`: waits, tries again, until an attempt succeeds or
 * {@link nextDelay} says stop; then rejects with the last error (or the abort reason, when
 * cancelled during a wait). `tally.attempts` counts the attempts made, the failed one included.
 */
export async function keepTrying<T>(settings: RetrySettings, attempt: () => Promise<T>, error: unknown, scope: RetryScope, tally: AttemptTally): Promise<T> {
  let previous = 0;
  for (;;) {
    const delay = nextDelay(settings, error, tally.attempts, previous, scope);
    if (delay === undefined) {
      noteAttempts(error, tally.attempts);
      throw error;
    }
    if (settings.onRetry !== undefined) safeCall(settings.onRetry, { attempt: tally.attempts + 1, delayMs: delay, error }, 'onRetry');
    if (delay > 0) await sleep(scope.clock, delay, scope.abort);
    previous = delay;
    tally.attempts++;
    try {
      return await attempt();
    } catch (failure) {
      error = failure;
    }
  }
}
