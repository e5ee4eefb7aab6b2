import type { MeshError } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { deferred, settle, type Deferred } from '../../test/support.js';
import { ConcurrencyLimiter } from './limiter.js';
import { DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_WAITING } from './limiter-options.js';

/** Tasks that end when the test says, recording how many run at once and in which order they start. */
function gatedTasks(count: number) {
  const gates: Deferred<number>[] = Array.from({ length: count }, () => deferred<number>());
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  const task = (i: number) => async () => {
    started.push(i);
    peak = Math.max(peak, ++running);
    try {
      return await gates[i]!.promise;
    } finally {
      running--;
    }
  };
  return { gates, started, task, peak: () => peak };
}

describe('ConcurrencyLimiter: the limit bounds the work, not just its start', () => {
  it('runs at most maxConcurrent tasks at once, holding each permit until its task settles, in arrival order', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2 });
    const { gates, started, task, peak } = gatedTasks(10);
    const results = gates.map((_, i) => limiter.run(task(i)));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limiter.stats()).toMatchObject({ inFlight: 2, waiting: 8 });
    for (let i = 0; i < 10; i++) {
      gates[i]!.resolve(i * 10);
      await settle();
    }
    await expect(Promise.all(results)).resolves.toEqual(gates.map((_, i) => i * 10));
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak()).toBe(2);
    expect(limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0, peakInFlight: 2, perKey: {} });
  });

  it('releases the permit when the task throws, rejects or returns a plain value', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1 });
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limiter.run(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
    await expect(limiter.run(() => 42)).resolves.toBe(42);
    const blocker = deferred<void>();
    const first = limiter.run(() => blocker.promise);
    const queued = [
      limiter.run(() => {
        throw new Error('queued sync');
      }),
      limiter.run(() => Promise.reject(new Error('queued async'))),
      limiter.run(() => 'plain'),
    ];
    blocker.resolve();
    await first;
    const outcomes = await Promise.allSettled(queued);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['queued sync', 'queued async', 'plain']);
    expect(limiter.stats().inFlight).toBe(0);
  });

  it('runs thousands of queued tasks that end synchronously without growing the stack', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxWaiting: Infinity });
    const gate = deferred<void>();
    const first = limiter.run(() => gate.promise);
    const rest = Array.from({ length: 20_000 }, (_, i) => limiter.run(() => i));
    gate.resolve();
    await first;
    const values = await Promise.all(rest);
    expect(values[19_999]).toBe(19_999);
  });

  it('serves queued acquires with permits whose release is idempotent', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1 });
    const first = await limiter.acquire({ key: 'a' });
    expect(first).toMatchObject({ key: 'a', released: false });
    const second = limiter.acquire();
    expect(limiter.tryAcquire()).toBeUndefined();
    first.release();
    first.release();
    expect(first.released).toBe(true);
    const permit = await second;
    expect(limiter.stats()).toMatchObject({ inFlight: 1, waiting: 0 });
    permit.release();
    const direct = limiter.tryAcquire('b');
    expect(direct?.key).toBe('b');
    expect(limiter.stats().perKey).toEqual({ b: { inFlight: 1, waiting: 0 } });
    direct?.release();
    expect(limiter.stats()).toMatchObject({ inFlight: 0, perKey: {} });
  });

  it('has documented defaults', () => {
    expect([DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_WAITING, DEFAULT_ACQUIRE_TIMEOUT_MS]).toEqual([10, 10_000, 30_000]);
    expect(new ConcurrencyLimiter().stats().maxConcurrent).toBe(10);
  });
});

