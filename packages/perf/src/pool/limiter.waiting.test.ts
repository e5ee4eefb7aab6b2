import { timeoutError, type MeshError } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { FakeClock, abortListeners, deferred, requestContext } from '../../test/support.js';
import { ConcurrencyLimiter } from './limiter.js';

/** A limiter with one permit, taken by a task that ends when `release()` is called. */
async function saturated(options: ConstructorParameters<typeof ConcurrencyLimiter>[0] = {}) {
  const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, ...options });
  const gate = deferred<void>();
  const holder = limiter.run(() => gate.promise);
  return { limiter, release: () => gate.resolve(), holder };
}

describe('ConcurrencyLimiter: bounded waiting', () => {
  it('refuses a caller beyond maxWaiting with QUEUE_FULL at once, without a stack', async () => {
    const { limiter, release, holder } = await saturated({ maxWaiting: 2 });
    const waiting = [limiter.run(() => 1), limiter.run(() => 2)];
    const refused = (await limiter.run(() => 3).catch((e: unknown) => e)) as MeshError;
    expect(refused).toMatchObject({ code: 'QUEUE_FULL', retryable: true, details: { maxWaiting: 2 } });
    expect(refused.stack?.split('\n')).toHaveLength(1);
    release();
    await holder;
    await expect(Promise.all(waiting)).resolves.toEqual([1, 2]);
  });

  it('with maxWaiting 0 never queues', async () => {
    const { limiter } = await saturated({ maxWaiting: 0 });
    await expect(limiter.acquire()).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(limiter.stats().waiting).toBe(0);
  });
});

describe('ConcurrencyLimiter: acquire timeout', () => {
  it('fails a waiter with ACQUIRE_TIMEOUT exactly acquireTimeoutMs after it started waiting, each on its own clock', async () => {
    const clock = new FakeClock();
    const { limiter } = await saturated({ acquireTimeoutMs: 100, clock });
    const outcomes: string[] = [];
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        () => outcomes.push(`${name} ok`),
        (e: MeshError) => outcomes.push(`${name} ${e.code}`),
      );
    const first = track('first', limiter.run(() => 1, { key: 'x' }));
    clock.advance(60);
    const second = track('second', limiter.run(() => 2));
    clock.advance(39);
    await Promise.resolve();
    expect(outcomes).toEqual([]);
    clock.advance(1);
    await first;
    expect(outcomes).toEqual(['first ACQUIRE_TIMEOUT']);
    expect(limiter.stats()).toMatchObject({ waiting: 1, perKey: {} });
    clock.advance(59);
    await Promise.resolve();
    expect(outcomes).toHaveLength(1);
    clock.advance(1);
    await second;
    expect(outcomes).toEqual(['first ACQUIRE_TIMEOUT', 'second ACQUIRE_TIMEOUT']);
    expect(clock.pending).toBe(0);
  });

  it('says which key and which timeout in the error, and retries may help', async () => {
    const clock = new FakeClock();
    const { limiter } = await saturated({ acquireTimeoutMs: 250, clock });
    const waiting = limiter.acquire({ key: 'billing' }).catch((e: unknown) => e as MeshError);
    clock.advance(250);
    expect(await waiting).toMatchObject({
      code: 'ACQUIRE_TIMEOUT',
      retryable: true,
      message: 'no permit for "billing" within 250 ms',
      details: { acquireTimeoutMs: 250 },
    });
  });

  it('clears its timer as soon as nobody waits, and never arms one with acquireTimeoutMs Infinity', async () => {
    const clock = new FakeClock();
    const { limiter, release, holder } = await saturated({ acquireTimeoutMs: 1_000, clock });
    const waiter = limiter.run(() => 'ran');
    expect(clock.pending).toBe(1);
    release();
    await holder;
    await expect(waiter).resolves.toBe('ran');
    expect(clock.pending).toBe(0);
    const forever = await saturated({ acquireTimeoutMs: Infinity, clock });
    const patient = forever.limiter.run(() => 'eventually');
    clock.advance(10 * 60_000);
    expect(clock.pending).toBe(0);
    forever.release();
    await expect(patient).resolves.toBe('eventually');
  });
});

