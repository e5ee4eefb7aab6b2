import { MeshError } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, settle } from '../../test/support.js';
import { Batcher } from './batcher.js';
import { DEFAULT_BATCH_CONCURRENCY, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE, DEFAULT_MAX_WAIT_MS } from './options.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A batcher whose `process` records each batch and doubles each item. */
function doubling(options: { maxBatchSize?: number; maxWaitMs?: number; concurrency?: number } = {}) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>({
    ...options,
    process: (items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((n) => n * 2));
    },
  });
  return { batcher, batches };
}

describe('Batcher: each caller gets its own result', () => {
  it('resolves every add with the result at its own position (the guide never delivered results)', async () => {
    const { batcher, batches } = doubling();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('accepts results returned synchronously', async () => {
    const batcher = new Batcher<string, number>({ process: (items) => items.map((s) => s.length) });
    await expect(Promise.all([batcher.add('a'), batcher.add('abc')])).resolves.toEqual([1, 3]);
  });

  it('rejects only the caller whose slot holds an Error', async () => {
    const batcher = new Batcher<number, number>({
      process: async (items) => items.map((n) => (n === 2 ? new RangeError(`bad ${n}`) : n)),
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: new RangeError('bad 2') });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 3 });
  });

  it('rejects a whole batch with a clear HANDLER_ERROR when process returns the wrong number of results', async () => {
    const batcher = new Batcher<number, number>({ process: async (items) => items.slice(1) });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as MeshError;
      expect(MeshError.is(reason, 'HANDLER_ERROR')).toBe(true);
      expect(reason.message).toContain('returned 2 results for 3 items');
      expect(reason.details).toEqual({ expected: 3, received: 2 });
    }
  });

  it('rejects a whole batch when process resolves with something that is not an array', async () => {
    const batcher = new Batcher<number, number>({ process: async () => ({ length: 1 }) as unknown as number[] });
    await expect(batcher.add(1)).rejects.toMatchObject({ code: 'HANDLER_ERROR', message: expect.stringContaining('returned a object') });
  });
});

describe('Batcher: failures stay inside their batch (the guide let one exception kill the loop)', () => {
  it('rejects only the batch whose process throws synchronously, and keeps batching', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      maxBatchSize: 2,
      process: (items) => {
        if (++calls === 1) throw new TypeError('boom');
        return items;
      },
    });
    const first = Promise.allSettled([batcher.add(1), batcher.add(2)]);
    const second = Promise.all([batcher.add(3), batcher.add(4)]);
    expect((await first).map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((await first)[0]).toMatchObject({ reason: new TypeError('boom') });
    await expect(second).resolves.toEqual([3, 4]);
    await expect(batcher.add(5)).resolves.toBe(5);
  });

  it('rejects only the batch whose process rejects, and keeps batching', async () => {
    const batcher = new Batcher<number, number>({
      process: async (items) => {
        if (items.includes(0)) throw new Error('zero');
        return items;
      },
    });
    await expect(batcher.add(0)).rejects.toThrow('zero');
    await expect(batcher.add(7)).resolves.toBe(7);
    expect(batcher.stats()).toMatchObject({ waiting: 0, inFlightBatches: 0, batchesSent: 2, itemsSent: 2 });
  });

  it('ends a batch whose foreign thenable throws from then()', async () => {
    const batcher = new Batcher<number, number>({
      process: () => ({
        then() {
          throw new Error('bad thenable');
        },
      }),
    });
    await expect(batcher.add(1)).rejects.toThrow('bad thenable');
    expect(batcher.stats().inFlightBatches).toBe(0);
  });

  it('lets process add more items re-entrantly', async () => {
    const nested: Promise<number>[] = [];
    const batcher: Batcher<number, number> = new Batcher<number, number>({
      maxBatchSize: 1,
      process: (items) => {
        if (items[0]! < 3) nested.push(batcher.add(items[0]! + 1));
        return items;
      },
    });
    await expect(batcher.add(1)).resolves.toBe(1);
    // The innermost add returns first, so it is pushed first.
    await expect(Promise.all(nested)).resolves.toEqual([3, 2]);
  });
});

