import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBackoff, DEFAULT_INITIAL_DELAY_MS, DEFAULT_MAX_DELAY_MS } from './backoff.js';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const retryNumber = fc.integer({ min: 1, max: 60 });
const exponential = fc.record({
  initialDelayMs: fc.integer({ min: 1, max: 5_000 }),
  multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
  extra: fc.integer({ min: 0, max: 60_000 }),
});

describe('createBackoff', () => {
  it('exponential without jitter doubles from initialDelayMs and stops at maxDelayMs', () => {
    const backoff = createBackoff({ kind: 'exponential', initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoff.delayMs(n, 0))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('defaults to exponential from 100 ms with full jitter, capped at 10 s', () => {
    const backoff = createBackoff();
    expect(backoff.maxDelayMs).toBe(DEFAULT_MAX_DELAY_MS);
    expect(backoff.delayMs(1, 0, () => 0.999_999)).toBeCloseTo(DEFAULT_INITIAL_DELAY_MS, 2);
    expect(backoff.delayMs(1, 0, () => 0)).toBe(0);
    expect(backoff.delayMs(30, 0, () => 0.999_999)).toBeCloseTo(DEFAULT_MAX_DELAY_MS, 0);
  });

  it('property: full jitter stays in [0, base], equal in [base/2, base], none is base', () => {
    fc.assert(
      fc.property(exponential, retryNumber, unit, ({ initialDelayMs, multiplier, extra }, n, r) => {
        const maxDelayMs = initialDelayMs + extra;
        const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** (n - 1));
        const options = { kind: 'exponential', initialDelayMs, multiplier, maxDelayMs } as const;
        const full = createBackoff({ ...options, jitter: 'full' }).delayMs(n, 0, () => r);
        const equal = createBackoff({ ...options, jitter: 'equal' }).delayMs(n, 0, () => r);
        const none = createBackoff({ ...options, jitter: 'none' }).delayMs(n, 0, () => r);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(base);
        expect(equal).toBeGreaterThanOrEqual(base / 2);
        expect(equal).toBeLessThanOrEqual(base);
        expect(none).toBe(base);
        expect(Math.max(full, equal, none)).toBeLessThanOrEqual(maxDelayMs);
      }),
    );
  });

  it('property: decorrelated jitter stays in [initialDelayMs, min(maxDelayMs, 3 × previous)]', () => {
    fc.assert(
      fc.property(exponential, fc.array(unit, { minLength: 1, maxLength: 30 }), ({ initialDelayMs, extra }, randoms) => {
        const maxDelayMs = initialDelayMs + extra;
        const backoff = createBackoff({ kind: 'exponential', initialDelayMs, maxDelayMs, jitter: 'decorrelated' });
        let previous = 0;
        randoms.forEach((r, i) => {
          const delay = backoff.delayMs(i + 1, previous, () => r);
          const upper = Math.min(maxDelayMs, 3 * (previous > 0 ? previous : initialDelayMs));
          expect(delay).toBeGreaterThanOrEqual(initialDelayMs);
          expect(delay).toBeLessThanOrEqual(Math.max(initialDelayMs, upper));
          previous = delay;
        });
      }),
    );
  });

  it('property: constant backoff is its delay, jittered within bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), retryNumber, unit, (delayMs, n, r) => {
        expect(createBackoff({ kind: 'constant', delayMs }).delayMs(n, 0, () => r)).toBe(delayMs);
        const full = createBackoff({ kind: 'constant', delayMs, jitter: 'full' }).delayMs(n, 0, () => r);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(delayMs);
        const equal = createBackoff({ kind: 'constant', delayMs, jitter: 'equal' }).delayMs(n, 0, () => r);
        expect(equal).toBeGreaterThanOrEqual(delayMs / 2);
        expect(equal).toBeLessThanOrEqual(delayMs);
      }),
    );
  });

  it.each([
    [{ kind: 'exponential', initialDelayMs: 0 }, 'initialDelayMs'],
    [{ kind: 'exponential', initialDelayMs: 500, maxDelayMs: 100 }, 'maxDelayMs'],
    [{ kind: 'exponential', multiplier: 0.5 }, 'multiplier'],
    [{ kind: 'exponential', jitter: 'wild' }, 'jitter'],
    [{ kind: 'constant', delayMs: -1 }, 'delayMs'],
    [{ kind: 'constant', delayMs: 10, jitter: 'decorrelated' }, 'jitter'],
    [{ kind: 'constant', delayMs: Number.NaN }, 'delayMs'],
    [{ kind: 'linear' }, 'kind'],
  ])('rejects bad options %j with INVALID_ARGUMENT naming %s', (options, field) => {
    expect(() => createBackoff(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(field) }));
  });
});
