import type { Clock } from '@agentmesh/core';
import { rateVerdict, type RateSettings } from './rates.js';
import type { Strategy, StrategySnapshot } from './strategy.js';

/**
 * Failure and slow-call rates over the last `windowMs`, in `buckets` slices of equal length: the
 * window slides one slice at a time, and a slice that falls out takes its counts with it.
 */
export class TimeWindow implements Strategy {
  readonly slowCallDurationMs: number | undefined;
  readonly #settings: RateSettings;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #calls: number[];
  readonly #failed: number[];
  readonly #slowed: number[];
  #current = -Infinity;
  #totalCalls = 0;
  #totalFailures = 0;
  #totalSlow = 0;

  constructor(windowMs: number, buckets: number, settings: RateSettings, clock: Clock) {
    this.#settings = settings;
    this.slowCallDurationMs = settings.slowCallDurationMs;
    this.#clock = clock;
    this.#bucketMs = windowMs / buckets;
    this.#calls = new Array<number>(buckets).fill(0);
    this.#failed = new Array<number>(buckets).fill(0);
    this.#slowed = new Array<number>(buckets).fill(0);
  }

  record(failed: boolean, slow: boolean): string | undefined {
    const slot = this.#advance(this.#clock.now());
    this.#add(slot, 1, failed ? 1 : 0, slow ? 1 : 0);
    return rateVerdict(this.#totalCalls, this.#totalFailures, this.#totalSlow, this.#settings);
  }

  /** Moves the window to `now`, emptying the slices that fell out; returns the current slot. */
  #advance(now: number): number {
    const size = this.#calls.length;
    const index = Math.floor(now / this.#bucketMs);
    if (index > this.#current) {
      for (let i = Math.max(this.#current + 1, index - size + 1); i <= index; i++) this.#clear(slotOf(i, size));
      this.#current = index;
    } else if (index <= this.#current - size) {
      // The clock stepped back by more than the whole window (the wall clock can): what was
      // counted is from the clock's future, and leaving `current` there would pile every later
      // call into one slice until the clock caught up. Start over from now.
      this.reset();
      this.#current = index;
    }
    // A small step back records into the current slice rather than rewriting history.
    return slotOf(this.#current, size);
  }

  #clear(slot: number): void {
    this.#add(slot, -this.#calls[slot]!, -this.#failed[slot]!, -this.#slowed[slot]!);
  }

  #add(slot: number, calls: number, failures: number, slow: number): void {
    this.#calls[slot]! += calls;
    this.#failed[slot]! += failures;
    this.#slowed[slot]! += slow;
    this.#totalCalls += calls;
    this.#totalFailures += failures;
    this.#totalSlow += slow;
  }

  reset(): void {
    for (let slot = 0; slot < this.#calls.length; slot++) this.#clear(slot);
    this.#current = -Infinity;
  }

  snapshot(): StrategySnapshot {
    const size = this.#calls.length;
    const buckets = [];
    for (let i = Math.max(0, this.#current - size + 1); i <= this.#current; i++) {
      const slot = slotOf(i, size);
      if (this.#calls[slot]! > 0) {
        buckets.push({ start: i * this.#bucketMs, calls: this.#calls[slot]!, failures: this.#failed[slot]!, slow: this.#slowed[slot]! });
      }
    }
    return { kind: 'time', bucketMs: this.#bucketMs, buckets };
  }

  restore(snapshot: StrategySnapshot): void {
    if (snapshot.kind !== 'time' || snapshot.bucketMs !== this.#bucketMs || !Array.isArray(snapshot.buckets)) return;
    this.reset();
    this.#advance(this.#clock.now());
    const size = this.#calls.length;
    for (const bucket of snapshot.buckets as readonly unknown[]) {
      const b = bucket as Partial<Record<'start' | 'calls' | 'failures' | 'slow', unknown>> | null;
      const [start, calls, failures, slow] = [b?.start, b?.calls, b?.failures, b?.slow];
      if (typeof start !== 'number' || !isCount(calls) || !isCount(failures) || !isCount(slow) || failures > calls || slow > calls) continue;
      const index = Math.floor(start / this.#bucketMs);
      // Only slices still inside the window come back.
      if (index <= this.#current && index > this.#current - size) this.#add(slotOf(index, size), calls, failures, slow);
    }
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The ring slot of slice `index` (also for negative indexes, before the epoch). */
function slotOf(index: number, size: number): number {
  return ((index % size) + size) % size;
}
