/** The longest delay a timer takes (2^31-1 ms, ≈ 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timer handle as returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Where time comes from. Tests pass a fake one (or use vitest's fake timers with the default,
 * which reads the globals at call time) so nothing ever sleeps for real.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. It looks the globals up on every call so fake timers installed later apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
