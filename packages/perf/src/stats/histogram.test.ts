import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, MAX_TRACKABLE_MS, MAX_TRACKABLE_US, bucketEndUs, bucketOf } from './buckets.js';
import { LatencyHistogram } from './histogram.js';

/** The nearest-rank percentile of sorted values: the smallest value with at least p% at or below it. */
function exactPercentile(sorted: number[], percent: number): number {
  if (percent === 0) return sorted[0]!;
  return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1]!;
}

const duration = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 1, max: 1_000, noNaN: true }),
  fc.double({ min: 1_000, max: 3_600_000, noNaN: true }),
);

describe('bucket layout', () => {
  it('is fixed, contiguous and monotonic, and every value lies below its bucket end', () => {
    expect(BUCKET_COUNT).toBe(1728);
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(127)).toBe(127);
    expect(bucketOf(128)).toBe(128);
    expect(bucketOf(MAX_TRACKABLE_US)).toBe(BUCKET_COUNT - 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_TRACKABLE_US - 1 }), (us) => {
        const index = bucketOf(us);
        expect(bucketOf(us + 1)).toBeGreaterThanOrEqual(index);
        expect(bucketOf(us + 1) - index).toBeLessThanOrEqual(1);
        expect(bucketEndUs(index)).toBeGreaterThan(us);
        // Never wider than 1/64 of the values it holds (or 1 µs at the bottom).
        expect(bucketEndUs(index) - us).toBeLessThanOrEqual(Math.max(1, us / 64));
      }),
    );
  });
});

describe('LatencyHistogram', () => {
  it('is all zeros when empty', () => {
    expect(new LatencyHistogram().toJSON()).toEqual({ count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 });
  });

  it('reports exact count, min, max and mean, and percentiles by nearest rank', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) h.record(ms);
    const summary = h.toJSON();
    expect(summary).toMatchObject({ count: 100, minMs: 1, maxMs: 100, meanMs: 50.5 });
    expect(summary.p50Ms).toBeGreaterThanOrEqual(50);
    expect(summary.p50Ms).toBeLessThanOrEqual(50 * (1 + 1 / 64));
    expect(summary.p99Ms).toBeGreaterThanOrEqual(99);
    expect(h.percentile(100)).toBe(100);
    expect(h.percentile(0)).toBe(1);
    expect(h.percentiles([99, 50])).toEqual([summary.p99Ms, summary.p50Ms]);
  });

  it('never reports a percentile below the true value nor more than 1.6% (or 1 µs) above it', () => {
    fc.assert(
      fc.property(fc.array(duration, { minLength: 1, maxLength: 400 }), fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { maxLength: 5 }), (values, extra) => {
        const h = new LatencyHistogram();
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        const percents = [50, 95, 99, 100, ...extra];
        const reported = h.percentiles(percents);
        percents.forEach((percent, i) => {
          const truth = exactPercentile(sorted, percent);
          expect(reported[i]).toBeGreaterThanOrEqual(truth - 1e-9);
          expect(reported[i]).toBeLessThanOrEqual(truth * (1 + 1 / 64) + 0.001 + 1e-9);
        });
        expect(h.count).toBe(values.length);
        expect(h.maxMs).toBe(sorted.at(-1));
        expect(h.minMs).toBe(sorted[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('merges into the same figures as recording everything in one', () => {
    fc.assert(
      fc.property(fc.array(duration, { maxLength: 100 }), fc.array(duration, { maxLength: 100 }), (a, b) => {
        const left = new LatencyHistogram();
        const right = new LatencyHistogram();
        const both = new LatencyHistogram();
        for (const v of a) left.record(v);
        for (const v of b) right.record(v);
        for (const v of [...a, ...b]) both.record(v);
        left.merge(right);
        const merged = left.toJSON();
        const direct = both.toJSON();
        expect({ ...merged, meanMs: 0 }).toEqual({ ...direct, meanMs: 0 });
        expect(merged.meanMs).toBeCloseTo(direct.meanMs, 6);
      }),
    );
  });

  it('counts negative and NaN durations as 0 and clamps huge ones, keeping JSON finite', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(Number.NaN);
    h.record(Infinity);
    const summary = h.toJSON();
    expect(summary).toMatchObject({ count: 3, minMs: 0, maxMs: MAX_TRACKABLE_MS });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('forgets everything on reset', () => {
    const h = new LatencyHistogram();
    h.record(5);
    h.reset();
    expect(h.toJSON().count).toBe(0);
    h.record(2);
    expect(h.toJSON()).toMatchObject({ count: 1, minMs: 2, maxMs: 2, p50Ms: 2 });
  });
});
