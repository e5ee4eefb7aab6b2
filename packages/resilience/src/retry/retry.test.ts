import { getEventListeners } from 'node:events';
import { MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { Flaky, meshError, meshWith, rejectionOf } from '../../test/helpers.js';
import { retry } from './retry.js';

const noJitter = { kind: 'exponential', initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' } as const;

describe('retry().execute', () => {
  it('maxAttempts counts every call, the first included', async () => {
    vi.useFakeTimers();
    const work = vi.fn(() => Promise.reject(meshError('TRANSPORT_ERROR')));
    const outcome = rejectionOf(retry({ maxAttempts: 4, backoff: noJitter }).execute(work));
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect((await outcome).code).toBe('TRANSPORT_ERROR');
    expect(work).toHaveBeenCalledTimes(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits the backoff between attempts and resolves the first success', async () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    const work = vi.fn(() => {
      calls.push(Date.now());
      return calls.length < 3 ? Promise.reject(new Flaky('busy')) : Promise.resolve('done');
    });
    const result = retry({ maxAttempts: 5, backoff: noJitter }).execute(work);
    await vi.advanceTimersByTimeAsync(300);
    await expect(result).resolves.toBe('done');
    expect(calls.map((t) => t - calls[0]!)).toEqual([0, 100, 300]);
  });

  it('never retries errors that say they are not retryable, nor aborts', async () => {
    for (const error of [meshError('INVALID_MESSAGE'), meshError('HANDLER_ERROR', { retryable: false }), new TypeError('x is undefined'), meshError('CANCELLED'), Object.assign(new Error('no'), { retryable: false })]) {
      const work = vi.fn(() => Promise.reject(error));
      await expect(retry({ maxAttempts: 5, retryOn: () => true }).execute(work)).rejects.toBe(error);
      expect(work).toHaveBeenCalledTimes(1);
    }
  });

  it('retryOn narrows which retryable errors are retried and sees the attempts made', async () => {
    const seen: number[] = [];
    const work = vi.fn(() => Promise.reject(meshError('TIMEOUT')));
    const policy = retry({ maxAttempts: 5, backoff: { kind: 'constant', delayMs: 0 }, retryOn: (_e, attempts) => (seen.push(attempts), attempts < 2) });
    await expect(policy.execute(work)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(work).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([1, 2]);
  });

  it('a retryOn that throws declines the retry; the caller gets the original error', async () => {
    const warned = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const error = meshError('TIMEOUT');
    const work = vi.fn(() => Promise.reject(error));
    const policy = retry({
      maxAttempts: 5,
      backoff: { kind: 'constant', delayMs: 0 },
      retryOn: () => {
        throw new Error('bad predicate');
      },
    });
    await expect(policy.execute(work)).rejects.toBe(error);
    expect(work).toHaveBeenCalledTimes(1);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('retryOn threw'), 'ResilienceCallbackWarning');
    warned.mockRestore();
  });

  it("waits at least an error's retryAfterMs, and does not retry when that exceeds maxDelayMs", async () => {
    vi.useFakeTimers();
    const started: number[] = [];
    const busy = (): Promise<never> => (started.push(Date.now()), Promise.reject(meshError('CIRCUIT_OPEN', { retryAfterMs: 700 })));
    const outcome = rejectionOf(retry({ maxAttempts: 2, backoff: noJitter }).execute(busy));
    await vi.advanceTimersByTimeAsync(699);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(2);
    await outcome;
    const tooLong = vi.fn(() => Promise.reject(meshError('CIRCUIT_OPEN', { retryAfterMs: 5_000 })));
    await expect(retry({ maxAttempts: 3, backoff: noJitter }).execute(tooLong)).rejects.toMatchObject({ retryAfterMs: 5_000 });
    expect(tooLong).toHaveBeenCalledTimes(1);
  });

  it('a cancelled wait rejects at once, clears its timer and removes its listener', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const work = vi.fn(() => Promise.reject(new Flaky('down')));
    const outcome = rejectionOf(retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 60_000 } }).execute(work, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect((await outcome).code).toBe('CANCELLED');
    expect(work).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once for an aborted signal and hands the signal to the work', async () => {
    const work = vi.fn(() => 'never');
    await expect(retry().execute(work, AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(work).not.toHaveBeenCalled();
    const controller = new AbortController();
    await retry().execute((signal) => expect(signal).toBe(controller.signal), controller.signal);
  });

  it('reports each retry to onRetry, and a throwing onRetry changes nothing', async () => {
    const events: unknown[] = [];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let n = 0;
    const result = await retry({
      maxAttempts: 3,
      backoff: { kind: 'constant', delayMs: 0 },
      onRetry: (e) => {
        events.push({ attempt: e.attempt, delayMs: e.delayMs });
        throw new Error('listener bug');
      },
    }).execute(() => (++n < 3 ? Promise.reject(new Flaky('x')) : n));
    expect(result).toBe(3);
    expect(events).toEqual([{ attempt: 2, delayMs: 0 }, { attempt: 3, delayMs: 0 }]);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it.each([[{ maxAttempts: 0 }], [{ maxAttempts: Infinity }], [{ maxAttempts: 1.5 }], [{ retryOn: 'yes' }], [{ backoff: { kind: 'constant' } }]])(
    'rejects bad options %j with INVALID_ARGUMENT',
    (options) => {
      expect(() => retry(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );
});

describe('retry() as middleware', () => {
  it('retries the same call (same requestId) until it succeeds', async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const mesh = await meshWith({}, { name: 'flaky', handle: (_m, ctx) => (seen.push(ctx.requestId), seen.length < 3 ? Promise.reject(new Flaky('busy')) : 'ok') });
    mesh.use(retry({ maxAttempts: 3, backoff: noJitter }));
    const reply = mesh.invoke('flaky', 'hi');
    await vi.advanceTimersByTimeAsync(300);
    await expect(reply).resolves.toMatchObject({ content: 'ok' });
    expect(new Set(seen).size).toBe(1);
    expect(seen).toHaveLength(3);
  });

  it('does not retry a programming error in the handler', async () => {
    let calls = 0;
    const mesh = await meshWith({}, { name: 'buggy', handle: () => { calls++; throw new TypeError('oops'); } });
    mesh.use(retry({ maxAttempts: 5 }));
    await expect(mesh.invoke('buggy', 'x')).rejects.toMatchObject({ code: 'HANDLER_ERROR', retryable: false });
    expect(calls).toBe(1);
  });

  it('never sleeps past the call deadline: fails fast with the last error', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const mesh = await meshWith({}, { name: 'down', handle: () => { calls++; throw new Flaky('down'); } });
    mesh.use(retry({ maxAttempts: 5, backoff: { kind: 'constant', delayMs: 400 } }));
    const started = Date.now();
    const error = rejectionOf(mesh.invoke('down', 'x', { timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(800);
    const e = await error;
    expect(e).toMatchObject({ code: 'HANDLER_ERROR', remote: { name: 'Flaky' } });
    expect(calls).toBe(3); // at 0, 400, 800; a wait to 1200 would pass the deadline at 1000
    expect(Date.now() - started).toBe(800);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('a cancelled call stops waiting at once and leaves no timer or listener', async () => {
    vi.useFakeTimers();
    let ctx: RequestContext | undefined;
    const mesh = await meshWith({}, { name: 'down', handle: () => { throw new Flaky('down'); } });
    mesh.use((call, next) => ((ctx = call.context), next(call)));
    mesh.use(retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 60_000 } }));
    const controller = new AbortController();
    const error = rejectionOf(mesh.invoke('down', 'x', { signal: controller.signal, timeoutMs: 600_000 }));
    await vi.advanceTimersByTimeAsync(5);
    expect(ctx!.cancellation.listenerCount).toBe(1);
    controller.abort();
    expect((await error).code).toBe('CANCELLED');
    expect(ctx!.cancellation.listenerCount).toBe(0);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(MeshError.is(await error, 'CANCELLED')).toBe(true);
  });
});
