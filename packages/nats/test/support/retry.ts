import type { Middleware } from '@agentmesh/core';
import { retry, timeout, wrap, type RetryEvent } from '@agentmesh/resilience';

/**
 * Retry with a per-attempt budget, composed as @agentmesh/resilience recommends (retry outermost,
 * timeout innermost): `attempts` tries, each bounded by `attemptTimeoutMs`, short backoff.
 */
export function retrying(attempts: number, attemptTimeoutMs: number, onRetry: (error: unknown) => void = () => undefined): Middleware {
  return wrap(
    retry({ maxAttempts: attempts, backoff: { kind: 'exponential', initialDelayMs: 50, maxDelayMs: 500 }, onRetry: (event: RetryEvent) => onRetry(event.error) }),
    timeout(attemptTimeoutMs),
  );
}
