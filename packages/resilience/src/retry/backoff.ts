import { finiteAtLeast, invalidOption, nonNegativeMs, oneOf, positiveMs } from '../internal/validate.js';

/**
 * How a delay is randomised (AWS "Exponential Backoff And Jitter"): `none` keeps it, `full` picks
 * in [0, d], `equal` in [d/2, d], `decorrelated` in [initialDelayMs, 3 × previous delay] capped.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** The same delay before every retry. */
export interface ConstantBackoffOptions {
  readonly kind: 'constant';
  /** Delay before each retry, in ms. */
  readonly delayMs: number;
  /** @default 'none' */
  readonly jitter?: 'none' | 'full' | 'equal';
  /** Longest wait, also for an error's `retryAfterMs`. @default the larger of delayMs and DEFAULT_MAX_DELAY_MS */
  readonly maxDelayMs?: number;
}

/** A delay growing by `multiplier` per retry, up to `maxDelayMs`. */
export interface ExponentialBackoffOptions {
  readonly kind: 'exponential';
  /** Delay before the first retry (before jitter), in ms. @default DEFAULT_INITIAL_DELAY_MS (100) */
  readonly initialDelayMs?: number;
  /** Growth per retry. @default DEFAULT_BACKOFF_MULTIPLIER (2) */
  readonly multiplier?: number;
  /** Longest wait, also for an error's `retryAfterMs`. @default the larger of initialDelayMs and DEFAULT_MAX_DELAY_MS (10 000) */
  readonly maxDelayMs?: number;
  /** @default 'full' */
  readonly jitter?: Jitter;
}

/** Options of a backoff. */
export type BackoffOptions = ConstantBackoffOptions | ExponentialBackoffOptions;

/** Default first delay of an exponential backoff, in ms. */
export const DEFAULT_INITIAL_DELAY_MS = 100;
/** Default growth per retry of an exponential backoff. */
export const DEFAULT_BACKOFF_MULTIPLIER = 2;
/** Default longest wait between attempts, in ms. */
export const DEFAULT_MAX_DELAY_MS = 10_000;
/** The default backoff: exponential from 100 ms, doubling, at most 10 s, full jitter. */
export const DEFAULT_BACKOFF: ExponentialBackoffOptions = Object.freeze({ kind: 'exponential', jitter: 'full' });

/** A validated backoff: computes the delay before each retry. */
export interface Backoff {
  /** The longest delay it returns; also the longest `retryAfterMs` a retry waits for. */
  readonly maxDelayMs: number;
  /**
   * Delay before retry number `retry` (1 for the first retry), in ms. `previousDelayMs` is the
   * delay used before the previous retry, 0 before the first (decorrelated jitter grows from it;
   * the other kinds ignore it).
   * @param random - a uniform source in [0, 1). @default Math.random
   */
  delayMs(retry: number, previousDelayMs: number, random?: () => number): number;
}

/** Validates backoff options (INVALID_ARGUMENT on bad ones) and fills the defaults. */
export function createBackoff(options: BackoffOptions = DEFAULT_BACKOFF): Backoff {
  if (typeof options !== 'object' || options === null) throw invalidOption('backoff must be an object');
  if (options.kind === 'constant') {
    const base = nonNegativeMs(options.delayMs, 'backoff.delayMs');
    const jitter = oneOf(options.jitter ?? 'none', 'backoff.jitter', ['none', 'full', 'equal'] as const);
    const maxDelayMs = nonNegativeMs(options.maxDelayMs ?? Math.max(base, DEFAULT_MAX_DELAY_MS), 'backoff.maxDelayMs');
    if (maxDelayMs < base) throw invalidOption(`backoff.maxDelayMs (${maxDelayMs}) must be >= delayMs (${base})`);
    return { maxDelayMs, delayMs: (_retry, _previous, random = Math.random) => jittered(base, jitter, random) };
  }
  if (options.kind !== 'exponential') throw invalidOption(`backoff.kind must be "constant" or "exponential"`);
  const initial = positiveMs(options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, 'backoff.initialDelayMs');
  const multiplier = finiteAtLeast(options.multiplier ?? DEFAULT_BACKOFF_MULTIPLIER, 'backoff.multiplier', 1);
  const maxDelayMs = positiveMs(options.maxDelayMs ?? Math.max(initial, DEFAULT_MAX_DELAY_MS), 'backoff.maxDelayMs');
  if (maxDelayMs < initial) throw invalidOption(`backoff.maxDelayMs (${maxDelayMs}) must be >= initialDelayMs (${initial})`);
  const jitter = oneOf(options.jitter ?? 'full', 'backoff.jitter', ['none', 'full', 'equal', 'decorrelated'] as const);
  return {
    maxDelayMs,
    delayMs(retry, previousDelayMs, random = Math.random) {
      if (jitter === 'decorrelated') {
        // AWS: sleep = min(cap, random_between(base, previous * 3)).
        const previous = previousDelayMs > 0 ? previousDelayMs : initial;
        const upper = Math.max(initial, Math.min(maxDelayMs, previous * 3));
        return Math.min(maxDelayMs, initial + random() * (upper - initial));
      }
      const base = Math.min(maxDelayMs, initial * multiplier ** Math.max(0, retry - 1));
      return jittered(base, jitter, random);
    },
  };
}

function jittered(base: number, jitter: 'none' | 'full' | 'equal', random: () => number): number {
  if (jitter === 'full') return random() * base;
  if (jitter === 'equal') return base / 2 + random() * (base / 2);
  return base;
}
