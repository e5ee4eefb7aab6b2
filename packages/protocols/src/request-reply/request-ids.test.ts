import { describe, expect, it } from 'vitest';
import { RequestIds } from './request-ids.js';

describe('RequestIds', () => {
  it('makes distinct ids across the 1000-id head changes, each naming its slot', () => {
    const ids = new RequestIds();
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const slot = i % 7;
      const id = ids.next(slot);
      expect(id.startsWith(ids.prefix)).toBe(true);
      expect(ids.slotOf(id)).toBe(slot);
      seen.add(id);
    }
    expect(seen.size).toBe(5_000);
  });

  it('gives two instances disjoint ids, and refuses ids that are not its own', () => {
    const a = new RequestIds();
    const b = new RequestIds();
    const id = a.next(0);
    expect(b.next(0)).not.toBe(id);
    expect(b.slotOf(id)).toBeUndefined();
    expect(a.slotOf('no-such-id')).toBeUndefined();
    expect(a.slotOf(`${a.prefix}0-001.x`)).toBeUndefined();
    expect(a.slotOf(`${a.prefix}0-001.-1`)).toBeUndefined();
  });
});
