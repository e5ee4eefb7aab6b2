import type { Middleware } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { Flaky, meshWith } from '../../test/helpers.js';
import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import { circuitBreakers } from '../breaker/circuit-breakers.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import { definePolicy, type Policy } from './types.js';
import { wrap } from './wrap.js';

function tracer(name: string, log: string[]): Policy {
  const middleware: Middleware = (call, next) => (log.push(`${name}>`), next(call).finally(() => log.push(`<${name}`)));
  return definePolicy(middleware, (work, signal) => (log.push(`${name}>`), Promise.resolve(work(signal ?? new AbortController().signal)).finally(() => log.push(`<${name}`))));
}

describe('wrap()', () => {
  it('composes middleware with the first outermost, like mesh.use', async () => {
    const log: string[] = [];
    const mesh = await meshWith({}, { name: 'echo', handle: (m) => (log.push('handler'), m) });
    mesh.use(wrap(tracer('a', log), tracer('b', log), tracer('c', log)));
    await mesh.invoke('echo', 'x');
    await mesh.invoke('echo', 'y');
    expect(log.slice(0, 7)).toEqual(['a>', 'b>', 'c>', 'handler', '<c', '<b', '<a']);
    expect(log).toHaveLength(14);
  });

  it('composes execute the same way and passes signals inward', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const result = await wrap(tracer('a', log), tracer('b', log)).execute((signal) => (log.push(signal === controller.signal ? 'same signal' : 'other'), 42), controller.signal);
    expect(result).toBe(42);
    expect(log).toEqual(['a>', 'b>', 'same signal', '<b', '<a']);
  });

  it('retry outside a breaker and a timeout: each attempt is bounded, the breaker sees each failure', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const mesh = await meshWith({}, { name: 'svc', handle: () => (++calls < 3 ? new Promise(() => undefined) : 'ok') });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 5 } });
    mesh.use(wrap(retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 10 } }), breakers, timeout(100)));
    const reply = mesh.invoke('svc', 'x', { timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(220);
    await expect(reply).resolves.toMatchObject({ content: 'ok' });
    expect(calls).toBe(3);
    expect(breakers.get('svc')!.toJSON().strategy).toEqual({ kind: 'consecutive', failures: 0 });
  });

  it('retry outside the breaker waits out an open breaker (retryAfterMs) and its probe succeeds', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const mesh = await meshWith({}, { name: 'svc', handle: () => (++calls <= 2 ? Promise.reject(new Flaky('down')) : 'recovered') });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 2 }, openDurationMs: 500 });
    mesh.use(wrap(retry({ maxAttempts: 4, backoff: { kind: 'constant', delayMs: 10, maxDelayMs: 1_000 } }), breakers, timeout(100)));
    const started = Date.now();
    const reply = mesh.invoke('svc', 'x', { timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10); // second attempt fails: the breaker opens
    expect(breakers.states()).toEqual({ svc: 'open' });
    await vi.advanceTimersByTimeAsync(600);
    await expect(reply).resolves.toMatchObject({ content: 'recovered' });
    expect(calls).toBe(3); // the rejected third attempt never reached the target; the fourth was the probe
    expect(Date.now() - started).toBeGreaterThanOrEqual(510);
    expect(breakers.states()).toEqual({ svc: 'closed' });
  });

  it('gives executors only an executor, middleware only middleware, and refuses a mix', async () => {
    const breaker = new CircuitBreaker();
    const standalone = wrap(retry(), breaker, timeout(1_000));
    expect(typeof standalone).toBe('object');
    await expect(standalone.execute(() => Promise.reject(new Flaky('x')))).rejects.toBeInstanceOf(Flaky);
    expect(typeof wrap(retry(), circuitBreakers())).toBe('function');
    expect(() => wrap()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => wrap(circuitBreakers() as never, breaker as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
