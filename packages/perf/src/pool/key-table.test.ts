import { describe, expect, it } from 'vitest';
import { KeyTable } from './key-table.js';
import { ConcurrencyLimiter } from './limiter.js';

describe('KeyTable', () => {
  it('stays bounded under a stream of one-off keys, and never sweeps a key in use', () => {
    const table = new KeyTable();
    const busy = table.get('busy');
    busy.inFlight = 1;
    const waiting = table.get('waiting');
    waiting.waiting = 2;
    for (let i = 0; i < 100_000; i++) table.get(`one-off-${i}`);
    expect(table.size).toBeLessThanOrEqual(256);
    expect(table.get('busy')).toBe(busy);
    expect(table.get('waiting')).toBe(waiting);
    expect(table.toJSON()).toEqual({ busy: { inFlight: 1, waiting: 0 }, waiting: { inFlight: 0, waiting: 2 } });
  });

  it('grows with the keys in use and sweeps back once they go idle', () => {
    const table = new KeyTable();
    // As in the limiter, an entry is put to use before the next one is asked for.
    const live = Array.from({ length: 1_000 }, (_, i) => {
      const state = table.get(`live-${i}`);
      state.inFlight = 1;
      return state;
    });
    for (let i = 0; i < 5_000; i++) table.get(`idle-${i}`);
    expect(table.size).toBeLessThanOrEqual(3 * 1_000);
    expect(Object.keys(table.toJSON())).toHaveLength(1_000);
    for (const state of live) state.inFlight = 0;
    for (let i = 0; i < 10_000; i++) table.get(`later-${i}`);
    expect(table.size).toBeLessThanOrEqual(2 * 1_000 + 256);
    expect(table.toJSON()).toEqual({});
  });

  it('keeps a limiter used with many distinct keys small', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 4, maxPerKey: 1 });
    for (let i = 0; i < 2_000; i++) await limiter.run(() => i, { key: `target-${i}` });
    expect(limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0, perKey: {} });
  });
});
