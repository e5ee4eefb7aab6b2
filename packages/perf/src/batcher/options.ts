import type { Clock, RequestContext } from '@agentmesh/core';

/** Most items in one call of `process`. */
export const DEFAULT_MAX_BATCH_SIZE = 100;
/** How long a batch waits for more items: 0 closes it once the current tick's promise jobs ran. */
export const DEFAULT_MAX_WAIT_MS = 0;
/** Most items waiting to be sent; beyond it `add` rejects with QUEUE_FULL. */
export const DEFAULT_MAX_QUEUE = 10_000;
/** Most batches being processed at once. */
export const DEFAULT_BATCH_CONCURRENCY = 4;

/**
 * What `process` returns: one entry per item, in the items' order. An `Error` in a slot fails
 * that item's caller alone; any other value is that caller's result.
 */
export type BatchResults<TResult> = ReadonlyArray<TResult | Error>;

/** Handles one batch: receives the items in the order they were added. */
export type BatchProcessor<TItem, TResult> = (
  items: TItem[],
) => BatchResults<TResult> | PromiseLike<BatchResults<TResult>>;

/** Options for a {@link Batcher}. */
export interface BatcherOptions<TItem, TResult> {
  /** Handles a batch; called with at most `maxBatchSize` items, never with none. */
  readonly process: BatchProcessor<TItem, TResult>;
  /**
   * Most items in one batch; a batch that reaches it is sent at once, without waiting.
   * @default DEFAULT_MAX_BATCH_SIZE (100)
   */
  readonly maxBatchSize?: number;
  /**
   * How long a batch collects items, counted from its first item. 0 collects what is added in the
   * current tick, including in the promise jobs that follow it (as DataLoader does), with no timer.
   * @default DEFAULT_MAX_WAIT_MS (0)
   */
  readonly maxWaitMs?: number;
  /**
   * Most items waiting to be sent (collecting, or in batches waiting for a free slot). `add`
   * beyond it rejects at once with QUEUE_FULL; `Infinity` lifts the bound.
   * @default DEFAULT_MAX_QUEUE (10 000)
   */
  readonly maxQueue?: number;
  /**
   * Most batches in flight (sent to `process` and not yet settled); later batches wait, in order.
   * `Infinity` lifts the bound.
   * @default DEFAULT_BATCH_CONCURRENCY (4)
   */
  readonly concurrency?: number;
  /** Time source for `maxWaitMs` (tests pass a fake one). @default systemClock */
  readonly clock?: Clock;
}

/** Options of one {@link Batcher.add}. */
export interface AddOptions {
  /**
   * Aborting it before the item is sent removes the item from its batch; after, the caller stops
   * waiting while the batch goes on for the others. Either way the caller rejects with CANCELLED.
   * @default none
   */
  readonly signal?: AbortSignal;
  /**
   * The request the item belongs to: when it is cancelled or passes its deadline, the item leaves
   * as with `signal`, rejecting with the request's own reason (CANCELLED or TIMEOUT). Cheaper than
   * reading `ctx.signal` in a handler.
   * @default none
   */
  readonly context?: RequestContext;
}

/** Counters of a {@link Batcher}, for monitoring and leak checks. */
export interface BatcherStats {
  /** Items added and not yet sent. */
  readonly waiting: number;
  /** Batches sent to `process` and not yet settled. */
  readonly inFlightBatches: number;
  /** Batches sent so far. */
  readonly batchesSent: number;
  /** Items sent so far. */
  readonly itemsSent: number;
  readonly closed: boolean;
}
