import { rateVerdict, type RateSettings } from './rates.js';
import type { Strategy, StrategySnapshot } from './strategy.js';

const FAILED = 1;
const SLOW = 2;

/** Failure and slow-call rates over the last `size` calls (a ring of one byte per call). */
export class CountWindow implements Strategy {
  readonly slowCallDurationMs: number | undefined;
  readonly #settings: RateSettings;
  readonly #outcomes: Uint8Array;
  #next = 0;
  #filled = 0;
  #failures = 0;
  #slow = 0;

  constructor(size: number, settings: RateSettings) {
    this.#settings = settings;
    this.slowCallDurationMs = settings.slowCallDurationMs;
    this.#outcomes = new Uint8Array(size);
  }

  record(failed: boolean, slow: boolean): string | undefined {
    this.#push((failed ? FAILED : 0) | (slow ? SLOW : 0));
    return rateVerdict(this.#filled, this.#failures, this.#slow, this.#settings);
  }

  #push(outcome: number): void {
    const ring = this.#outcomes;
    if (this.#filled === ring.length) {
      const old = ring[this.#next]!;
      this.#failures -= old & FAILED;
      this.#slow -= (old & SLOW) >> 1;
    } else this.#filled++;
    ring[this.#next] = outcome;
    this.#next = (this.#next + 1) % ring.length;
    this.#failures += outcome & FAILED;
    this.#slow += (outcome & SLOW) >> 1;
  }

  reset(): void {
    this.#outcomes.fill(0);
    this.#next = this.#filled = this.#failures = this.#slow = 0;
  }

  snapshot(): StrategySnapshot {
    const ring = this.#outcomes;
    const outcomes: number[] = [];
    const start = this.#filled === ring.length ? this.#next : 0;
    for (let i = 0; i < this.#filled; i++) outcomes.push(ring[(start + i) % ring.length]!);
    return { kind: 'count', outcomes };
  }

  restore(snapshot: StrategySnapshot): void {
    if (snapshot.kind !== 'count' || !Array.isArray(snapshot.outcomes)) return;
    this.reset();
    for (const outcome of (snapshot.outcomes as readonly unknown[]).slice(-this.#outcomes.length)) {
      if (outcome === 0 || outcome === 1 || outcome === 2 || outcome === 3) this.#push(outcome);
    }
  }
}
