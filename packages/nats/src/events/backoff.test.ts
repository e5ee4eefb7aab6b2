import { describe, expect, it } from 'vitest';
import { redeliveryDelayMs } from './backoff.js';

describe('redelivery backoff', () => {
  it('doubles per attempt from the base, caps at the maximum, jitters by ±20%', () => {
    expect([1, 2, 3, 4].map((n) => redeliveryDelayMs(n, 100, 1_000, () => 0.5))).toEqual([100, 200, 400, 800]);
    expect(redeliveryDelayMs(10, 100, 1_000, () => 0.5)).toBe(1_000);
    expect(redeliveryDelayMs(1, 100, 1_000, () => 0)).toBe(80);
    expect(redeliveryDelayMs(1, 100, 1_000, () => 1)).toBe(120);
    expect(redeliveryDelayMs(1_000_000, 100, 60_000, () => 0.5)).toBe(60_000);
  });
});
