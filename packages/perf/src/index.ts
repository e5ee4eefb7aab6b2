// Batching: many items in, one call, each caller its own result.
export { Batcher } from './batcher/batcher.js';
export {
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  type AddOptions,
  type BatcherOptions,
  type BatcherStats,
  type BatchProcessor,
  type BatchResults,
} from './batcher/options.js';
export { BatchingAgent, type BatchingAgentOptions, type ProcessBatch } from './batching-agent/batching-agent.js';
export type { BatchReplies, BatchReply } from './batching-agent/replies.js';

// Concurrency limits: a FIFO limiter, the connection pool and the middleware built on it.
export { ConcurrencyLimiter } from './pool/limiter.js';
export {
  DEFAULT_ACQUIRE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_MAX_WAITING,
  type AcquireOptions,
  type ConcurrencyLimiterOptions,
  type KeyStats,
  type LimiterStats,
  type Permit,
} from './pool/limiter-options.js';
export {
  AgentConnectionPool,
  DEFAULT_MAX_CONNECTIONS,
  type AgentConnectionPoolOptions,
  type PoolInvokeOptions,
  type PoolStats,
} from './pool/connection-pool.js';
export { concurrencyLimit, type ConcurrencyLimitOptions } from './pool/concurrency-limit.js';

// Latency: a fixed-memory histogram and the per-target middleware.
export { LatencyHistogram, type LatencySummary } from './stats/histogram.js';
export { MAX_TRACKABLE_MS } from './stats/buckets.js';
export type { TargetLatency } from './stats/target-latency.js';
export {
  DEFAULT_MAX_TARGETS,
  OTHER_TARGETS,
  latencyStats,
  type LatencySnapshot,
  type LatencyStats,
  type LatencyStatsOptions,
} from './stats/latency-stats.js';
