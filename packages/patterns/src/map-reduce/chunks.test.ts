import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkBounds } from './chunks.js';

const sizes = (bounds: number[]): number[] => bounds.slice(1).map((end, i) => end - bounds[i]!);

describe('chunkBounds', () => {
  it('splits evenly over the mappers: never an empty chunk, sizes within one, everything covered', () => {
    fc.assert(
      fc.property(fc.nat(2_000), fc.integer({ min: 1, max: 64 }), (length, mappers) => {
        const bounds = chunkBounds(length, mappers, undefined);
        const s = sizes(bounds);
        expect(bounds[0]).toBe(0);
        expect(bounds.at(-1)).toBe(length);
        expect(s.length).toBe(Math.min(length, mappers));
        expect(s.every((n) => n > 0)).toBe(true);
        if (s.length > 0) expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('cuts chunkSize-long chunks, only the last one shorter, none empty', () => {
    fc.assert(
      fc.property(fc.nat(2_000), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }), (length, mappers, chunkSize) => {
        const s = sizes(chunkBounds(length, mappers, chunkSize));
        expect(s.length).toBe(Math.ceil(length / chunkSize));
        expect(s.every((n) => n > 0 && n <= chunkSize)).toBe(true);
        expect(s.slice(0, -1).every((n) => n === chunkSize)).toBe(true);
        expect(s.reduce((a, b) => a + b, 0)).toBe(length);
      }),
    );
  });

  it('gives 2 items over 3 mappers two chunks of one (guide bug 3)', () => {
    expect(chunkBounds(2, 3, undefined)).toEqual([0, 1, 2]);
    expect(chunkBounds(10, 4, undefined)).toEqual([0, 3, 6, 8, 10]);
    expect(chunkBounds(0, 4, undefined)).toEqual([0]);
  });
});
