import { systemClock, type Clock, type Message } from '@agentmesh/core';
import { NEVER_ABORTED, watchCancellation, watchSignal } from '../internal/abort.js';
import { callNext, runWork } from '../internal/run.js';
import { integerAtLeast, invalidOption, optionalFunction } from '../internal/validate.js';
import { definePolicy, type Policy, type Work } from '../policy/types.js';
import { createBackoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { keepTrying, type RetryEvent, type RetrySettings } from './engine.js';

/** Default total attempts (the first call and two retries). */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Options of {@link retry}. */
export interface RetryOptions {
  /**
   * Total attempts, the first call included: 3 means one call and at most two retries; 1 never
   * retries. Must be finite.
   * @default DEFAULT_MAX_ATTEMPTS (3)
   */
  readonly maxAttempts?: number;
  /** Waits between attempts. @default DEFAULT_BACKOFF (exponential from 100 ms, ×2, at most 10 s, full jitter) */
  readonly backoff?: BackoffOptions;
  /**
   * Which failures to retry, given the error and the attempts made so far. It can only narrow:
   * errors that say they are not retryable, and cancellations, are never retried.
   * @default every retryable error (see isRetryable)
   */
  readonly retryOn?: (error: unknown, attempts: number) => boolean;
  /** Hears about each retry before its wait (for logs and metrics). @default none */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Time for the waits. @default the call context's clock as middleware, systemClock standalone */
  readonly clock?: Clock;
  /** Uniform random source in [0, 1) for jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Retries failed calls with backoff. As middleware each attempt is the same call (same requestId,
 * so callees can deduplicate); waits end at once when the call is cancelled, and a wait that would
 * end past the call's deadline is not started: the last error is returned instead. Errors carrying
 * `retryAfterMs` (an open breaker, a busy peer) wait at least that long, or are not retried when
 * that is longer than the backoff's maxDelayMs. Put it outside the breaker and the timeout.
 */
export function retry(options: RetryOptions = {}): Policy {
  const settings = resolveRetry(options);
  const clock = options.clock;
  const middleware = (call: Parameters<Policy>[0], next: Parameters<Policy>[1]): Promise<Message> => {
    const first = callNext(next, call);
    if (settings.maxAttempts === 1) return first;
    return first.then(undefined, (error: unknown) => {
      const ctx = call.context;
      const scope = { clock: clock ?? ctx.clock, deadline: ctx.deadline, abort: watchCancellation(ctx.cancellation) };
      return keepTrying(settings, () => callNext(next, call), error, scope, { attempts: 1 });
    });
  };
  const execute = <T>(work: Work<T>, signal?: AbortSignal): Promise<T> => {
    const abort = watchSignal(signal, 'retried work');
    const early = abort.reason();
    if (early !== undefined) return Promise.reject(early);
    const own = signal ?? NEVER_ABORTED;
    const attempt = (): Promise<T> => runWork(work, own);
    const first = attempt();
    if (settings.maxAttempts === 1) return first;
    return first.then(undefined, (error: unknown) =>
      keepTrying(settings, attempt, error, { clock: clock ?? systemClock, deadline: undefined, abort }, { attempts: 1 }),
    );
  };
  return definePolicy(middleware, execute);
}

/** Validates retry options into settings (INVALID_ARGUMENT on bad ones). */
export function resolveRetry(options: RetryOptions): RetrySettings {
  if (typeof options !== 'object' || options === null) throw invalidOption('retry options must be an object');
  return {
    maxAttempts: integerAtLeast(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 'maxAttempts', 1),
    backoff: createBackoff(options.backoff ?? DEFAULT_BACKOFF),
    retryOn: optionalFunction(options.retryOn, 'retryOn'),
    onRetry: optionalFunction(options.onRetry, 'onRetry'),
    random: optionalFunction(options.random, 'random') ?? Math.random,
  };
}
