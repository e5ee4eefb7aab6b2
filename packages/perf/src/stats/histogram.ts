import { BUCKET_COUNT, MAX_TRACKABLE_MS, bucketEndUs, bucketOf } from './buckets.js';

/** Count, extremes, mean and the usual percentiles of a histogram, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const SUMMARY_PERCENTILES = [50, 95, 99] as const;

/**
 * A fixed-memory latency histogram (about 14 KB, whatever the number of samples). `record` is a
 * few arithmetic operations and one array increment. Count, sum, min and max are exact;
 * percentiles are read from buckets and are never below the true value nor more than 1.6% (or
 * 1 µs) above it (nearest-rank definition).
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #count = 0;
  #sumMs = 0;
  #minMs = Infinity;
  #maxMs = 0;

  /** Records one duration in milliseconds; negative or NaN counts as 0, beyond ~71 minutes as the maximum. */
  record(durationMs: number): void {
    const ms = durationMs > 0 ? (durationMs < MAX_TRACKABLE_MS ? durationMs : MAX_TRACKABLE_MS) : 0;
    const index = bucketOf((ms * 1000) >>> 0);
    this.#counts[index] = this.#counts[index]! + 1;
    this.#count++;
    this.#sumMs += ms;
    if (ms < this.#minMs) this.#minMs = ms;
    if (ms > this.#maxMs) this.#maxMs = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** Smallest recorded duration (0 when empty). */
  get minMs(): number {
    return this.#count === 0 ? 0 : this.#minMs;
  }

  /** Largest recorded duration (0 when empty). */
  get maxMs(): number {
    return this.#maxMs;
  }

  /** Mean duration (0 when empty). */
  get meanMs(): number {
    return this.#count === 0 ? 0 : this.#sumMs / this.#count;
  }

  /** The duration at or below which `percent`% of the samples lie (0 when empty). */
  percentile(percent: number): number {
    return this.percentiles([percent])[0]!;
  }

  /** Several percentiles (each 0–100) in one pass over the buckets, in the order asked. */
  percentiles(percents: readonly number[]): number[] {
    const out = new Array<number>(percents.length).fill(0);
    if (this.#count === 0) return out;
    const order = percents.map((_, i) => i).sort((a, b) => percents[a]! - percents[b]!);
    let seen = 0;
    let index = 0;
    for (const which of order) {
      const percent = Math.min(100, Math.max(0, percents[which]!));
      if (percent === 0) {
        out[which] = this.#minMs;
        continue;
      }
      const rank = Math.max(1, Math.ceil((percent / 100) * this.#count));
      while (seen + this.#counts[index]! < rank) seen += this.#counts[index++]!;
      out[which] = Math.max(this.#minMs, Math.min(this.#maxMs, bucketEndUs(index) / 1000));
    }
    return out;
  }

  /** Adds another histogram's samples to this one. */
  merge(other: LatencyHistogram): void {
    const counts = other.#counts;
    for (let i = 0; i < BUCKET_COUNT; i++) if (counts[i] !== 0) this.#counts[i] = this.#counts[i]! + counts[i]!;
    this.#count += other.#count;
    this.#sumMs += other.#sumMs;
    if (other.#minMs < this.#minMs) this.#minMs = other.#minMs;
    if (other.#maxMs > this.#maxMs) this.#maxMs = other.#maxMs;
  }

  /** Forgets every sample. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sumMs = 0;
    this.#minMs = Infinity;
    this.#maxMs = 0;
  }

  /** Count, extremes, mean, p50, p95 and p99, as plain JSON. */
  toJSON(): LatencySummary {
    const [p50Ms, p95Ms, p99Ms] = this.percentiles(SUMMARY_PERCENTILES) as [number, number, number];
    return { count: this.#count, minMs: this.minMs, meanMs: this.meanMs, p50Ms, p95Ms, p99Ms, maxMs: this.#maxMs };
  }
}
