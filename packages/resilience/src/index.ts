export { definePolicy, type Executor, type Policy, type Work } from './policy/types.js';
export { wrap } from './policy/wrap.js';

export {
  DEFAULT_BACKOFF,
  DEFAULT_BACKOFF_MULTIPLIER,
  DEFAULT_INITIAL_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  createBackoff,
  type Backoff,
  type BackoffOptions,
  type ConstantBackoffOptions,
  type ExponentialBackoffOptions,
  type Jitter,
} from './retry/backoff.js';
export type { RetryEvent } from './retry/engine.js';
export { DEFAULT_MAX_ATTEMPTS, retry, type RetryOptions } from './retry/retry.js';
export { isRetryable } from './retry/retryable.js';
export { timeout, type TimeoutOptions } from './timeout/timeout.js';

export { CircuitBreaker, isCircuitOpen } from './breaker/circuit-breaker.js';
export { circuitBreakers, type CircuitBreakers, type CircuitBreakersOptions, type SharedBreakerOptions } from './breaker/circuit-breakers.js';
export { DEFAULT_STRATEGY } from './breaker/create-strategy.js';
export { DEFAULT_FAILURE_CODES, isBreakerFailure } from './breaker/failure.js';
export {
  DEFAULT_BREAKER_NAME,
  DEFAULT_HALF_OPEN_MAX_CALLS,
  DEFAULT_HALF_OPEN_TIMEOUT_MS,
  DEFAULT_MAX_OPEN_DURATION_MS,
  DEFAULT_OPEN_BACKOFF_MULTIPLIER,
  DEFAULT_OPEN_DURATION_MS,
  type CircuitBreakerOptions,
  type OpenBackoffOptions,
} from './breaker/options.js';
export type { CircuitBreakerSnapshot } from './breaker/snapshot.js';
export type { CircuitBreakerEvents, CircuitState, StateChangeEvent } from './breaker/state.js';
export {
  DEFAULT_FAILURE_RATE_THRESHOLD,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_MINIMUM_CALLS,
  DEFAULT_SLOW_CALL_RATE_THRESHOLD,
  DEFAULT_WINDOW_BUCKETS,
  DEFAULT_WINDOW_MS,
  DEFAULT_WINDOW_SIZE,
  type BreakerStrategyOptions,
  type ConsecutiveStrategyOptions,
  type CountWindowStrategyOptions,
  type StrategySnapshot,
  type TimeWindowStrategyOptions,
  type WindowRateOptions,
} from './breaker/strategy.js';

export { DEFAULT_DLQ_MAX_RETRIES, DeadLetterQueue, type DeadLetterQueueOptions, type ProcessOptions } from './dead-letter/queue.js';
export { deadLetter } from './dead-letter/middleware.js';
export type { ReplayOptions, ReplayResult } from './dead-letter/replay.js';
export { MemoryDeadLetterStore } from './dead-letter/memory-store.js';
export {
  DEFAULT_COMPACT_MIN_GARBAGE,
  FileDeadLetterStore,
  type FileDeadLetterStoreOptions,
  type FileStoreStats,
} from './dead-letter/file-store.js';
export type { DeadLetterError, DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from './dead-letter/store.js';
export { EVENT_TARGET_PREFIX } from './dead-letter/store.js';
export { checkFilter, matchesFilter, selectRecords } from './dead-letter/filter.js';
