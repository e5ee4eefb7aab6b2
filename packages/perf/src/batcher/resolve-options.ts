import { durationOption, functionOption, integerOption } from '../internal/validate.js';
import {
  DEFAULT_BATCH_CONCURRENCY,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_QUEUE,
  DEFAULT_MAX_WAIT_MS,
  type BatcherOptions,
} from './options.js';

/** Batcher options with defaults applied and checked. */
export interface ResolvedBatcherOptions {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  readonly maxQueue: number;
  readonly concurrency: number;
}

/** Applies the defaults and checks every option (INVALID_ARGUMENT). */
export function resolveBatcherOptions(options: BatcherOptions<never, unknown>): ResolvedBatcherOptions {
  functionOption((options as Partial<typeof options> | undefined)?.process, 'options.process');
  return {
    maxBatchSize: integerOption(options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE, 'maxBatchSize', 1, false),
    maxWaitMs: durationOption(options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, 'maxWaitMs', false),
    maxQueue: integerOption(options.maxQueue ?? DEFAULT_MAX_QUEUE, 'maxQueue', 1, true),
    concurrency: integerOption(options.concurrency ?? DEFAULT_BATCH_CONCURRENCY, 'concurrency', 1, true),
  };
}
