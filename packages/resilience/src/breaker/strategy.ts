/** Opens after `failureThreshold` failures in a row; any success resets the count. */
export interface ConsecutiveStrategyOptions {
  readonly kind: 'consecutive';
  /** @default DEFAULT_FAILURE_THRESHOLD (5) */
  readonly failureThreshold?: number;
}

/** What both sliding windows share: rates over the calls in the window. */
export interface WindowRateOptions {
  /** Opens when failures / calls reaches this (0, 1]. @default DEFAULT_FAILURE_RATE_THRESHOLD (0.5) */
  readonly failureRateThreshold?: number;
  /** No decision before the window holds this many calls. @default DEFAULT_MINIMUM_CALLS (20), or the count window's size when smaller */
  readonly minimumCalls?: number;
  /** A call taking at least this long is slow (success or not). @default none: slow calls not tracked */
  readonly slowCallDurationMs?: number;
  /** Opens when slow calls / calls reaches this (0, 1]. @default DEFAULT_SLOW_CALL_RATE_THRESHOLD (0.5) */
  readonly slowCallRateThreshold?: number;
}

/** Rates over the last `size` calls. */
export interface CountWindowStrategyOptions extends WindowRateOptions {
  readonly kind: 'count';
  /** @default DEFAULT_WINDOW_SIZE (100) */
  readonly size?: number;
}

/** Rates over the calls of the last `windowMs`, kept in `buckets` slices. */
export interface TimeWindowStrategyOptions extends WindowRateOptions {
  readonly kind: 'time';
  /** @default DEFAULT_WINDOW_MS (60 000) */
  readonly windowMs?: number;
  /** Slices of the window; the oldest slice drops out whole. @default DEFAULT_WINDOW_BUCKETS (10) */
  readonly buckets?: number;
}

/** When a closed breaker opens. */
export type BreakerStrategyOptions = ConsecutiveStrategyOptions | CountWindowStrategyOptions | TimeWindowStrategyOptions;

/** A strategy's counters, as kept in a snapshot. */
export type StrategySnapshot =
  | { readonly kind: 'consecutive'; readonly failures: number }
  /** Oldest first; bit 1 = failed, bit 2 = slow. */
  | { readonly kind: 'count'; readonly outcomes: readonly number[] }
  | {
      readonly kind: 'time';
      readonly bucketMs: number;
      readonly buckets: readonly { readonly start: number; readonly calls: number; readonly failures: number; readonly slow: number }[];
    };

/** Counts the outcomes of calls made while closed and says when to open. */
export interface Strategy {
  /** Calls this long or longer are slow; undefined when slow calls are not tracked. */
  readonly slowCallDurationMs: number | undefined;
  /** Records one outcome; returns why the breaker must open, or undefined. */
  record(failed: boolean, slow: boolean): string | undefined;
  /** Forgets everything (on close). */
  reset(): void;
  snapshot(): StrategySnapshot;
  /** Takes counters back from a snapshot of the same kind and shape; ignores others. */
  restore(snapshot: StrategySnapshot): void;
}

/** Default failures in a row that open a consecutive breaker. */
export const DEFAULT_FAILURE_THRESHOLD = 5;
/** Default failure rate that opens a window breaker. */
export const DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
/** Default calls a window needs before it decides. */
export const DEFAULT_MINIMUM_CALLS = 20;
/** Default slow-call rate that opens a window breaker (when slow calls are tracked). */
export const DEFAULT_SLOW_CALL_RATE_THRESHOLD = 0.5;
/** Default size of a count window. */
export const DEFAULT_WINDOW_SIZE = 100;
/** Default length of a time window, in ms. */
export const DEFAULT_WINDOW_MS = 60_000;
/** Default slices of a time window. */
export const DEFAULT_WINDOW_BUCKETS = 10;