describe('ConcurrencyLimiter: per-key limits', () => {
  it('bounds each key and lets waiters for other keys pass one whose key is full', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 3, maxPerKey: 1 });
    const gates = { a1: deferred<string>(), a2: deferred<string>(), b1: deferred<string>() };
    const order: string[] = [];
    const run = (name: keyof typeof gates, key: string) =>
      limiter.run(
        () => {
          order.push(name);
          return gates[name].promise;
        },
        { key },
      );
    const a1 = run('a1', 'a');
    const a2 = run('a2', 'a');
    const b1 = run('b1', 'b');
    await settle();
    expect(order).toEqual(['a1', 'b1']);
    expect(limiter.stats().perKey).toEqual({ a: { inFlight: 1, waiting: 1 }, b: { inFlight: 1, waiting: 0 } });
    gates.a1.resolve('a1');
    await settle();
    expect(order).toEqual(['a1', 'b1', 'a2']);
    gates.a2.resolve('a2');
    gates.b1.resolve('b1');
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
    expect(limiter.stats().perKey).toEqual({});
  });

  it('gives a freed permit to the first waiter whose key has room, skipping one whose key is full', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2, maxPerKey: 1 });
    const a1 = deferred<void>();
    const c1 = deferred<void>();
    const started: string[] = [];
    const running = [limiter.run(() => a1.promise, { key: 'a' }), limiter.run(() => c1.promise, { key: 'c' })];
    const waiting = [
      limiter.run(() => void started.push('a2'), { key: 'a' }),
      limiter.run(() => void started.push('b1'), { key: 'b' }),
    ];
    expect(limiter.stats().waiting).toBe(2);
    c1.resolve();
    await settle();
    expect(started).toEqual(['b1']);
    expect(limiter.stats().perKey).toEqual({ a: { inFlight: 1, waiting: 1 } });
    a1.resolve();
    await Promise.all([...running, ...waiting]);
    expect(started).toEqual(['b1', 'a2']);
  });

  it('keeps arrival order among waiters that are all eligible', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxPerKey: 1 });
    const gate = deferred<void>();
    const order: string[] = [];
    const first = limiter.run(() => gate.promise, { key: 'x' });
    const rest = ['y', 'z', 'x', 'y'].map((key, i) => limiter.run(() => void order.push(`${key}${i}`), { key }));
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual(['y0', 'z1', 'x2', 'y3']);
  });

  it('reports any key name safely, __proto__ included', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1 });
    const permit = await limiter.acquire({ key: '__proto__' });
    const stats = limiter.stats();
    expect(Object.keys(stats.perKey)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(stats)).perKey.__proto__).toEqual({ inFlight: 1, waiting: 0 });
    permit.release();
  });
});

describe('ConcurrencyLimiter: close', () => {
  it('rejects every waiter with CLOSED, refuses new callers, and resolves once work in flight ends', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1 });
    const gate = deferred<string>();
    const running = limiter.run(() => gate.promise);
    const waiting = [limiter.run(() => 'never'), limiter.acquire({ key: 'k' })];
    let closed = false;
    const closing = limiter.close().then(() => (closed = true));
    for (const outcome of await Promise.allSettled(waiting)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'CLOSED' } });
    }
    await expect(limiter.run(() => 1)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(limiter.tryAcquire()).toBeUndefined();
    await settle();
    expect(closed).toBe(false);
    gate.resolve('done');
    await expect(running).resolves.toBe('done');
    await closing;
    expect(limiter.close()).toBe(limiter.close());
    expect(limiter.stats()).toMatchObject({ closed: true, inFlight: 0, waiting: 0, perKey: {} });
  });
});

describe('ConcurrencyLimiter: options', () => {
  it.each([
    [{ maxConcurrent: 0 }, 'maxConcurrent'],
    [{ maxConcurrent: 2.5 }, 'maxConcurrent'],
    [{ maxPerKey: 0 }, 'maxPerKey'],
    [{ maxWaiting: -1 }, 'maxWaiting'],
    [{ acquireTimeoutMs: -5 }, 'acquireTimeoutMs'],
    [{ acquireTimeoutMs: Number.NaN }, 'acquireTimeoutMs'],
  ])('rejects %o with INVALID_ARGUMENT', (options, name) => {
    let error: MeshError | undefined;
    try {
      new ConcurrencyLimiter(options);
    } catch (e) {
      error = e as MeshError;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(name) });
  });
});
