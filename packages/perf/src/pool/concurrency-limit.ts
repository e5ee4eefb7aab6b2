import type { Middleware } from '@agentmesh/core';
import { ConcurrencyLimiter } from './limiter.js';
import type { ConcurrencyLimiterOptions } from './limiter-options.js';

/** Options for {@link concurrencyLimit}: a limiter's settings, or a limiter to share. */
export type ConcurrencyLimitOptions =
  | (Omit<ConcurrencyLimiterOptions, 'maxPerKey'> & {
      /** Most calls in flight to one target. @default Infinity (only `maxConcurrent` applies) */
      readonly maxPerTarget?: number;
    })
  | {
      /** An existing limiter (say an AgentConnectionPool's), so several paths share one bound. */
      readonly limiter: ConcurrencyLimiter;
    };

/**
 * Middleware that bounds the calls in flight through a mesh, overall and per target, over any
 * transport. Each call holds its slot until its reply or error arrives; waiting callers are
 * served in order and leave the line at once when their call is cancelled or passes its deadline.
 * Refusals are QUEUE_FULL and ACQUIRE_TIMEOUT (both retryable), CLOSED once the limiter is closed.
 *
 * A handler that calls a peer through the same limited mesh needs a second slot while holding
 * its first: keep `maxConcurrent` above the nesting depth, or limit only the outer calls.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions = {}): Middleware {
  const limiter =
    'limiter' in options
      ? options.limiter
      : new ConcurrencyLimiter({ ...withoutPerTarget(options), maxPerKey: options.maxPerTarget ?? Infinity });
  return (call, next) => limiter.run(() => next(call), { key: call.to, context: call.context });
}

function withoutPerTarget<T extends { readonly maxPerTarget?: number }>(options: T): Omit<T, 'maxPerTarget'> {
  const { maxPerTarget: _ignored, ...rest } = options;
  return rest;
}
