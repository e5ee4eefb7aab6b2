import { describe, expect, it } from 'vitest';
import { SlotTable, type Slotted } from './token-table.js';

const entry = (): Slotted => ({ token: '' });

describe('SlotTable', () => {
  it('finds entries by their token until they are removed', () => {
    const table = new SlotTable<Slotted>();
    const a = entry();
    const b = entry();
    const ta = table.add(a);
    const tb = table.add(b);
    expect(ta).toBe(a.token);
    expect(ta).not.toBe(tb);
    expect(table.get(ta)).toBe(a);
    expect(table.get(`${tb}`)).toBe(b);
    expect(table.holds(a)).toBe(true);
    expect(table.size).toBe(2);
    expect(table.delete(a)).toBe(true);
    expect(table.delete(a)).toBe(false);
    expect(table.get(ta)).toBeUndefined();
    expect(table.holds(a)).toBe(false);
    expect(table.values()).toEqual([b]);
    expect(table.size).toBe(1);
  });

  it('reuses slots without letting a stale token find the new entry', () => {
    const table = new SlotTable<Slotted>();
    const old = entry();
    const stale = table.add(old);
    table.delete(old);
    const next = entry();
    const fresh = table.add(next);
    expect(parseInt(fresh, 36)).toBe(parseInt(stale, 36));
    expect(table.get(stale)).toBeUndefined();
    expect(table.holds(old)).toBe(false);
    expect(table.get(fresh)).toBe(next);
  });

  it('finds nothing for tokens it never gave, whatever they look like', () => {
    const table = new SlotTable<Slotted>();
    table.add(entry());
    for (const token of ['', 'x', '0', '0_', '0_1_b', 'zzzzzzzzzzzz_1', '-1_1', 'constructor', '__proto__']) {
      expect(table.get(token)).toBeUndefined();
    }
  });

  it('keeps the tokens of tables with different tags apart', () => {
    const requests = new SlotTable<Slotted>();
    const batches = new SlotTable<Slotted>('_b');
    const token = requests.add(entry());
    const batchToken = batches.add(entry());
    expect(batchToken).toBe(`${token}_b`);
    expect(batches.get(token)).toBeUndefined();
    expect(requests.get(batchToken)).toBeUndefined();
  });
});