describe('Batcher: when batches are sent', () => {
  it('sends a full batch at once, without waiting for its window', () => {
    vi.useFakeTimers();
    const { batcher, batches } = doubling({ maxBatchSize: 3, maxWaitMs: 10_000 });
    void batcher.add(1);
    void batcher.add(2);
    expect(batches).toEqual([]);
    void batcher.add(3);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts the wait window from the first item of each batch', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = doubling({ maxWaitMs: 100 });
    const first = batcher.add(1);
    await vi.advanceTimersByTimeAsync(60);
    const second = batcher.add(2);
    await vi.advanceTimersByTimeAsync(39);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2]]);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 4]);
    await vi.advanceTimersByTimeAsync(20);
    const third = batcher.add(3);
    await vi.advanceTimersByTimeAsync(99);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2], [3]]);
    await expect(third).resolves.toBe(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with maxWaitMs 0 batches what is added in one tick, promise jobs included, and nothing later', async () => {
    const { batcher, batches } = doubling();
    const afterJobs = async (n: number) => {
      await Promise.resolve();
      await Promise.resolve();
      return batcher.add(n);
    };
    const now = Promise.all([batcher.add(1), afterJobs(2), batcher.add(3)]);
    await expect(now).resolves.toEqual([2, 4, 6]);
    await new Promise((resolve) => setImmediate(resolve));
    await batcher.add(4);
    expect(batches).toEqual([[1, 3, 2], [4]]);
  });

  it('splits a burst into batches of maxBatchSize, in order', async () => {
    const { batcher, batches } = doubling({ maxBatchSize: 4, concurrency: 1 });
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.add(i)));
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it('serves batches larger or smaller than the one before (arrays are sized from the last batch)', async () => {
    const { batcher, batches } = doubling({ maxBatchSize: 3_000 });
    const sizes = [1, 1_500, 2, 3_000, 700];
    for (const size of sizes) {
      const items = Array.from({ length: size }, (_, i) => i);
      await expect(Promise.all(items.map((n) => batcher.add(n)))).resolves.toEqual(items.map((n) => n * 2));
    }
    expect(batches.map((b) => b.length)).toEqual(sizes);
  });

  it('has documented defaults', () => {
    expect([DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_WAIT_MS, DEFAULT_MAX_QUEUE, DEFAULT_BATCH_CONCURRENCY]).toEqual([100, 0, 10_000, 4]);
  });
});

describe('Batcher: concurrency and backpressure', () => {
  it('keeps at most `concurrency` batches in flight and sends the rest in order (one loop, never two)', async () => {
    const pending = [deferred<number[]>(), deferred<number[]>(), deferred<number[]>()];
    const sent: number[][] = [];
    const batcher = new Batcher<number, number>({
      maxBatchSize: 1,
      concurrency: 2,
      process: (items) => {
        sent.push(items);
        return pending[sent.length - 1]!.promise;
      },
    });
    const results = [1, 2, 3].map((n) => batcher.add(n));
    expect(sent).toEqual([[1], [2]]);
    expect(batcher.stats()).toMatchObject({ inFlightBatches: 2, waiting: 1 });
    pending[1]!.resolve([20]);
    await settle();
    expect(sent).toEqual([[1], [2], [3]]);
    pending[0]!.resolve([10]);
    pending[2]!.resolve([30]);
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
    expect(batcher.stats()).toMatchObject({ inFlightBatches: 0, waiting: 0 });
  });

  it('refuses items beyond maxQueue with QUEUE_FULL, without a stack, and accepts again once there is room', async () => {
    const gate = deferred<number[]>();
    const batcher = new Batcher<number, number>({ maxBatchSize: 2, maxQueue: 3, concurrency: 1, process: (items) => gate.promise.then(() => items) });
    const accepted = [batcher.add(1), batcher.add(2)];
    const queued = [batcher.add(3), batcher.add(4), batcher.add(5)];
    const refused = (await batcher.add(6).catch((e: unknown) => e)) as MeshError;
    expect(refused).toMatchObject({ code: 'QUEUE_FULL', retryable: true, details: { maxQueue: 3 } });
    expect(refused.stack?.split('\n')).toHaveLength(1);
    gate.resolve([]);
    await expect(Promise.all([...accepted, ...queued])).resolves.toEqual([1, 2, 3, 4, 5]);
    await expect(batcher.add(7)).resolves.toBe(7);
  });
});
