import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord, DeadLetterStore } from '../src/dead-letter/store.js';

/** A record for store tests. */
export function record(id: string, overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    id,
    message: { id: `msg-${id}`, role: 'user', content: { order: id, lines: [1, 2, 'three'] }, metadata: { type: 'billing', note: 'line\nbreak ✓' } },
    target: 'billing',
    from: 'desk',
    error: { name: 'LedgerError', code: 'HANDLER_ERROR', message: 'ledger locked' },
    attempts: 1,
    firstFailedAt: 1_000,
    lastFailedAt: 1_000,
    requestId: `req-${id}`,
    traceId: `trace-${id}`,
    ...overrides,
  };
}

/** What every DeadLetterStore must do (MemoryDeadLetterStore, FileDeadLetterStore, JetStream's). */
export function describeStoreContract(name: string, open: () => Promise<DeadLetterStore>): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    it('puts, gets and lists records oldest first, with every field kept', async () => {
      const store = await open();
      await store.put(record('a'));
      await store.put(record('b', { target: 'pager', lastFailedAt: 2_000 }));
      expect(await store.get('a')).toEqual(record('a'));
      expect(await store.get('nope')).toBeUndefined();
      expect((await store.list()).map((r) => r.id)).toEqual(['a', 'b']);
      expect(await store.size()).toBe(2);
      await store.close();
    });

    it('put is an upsert that keeps the first position', async () => {
      const store = await open();
      await store.put(record('a'));
      await store.put(record('b'));
      await store.put(record('a', { attempts: 2, lastFailedAt: 5_000 }));
      expect(await store.list()).toMatchObject([{ id: 'a', attempts: 2 }, { id: 'b', attempts: 1 }]);
      expect(await store.size()).toBe(2);
      await store.close();
    });

    it('filters by target, code, time range and limit', async () => {
      const store = await open();
      await store.put(record('a', { target: 'billing', lastFailedAt: 1_000 }));
      await store.put(record('b', { target: 'pager', lastFailedAt: 2_000, error: { name: 'MeshError', code: 'TIMEOUT', message: 't' } }));
      await store.put(record('c', { target: 'billing', lastFailedAt: 3_000 }));
      const ids = async (filter: Parameters<DeadLetterStore['list']>[0]): Promise<string[]> => (await store.list(filter)).map((r) => r.id);
      expect(await ids({ target: 'billing' })).toEqual(['a', 'c']);
      expect(await ids({ code: 'TIMEOUT' })).toEqual(['b']);
      expect(await ids({ since: 2_000 })).toEqual(['b', 'c']);
      expect(await ids({ until: 2_000 })).toEqual(['a']);
      expect(await ids({ target: 'billing', limit: 1 })).toEqual(['a']);
      expect(await ids({ limit: 0 })).toEqual([]);
      await expect(store.list({ target: 5 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await store.close();
    });

    it('removes and purges, saying what was there', async () => {
      const store = await open();
      await store.put(record('a'));
      await store.put(record('b'));
      await store.put(record('c'));
      expect(await store.remove('b')).toBe(true);
      expect(await store.remove('b')).toBe(false);
      expect(await store.purge()).toBe(2);
      expect(await store.size()).toBe(0);
      await store.close();
    });

    it('rejects bad records and works after close only with CLOSED', async () => {
      const store = await open();
      await expect(store.put({ ...record('x'), id: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await store.close();
      await expect(store.put(record('y'))).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(store.list()).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('keeps its own copy of a record', async () => {
      const store = await open();
      const mutable = structuredClone(record('a')) as { -readonly [K in keyof DeadLetterRecord]: DeadLetterRecord[K] };
      await store.put(mutable);
      mutable.attempts = 99;
      expect((await store.get('a'))!.attempts).toBe(1);
      await store.close();
    });
  });
}
