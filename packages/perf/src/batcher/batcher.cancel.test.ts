import { timeoutError, type MeshError } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortListeners, deferred, requestContext, settle } from '../../test/support.js';
import { Batcher } from './batcher.js';

afterEach(() => {
  vi.useRealTimers();
});

function recording(options: { maxWaitMs?: number; maxBatchSize?: number } = {}) {
  const batches: string[][] = [];
  const batcher = new Batcher<string, string>({
    maxWaitMs: 50,
    ...options,
    process: (items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((s) => s.toUpperCase()));
    },
  });
  return { batcher, batches };
}

describe('Batcher: cancellation', () => {
  it('removes an item aborted before it is sent: its caller gets CANCELLED, the batch goes on without it', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = recording();
    const controller = new AbortController();
    const a = batcher.add('a');
    const b = batcher.add('b', { signal: controller.signal });
    const c = batcher.add('c');
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort('user left');
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('user left') });
    expect(abortListeners(controller.signal)).toBe(0);
    expect(batcher.stats().waiting).toBe(2);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toEqual([['a', 'c']]);
    await expect(Promise.all([a, c])).resolves.toEqual(['A', 'C']);
  });

  it('frees the room an aborted item took, so the batch fills up to maxBatchSize with live items', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = recording({ maxBatchSize: 2 });
    const controller = new AbortController();
    const gone = batcher.add('x', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const kept = [batcher.add('y'), batcher.add('z')];
    expect(batches).toEqual([['y', 'z']]);
    await expect(Promise.all(kept)).resolves.toEqual(['Y', 'Z']);
    expect(await gone).toMatchObject({ code: 'CANCELLED' });
  });

  it('drops a batch whose every item was aborted: no process call, no timer left', async () => {
    vi.useFakeTimers();
    const { batcher, batches } = recording();
    const controller = new AbortController();
    const outcomes = Promise.allSettled([batcher.add('a', { signal: controller.signal }), batcher.add('b', { signal: controller.signal })]);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect((await outcomes).map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([]);
    expect(batcher.stats()).toMatchObject({ waiting: 0, batchesSent: 0 });
    await expect(batcher.flush()).resolves.toBeUndefined();
  });

  it('stops the wait of a caller that aborts after its item was sent; the others still get their results', async () => {
    const gate = deferred<string[]>();
    const batcher = new Batcher<string, string>({ process: () => gate.promise });
    const controller = new AbortController();
    const a = batcher.add('a', { signal: controller.signal });
    const b = batcher.add('b');
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batcher.stats().inFlightBatches).toBe(1);
    controller.abort();
    await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
    gate.resolve(['late', 'B']);
    await expect(b).resolves.toBe('B');
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('refuses an already aborted signal at once, queueing nothing', async () => {
    const { batcher } = recording();
    await expect(batcher.add('a', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(batcher.stats().waiting).toBe(0);
  });

  it("removes an item when its request's context is cancelled, with the request's own reason", async () => {
    vi.useFakeTimers();
    const { batcher, batches } = recording();
    const ctx = requestContext();
    const item = batcher.add('a', { context: ctx });
    const other = batcher.add('b');
    expect(ctx.cancellation.listenerCount).toBe(1);
    const reason = timeoutError('test', Date.now());
    ctx.cancellation.cancel(reason);
    await expect(item).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(50);
    expect(batches).toEqual([['b']]);
    await expect(other).resolves.toBe('B');
    expect(ctx.cancellation.listenerCount).toBe(0);
  });

  it('refuses an item whose context is already cancelled', async () => {
    const { batcher } = recording();
    const ctx = requestContext();
    ctx.cancellation.cancel(timeoutError('test', 0));
    const error = (await batcher.add('a', { context: ctx }).catch((e: unknown) => e)) as MeshError;
    expect(error.code).toBe('TIMEOUT');
  });

  it('removes its context listener once the item settles normally', async () => {
    const { batcher } = recording({ maxWaitMs: 0 });
    const ctx = requestContext();
    const signal = new AbortController().signal;
    await expect(batcher.add('a', { context: ctx, signal })).resolves.toBe('A');
    expect(ctx.cancellation.listenerCount).toBe(0);
    expect(abortListeners(signal)).toBe(0);
  });

  it('keeps listener, timer and queue counts flat over many add/abort cycles (leak check)', async () => {
    vi.useFakeTimers();
    const { batcher } = recording({ maxWaitMs: 20 });
    const signal = new AbortController();
    for (let round = 0; round < 200; round++) {
      const controller = new AbortController();
      const cancelled = batcher.add(`c${round}`, { signal: controller.signal }).catch(() => 'cancelled');
      const kept = batcher.add(`k${round}`, { signal: signal.signal });
      controller.abort();
      await vi.advanceTimersByTimeAsync(20);
      expect([await cancelled, await kept]).toEqual(['cancelled', `K${round}`]);
      expect(abortListeners(controller.signal)).toBe(0);
    }
    expect(abortListeners(signal.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(batcher.stats()).toMatchObject({ waiting: 0, inFlightBatches: 0, batchesSent: 200, itemsSent: 200 });
  });
  describe('an item watched by both a signal and a context, in a batch compacted before sending', () => {
    /** A batcher whose batches wait on `gate`, answering each item with its upper-case form. */
    function gated() {
      const gate = deferred<void>();
      const batches: string[][] = [];
      const batcher = new Batcher<string, string>({
        process: async (items) => {
          batches.push([...items]);
          await gate.promise;
          return items.map((s) => s.toUpperCase());
        },
      });
      return { batcher, batches, gate };
    }

    const outcome = (promise: Promise<string>) =>
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );

    it("cancels only that caller when its context is cancelled after an earlier item left", async () => {
      const { batcher, batches, gate } = gated();
      const ctx = requestContext();
      const aLeaves = new AbortController();
      const dLeaves = new AbortController();
      const bSignal = new AbortController().signal;
      const a = outcome(batcher.add('a', { signal: aLeaves.signal }));
      const b = outcome(batcher.add('b', { signal: bSignal, context: ctx }));
      const c = outcome(batcher.add('c'));
      const d = outcome(batcher.add('d', { signal: dLeaves.signal }));
      aLeaves.abort(); // 'a' leaves: b, c, d each move down one slot when the batch is sent
      await settle();
      expect(batches).toEqual([['b', 'c', 'd']]);
      const reason = timeoutError('test', Date.now());
      ctx.cancellation.cancel(reason); // b's second watch must follow it to its new slot
      dLeaves.abort('d gave up');
      gate.resolve();
      expect(await a).toMatchObject({ error: { code: 'CANCELLED' } });
      expect(await b).toEqual({ error: reason });
      expect(await c).toEqual({ value: 'C' });
      expect(await d).toMatchObject({ error: { code: 'CANCELLED', message: expect.stringContaining('d gave up') } });
      expect(ctx.cancellation.listenerCount).toBe(0);
      expect(abortListeners(bSignal)).toBe(0);
    });

    it("ignores that item's context once its signal took it out, so a later timeout hits no other caller", async () => {
      const { batcher, batches, gate } = gated();
      const ctx = requestContext();
      const bLeaves = new AbortController();
      const b = outcome(batcher.add('b', { signal: bLeaves.signal, context: ctx }));
      const c = outcome(batcher.add('c'));
      bLeaves.abort(); // the per-item bound fires first; b's context watch is still attached
      await settle();
      expect(batches).toEqual([['c']]);
      expect(ctx.cancellation.listenerCount).toBe(0); // detached when the batch was compacted
      ctx.cancellation.cancel(timeoutError('test', Date.now())); // the request times out after the send
      gate.resolve();
      expect(await b).toMatchObject({ error: { code: 'CANCELLED' } });
      expect(await c).toEqual({ value: 'C' });
      expect(batcher.stats()).toMatchObject({ waiting: 0, inFlightBatches: 0, itemsSent: 1 });
    });

    it('lets no stale watch reach a moved caller even when compaction happens while that context is cancelling', async () => {
      const { batcher, batches, gate } = gated();
      const ctx = requestContext();
      // Registered before the item's watch, so it runs first in the same cancellation: the batch is
      // sent (and compacted) while the item's listener, already removed, is still to be called.
      ctx.cancellation.onCancel(() => void batcher.flush());
      const aLeaves = new AbortController();
      const a = outcome(batcher.add('a', { signal: aLeaves.signal, context: ctx }));
      const b = outcome(batcher.add('b'));
      aLeaves.abort();
      ctx.cancellation.cancel(timeoutError('test', Date.now()));
      expect(batches).toEqual([['b']]);
      gate.resolve();
      expect(await a).toMatchObject({ error: { code: 'CANCELLED' } });
      expect(await b).toEqual({ value: 'B' });
    });
  });
});
