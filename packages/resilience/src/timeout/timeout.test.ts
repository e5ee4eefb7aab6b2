import { getEventListeners } from 'node:events';
import { MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshWith, rejectionOf } from '../../test/helpers.js';
import { retry } from '../retry/retry.js';
import { timeout } from './timeout.js';

describe('timeout() as middleware', () => {
  it('core premise: the mesh enforces a child context deadline for one attempt', async () => {
    vi.useFakeTimers();
    let seen: RequestContext | undefined;
    const mesh = await meshWith({}, { name: 'hang', handle: (_m, ctx) => ((seen = ctx), new Promise(() => undefined)) });
    mesh.use((call, next) => next({ ...call, context: call.context.child({ timeoutMs: 50 }) }));
    const error = rejectionOf(mesh.invoke('hang', 'x', { timeoutMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(await error).toMatchObject({ code: 'TIMEOUT' });
    expect(seen!.signal.aborted).toBe(true);
  });

  it('fails a hung attempt with TIMEOUT at its own deadline and aborts the callee', async () => {
    vi.useFakeTimers();
    const contexts: RequestContext[] = [];
    const mesh = await meshWith({}, { name: 'hang', handle: (_m, ctx) => (contexts.push(ctx), new Promise(() => undefined)) });
    mesh.use(timeout(200));
    const started = Date.now();
    const error = rejectionOf(mesh.invoke('hang', 'x', { timeoutMs: 30_000 }));
    await vi.advanceTimersByTimeAsync(199);
    expect(contexts[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBe(200);
    expect(contexts[0]!.deadline).toBe(started + 200);
    expect(MeshError.is(contexts[0]!.signal.reason, 'TIMEOUT')).toBe(true);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('inside retry, each attempt gets its own budget and the call goes on', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const mesh = await meshWith({}, { name: 'slow-once', handle: () => (++calls === 1 ? new Promise(() => undefined) : 'fine') });
    mesh.use(retry({ maxAttempts: 2, backoff: { kind: 'constant', delayMs: 10 } })).use(timeout(100));
    const reply = mesh.invoke('slow-once', 'x', { timeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(110);
    await expect(reply).resolves.toMatchObject({ content: 'fine' });
    expect(calls).toBe(2);
  });

  it('passes a call through unchanged when its deadline is already sooner', async () => {
    vi.useFakeTimers();
    const contexts: RequestContext[] = [];
    const mesh = await meshWith({}, { name: 'echo', handle: (m) => m });
    mesh.use((call, next) => (contexts.push(call.context), next(call))).use(timeout(10_000)).use((call, next) => (contexts.push(call.context), next(call)));
    await mesh.invoke('echo', 'x', { timeoutMs: 50 });
    expect(contexts[1]).toBe(contexts[0]);
    await mesh.invoke('echo', 'x', { timeoutMs: 60_000 });
    expect(contexts[3]).not.toBe(contexts[2]);
    expect(contexts[3]!.deadline! - contexts[2]!.deadline!).toBe(10_000 - 60_000);
    expect(contexts[3]!.requestId).toBe(contexts[2]!.requestId);
  });

  it('rejects a bad budget with INVALID_ARGUMENT', () => {
    for (const bad of [0, -5, Number.NaN, Infinity, '10']) expect(() => timeout(bad as number)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('timeout().execute', () => {
  it('rejects with TIMEOUT at the deadline without waiting, and aborts the work signal', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const error = rejectionOf(timeout(100).execute((s) => ((signal = s), new Promise(() => undefined))));
    await vi.advanceTimersByTimeAsync(99);
    expect(signal!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await error).toMatchObject({ code: 'TIMEOUT', details: { timeoutMs: 100 } });
    expect(signal!.aborted).toBe(true);
    expect(MeshError.is(signal!.reason, 'TIMEOUT')).toBe(true);
  });

  it('resolves work that finishes in time and leaves no pending deadline', async () => {
    vi.useFakeTimers();
    const policy = timeout(100);
    const value = policy.execute(() => new Promise((r) => setTimeout(() => r('ok'), 60)));
    await vi.advanceTimersByTimeAsync(60);
    await expect(value).resolves.toBe('ok');
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(policy.execute(() => { throw new RangeError('sync'); })).rejects.toBeInstanceOf(RangeError);
  });

  it("follows the caller's abort and removes its listener", async () => {
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const error = rejectionOf(timeout(60_000).execute((s) => ((signal = s), new Promise(() => undefined)), controller.signal));
    controller.abort(new Error('user'));
    expect(await error).toMatchObject({ code: 'CANCELLED' });
    expect(signal!.aborted).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await expect(timeout(10).execute(() => 1, AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
