import { MeshError } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, settle } from '../../test/support.js';
import { Batcher } from './batcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher: flush and close settle every caller', () => {
  it('flush() sends the collecting batch without waiting for its window and resolves once its callers settled', async () => {
    vi.useFakeTimers();
    const sent: number[][] = [];
    const batcher = new Batcher<number, number>({ maxWaitMs: 60_000, process: async (items) => (sent.push(items), items) });
    const results = Promise.all([batcher.add(1), batcher.add(2)]);
    let flushed = false;
    const flushing = batcher.flush().then(() => (flushed = true));
    expect(sent).toEqual([[1, 2]]);
    expect(vi.getTimerCount()).toBe(0);
    await flushing;
    expect(flushed).toBe(true);
    await expect(results).resolves.toEqual([1, 2]);
  });

  it('flush() waits for batches already in flight and for batches waiting for a slot', async () => {
    const gates = [deferred<number[]>(), deferred<number[]>()];
    let call = 0;
    const batcher = new Batcher<number, number>({ maxBatchSize: 1, concurrency: 1, process: () => gates[call++]!.promise });
    const results = [batcher.add(1), batcher.add(2)];
    let flushed = false;
    void batcher.flush().then(() => (flushed = true));
    gates[0]!.resolve([10]);
    await settle();
    expect(flushed).toBe(false);
    gates[1]!.resolve([20]);
    await settle();
    expect(flushed).toBe(true);
    await expect(Promise.all(results)).resolves.toEqual([10, 20]);
  });

  it('flush() with nothing pending resolves at once, and never rejects when batches fail', async () => {
    const batcher = new Batcher<number, number>({ process: () => Promise.reject(new Error('down')) });
    await expect(batcher.flush()).resolves.toBeUndefined();
    const failing = batcher.add(1).catch((e: unknown) => e);
    await expect(batcher.flush()).resolves.toBeUndefined();
    expect(await failing).toEqual(new Error('down'));
  });

  it('close() sends what is queued, waits for every caller, then refuses new items with CLOSED', async () => {
    vi.useFakeTimers();
    const gate = deferred<void>();
    const batcher = new Batcher<number, number>({
      maxWaitMs: 1_000,
      process: async (items) => {
        await gate.promise;
        return items;
      },
    });
    const queued = batcher.add(1);
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    const refused = (await batcher.add(2).catch((e: unknown) => e)) as MeshError;
    expect(MeshError.is(refused, 'CLOSED')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    await expect(queued).resolves.toBe(1);
    expect(batcher.close()).toBe(batcher.close());
    expect(batcher.stats()).toMatchObject({ closed: true, waiting: 0, inFlightBatches: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close() of an idle batcher resolves at once', async () => {
    const batcher = new Batcher<number, number>({ process: (items) => items });
    await expect(batcher.close()).resolves.toBeUndefined();
    await expect(batcher.add(1)).rejects.toMatchObject({ code: 'CLOSED', retryable: false });
  });
});

describe('Batcher: options', () => {
  const process = (items: number[]) => items;

  it.each([
    ['maxBatchSize', { maxBatchSize: 0 }],
    ['maxBatchSize', { maxBatchSize: 1.5 }],
    ['maxBatchSize', { maxBatchSize: Infinity }],
    ['maxWaitMs', { maxWaitMs: -1 }],
    ['maxWaitMs', { maxWaitMs: Number.NaN }],
    ['maxWaitMs', { maxWaitMs: Infinity }],
    ['maxQueue', { maxQueue: 0 }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: -2 }],
  ])('rejects a bad %s with INVALID_ARGUMENT', (name, bad) => {
    const error = (() => {
      try {
        new Batcher<number, number>({ process, ...bad });
      } catch (e) {
        return e as MeshError;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(name) });
  });

  it('requires process', () => {
    expect(() => new Batcher({} as never)).toThrow(/process must be a function/);
  });

  it('accepts Infinity for maxQueue and concurrency', async () => {
    const batcher = new Batcher<number, number>({ process, maxQueue: Infinity, concurrency: Infinity });
    await expect(batcher.add(3)).resolves.toBe(3);
  });
});
