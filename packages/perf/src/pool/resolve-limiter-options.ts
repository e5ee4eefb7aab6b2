import { durationOption, integerOption } from '../internal/validate.js';
import {
  DEFAULT_ACQUIRE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_MAX_WAITING,
  type ConcurrencyLimiterOptions,
} from './limiter-options.js';

/** Limiter options with defaults applied and checked. */
export interface ResolvedLimiterOptions {
  readonly maxConcurrent: number;
  readonly maxPerKey: number;
  readonly maxWaiting: number;
  readonly acquireTimeoutMs: number;
}

/** Applies the defaults and checks every option (INVALID_ARGUMENT). */
export function resolveLimiterOptions(options: ConcurrencyLimiterOptions): ResolvedLimiterOptions {
  return {
    maxConcurrent: integerOption(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT, 'maxConcurrent', 1, true),
    maxPerKey: integerOption(options.maxPerKey ?? Infinity, 'maxPerKey', 1, true),
    maxWaiting: integerOption(options.maxWaiting ?? DEFAULT_MAX_WAITING, 'maxWaiting', 0, true),
    acquireTimeoutMs: durationOption(options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS, 'acquireTimeoutMs', true),
  };
}