describe('ConcurrencyLimiter: cancelled waiters leave the line at once', () => {
  it('removes an aborted waiter immediately (CANCELLED), and the next one gets the permit', async () => {
    const clock = new FakeClock();
    const { limiter, release, holder } = await saturated({ clock });
    const controller = new AbortController();
    const ran: string[] = [];
    const aborted = limiter.run(() => ran.push('aborted'), { signal: controller.signal, key: 'a' });
    const next = limiter.run(() => ran.push('next'));
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort(new Error('gave up'));
    expect(limiter.stats()).toMatchObject({ waiting: 1, perKey: {} });
    expect(abortListeners(controller.signal)).toBe(0);
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED', message: 'wait for a permit for "a" was cancelled: gave up' });
    release();
    await holder;
    await next;
    expect(ran).toEqual(['next']);
    expect(clock.pending).toBe(0);
  });

  it("leaves the line with the request's own reason when its context is cancelled", async () => {
    const { limiter } = await saturated();
    const ctx = requestContext();
    const waiting = limiter.run(() => 'never', { context: ctx });
    expect(ctx.cancellation.listenerCount).toBe(1);
    const reason = timeoutError('target', 0);
    ctx.cancellation.cancel(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(limiter.stats().waiting).toBe(0);
    expect(ctx.cancellation.listenerCount).toBe(0);
  });

  it('refuses already aborted signals and cancelled contexts without queueing', async () => {
    const { limiter } = await saturated();
    await expect(limiter.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    const ctx = requestContext();
    ctx.cancellation.cancel(timeoutError('x', 0));
    await expect(limiter.acquire({ context: ctx })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(limiter.stats().waiting).toBe(0);
  });

  it('refuses a caller that already gave up even when a permit is free: its work never runs', async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2 });
    const ran: string[] = [];
    const aborted = limiter.run(() => ran.push('aborted'), { signal: AbortSignal.abort(new Error('gave up')), key: 'a' });
    await expect(aborted).rejects.toMatchObject({ code: 'CANCELLED', message: 'wait for a permit for "a" was cancelled: gave up' });
    await expect(limiter.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    const ctx = requestContext();
    const reason = timeoutError('target', 0);
    ctx.cancellation.cancel(reason);
    await expect(limiter.run(() => ran.push('cancelled'), { context: ctx })).rejects.toBe(reason);
    expect(ran).toEqual([]);
    expect(limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0, peakInFlight: 0, perKey: {} });
    await expect(limiter.run(() => 'still free')).resolves.toBe('still free');
  });

  it('removes listeners of waiters that were granted (leak check over many cycles)', async () => {
    const clock = new FakeClock();
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, acquireTimeoutMs: 5_000, clock });
    const signal = new AbortController().signal;
    const ctx = requestContext();
    for (let i = 0; i < 300; i++) {
      const gate = deferred<void>();
      const first = limiter.run(() => gate.promise, { signal, context: ctx, key: `k${i % 7}` });
      const controller = new AbortController();
      const aborted = limiter.run(() => 'no', { signal: controller.signal }).catch((e: unknown) => (e as MeshError).code);
      const second = limiter.run(() => i, { signal, context: ctx, key: `k${i % 5}` });
      controller.abort();
      gate.resolve();
      await first;
      expect([await aborted, await second]).toEqual(['CANCELLED', i]);
    }
    expect(abortListeners(signal)).toBe(0);
    expect(ctx.cancellation.listenerCount).toBe(0);
    expect(clock.pending).toBe(0);
    expect(limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0, perKey: {} });
    await expect(limiter.close()).resolves.toBeUndefined();
  });
});
