import { MeshError } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { deferred, flush, meshError, rejectionOf } from '../../test/helpers.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { StateChangeEvent } from './state.js';

const fail = (code: Parameters<typeof meshError>[0] = 'HANDLER_ERROR') => (): Promise<never> => Promise.reject(meshError(code));
const ok = (): Promise<string> => Promise.resolve('ok');

async function tripped(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}): Promise<CircuitBreaker> {
  const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 1_000, ...options });
  await breaker.execute(fail()).catch(() => undefined);
  expect(breaker.state).toBe('open');
  return breaker;
}

describe('CircuitBreaker', () => {
  it('regression: a clock stepping back does not stretch the open period', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const breaker = await tripped({ openDurationMs: 1_000 });
    vi.setSystemTime(5_000_000 - 3_600_000);
    expect(breaker.retryAfterMs).toBe(0);
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // the probe is let through
    expect(breaker.state).toBe('closed');
  });

  it('regression: isolating from a stateChange listener stops the call that caused the transition', async () => {
    vi.useFakeTimers({ now: 0 });
    const breaker = await tripped({ openDurationMs: 1_000 });
    breaker.on('stateChange', (e) => void (e.to === 'half-open' && breaker.isolate()));
    vi.advanceTimersByTime(1_000);
    const work = vi.fn(ok);
    await expect(breaker.execute(work)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(work).not.toHaveBeenCalled();
    expect(breaker.state).toBe('isolated');
  });

  it('opens after failureThreshold consecutive failures and then rejects at once', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 3 } });
    for (let i = 0; i < 2; i++) await breaker.execute(fail()).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail()).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const work = vi.fn(ok);
    const error = await rejectionOf(breaker.execute(work));
    expect(work).not.toHaveBeenCalled();
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
    expect(error.retryAfterMs).toBeGreaterThan(9_900);
  });

  it('regression: a success while closed resets the consecutive failure count', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 3 } });
    for (let round = 0; round < 10; round++) {
      await breaker.execute(fail()).catch(() => undefined);
      await breaker.execute(fail()).catch(() => undefined);
      await breaker.execute(ok);
    }
    expect(breaker.state).toBe('closed');
  });

  it('rejects on the open path without capturing a stack trace', async () => {
    const breaker = await tripped();
    const error = await rejectionOf(breaker.execute(ok));
    expect(error.stack ?? '').not.toMatch(/\n\s+at /);
  });

  it('counts TIMEOUT, HANDLER_ERROR, TRANSPORT_ERROR; not ACCESS_DENIED, INVALID_MESSAGE, CANCELLED', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 2 } });
    for (const code of ['ACCESS_DENIED', 'INVALID_MESSAGE', 'CANCELLED', 'ACCESS_DENIED', 'NO_HANDLER'] as const) {
      await breaker.execute(fail(code)).catch(() => undefined);
    }
    expect(breaker.state).toBe('closed');
    for (const [a, b] of [['TIMEOUT', 'TIMEOUT'], ['HANDLER_ERROR', 'HANDLER_ERROR'], ['TRANSPORT_ERROR', 'TRANSPORT_ERROR']] as const) {
      breaker.reset();
      await breaker.execute(fail(a)).catch(() => undefined);
      await breaker.execute(fail(b)).catch(() => undefined);
      expect(breaker.state).toBe('open');
    }
    const custom = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 1 }, isFailure: (e) => MeshError.is(e, 'ACCESS_DENIED') });
    await custom.execute(fail('HANDLER_ERROR')).catch(() => undefined);
    expect(custom.state).toBe('closed');
    await custom.execute(fail('ACCESS_DENIED')).catch(() => undefined);
    expect(custom.state).toBe('open');
  });

  it('turns half-open after openDurationMs; a successful probe closes it', async () => {
    vi.useFakeTimers();
    const breaker = await tripped();
    await vi.advanceTimersByTimeAsync(999);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 1 });
    await vi.advanceTimersByTimeAsync(1);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('regression: 20 concurrent calls in half-open let exactly one probe reach the target', async () => {
    vi.useFakeTimers();
    const breaker = await tripped();
    await vi.advanceTimersByTimeAsync(1_000);
    const gate = deferred<string>();
    const work = vi.fn(() => gate.promise);
    const calls = Array.from({ length: 20 }, () => breaker.execute(work).then(() => 'ok', (e: MeshError) => e.code));
    await flush();
    expect(work).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('half-open');
    gate.resolve('done');
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'CIRCUIT_OPEN')).toHaveLength(19);
    expect(breaker.state).toBe('closed');
  });

  it('half-open rejections say when the probe will have decided', async () => {
    vi.useFakeTimers();
    const breaker = await tripped({ halfOpenTimeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    void breaker.execute(() => new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(1_500);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 3_500 });
  });

  it('a failed probe re-opens it; a neutral one frees the slot for another probe', async () => {
    vi.useFakeTimers();
    const breaker = await tripped();
    await vi.advanceTimersByTimeAsync(1_000);
    await breaker.execute(fail('ACCESS_DENIED')).catch(() => undefined);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(fail('TIMEOUT')).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('a probe hung past halfOpenTimeoutMs counts as failed, re-opens, and is aborted', async () => {
    vi.useFakeTimers();
    const breaker = await tripped({ halfOpenTimeoutMs: 2_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    let signal: AbortSignal | undefined;
    const probe = breaker.execute((s) => ((signal = s), new Promise(() => undefined)));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(breaker.state).toBe('half-open');
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.state).toBe('open');
    expect(signal!.aborted).toBe(true);
    expect(MeshError.is(signal!.reason, 'TIMEOUT')).toBe(true);
    void probe;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('halfOpenMaxCalls probes go through and all must succeed to close', async () => {
    vi.useFakeTimers();
    const breaker = await tripped({ halfOpenMaxCalls: 3 });
    await vi.advanceTimersByTimeAsync(1_000);
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    let i = 0;
    const calls = Array.from({ length: 5 }, () => breaker.execute(() => gates[i++]!.promise).catch((e: MeshError) => e.code));
    await flush();
    expect(i).toBe(3);
    gates[0]!.resolve('a');
    gates[1]!.resolve('b');
    await flush();
    expect(breaker.state).toBe('half-open');
    gates[2]!.resolve('c');
    expect(await Promise.all(calls)).toEqual(['a', 'b', 'c', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(breaker.state).toBe('closed');
  });

  it('a late answer from an earlier period never decides a later one', async () => {
    vi.useFakeTimers();
    const breaker = await tripped({ halfOpenTimeoutMs: 100 });
    await vi.advanceTimersByTimeAsync(1_000);
    const late = deferred<string>();
    breaker.execute(() => late.promise).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(100); // hung: re-opened
    await vi.advanceTimersByTimeAsync(1_000);
    const current = deferred<string>();
    breaker.execute(() => current.promise).catch(() => undefined); // the new period's probe
    late.resolve('too late');
    await flush();
    expect(breaker.state).toBe('half-open');
    current.reject(meshError('TIMEOUT'));
    await flush();
    expect(breaker.state).toBe('open');
  });

  it('grows the open duration with openBackoff, and resets it on close', async () => {
    vi.useFakeTimers();
    const events: StateChangeEvent[] = [];
    const breaker = await tripped({ openBackoff: { multiplier: 2, maxOpenDurationMs: 3_000 }, onStateChange: (e) => events.push(e) });
    for (const wait of [1_000, 2_000, 3_000]) {
      await vi.advanceTimersByTimeAsync(wait);
      await breaker.execute(fail()).catch(() => undefined);
    }
    expect(events.filter((e) => e.to === 'open').map((e) => e.openForMs)).toEqual([1_000, 2_000, 3_000, 3_000]);
    await vi.advanceTimersByTimeAsync(3_000);
    await breaker.execute(ok);
    await breaker.execute(fail()).catch(() => undefined);
    expect(events.at(-1)).toMatchObject({ to: 'open', openForMs: 1_000 });
  });

  it('emits an event on every transition, as an unbroken chain', async () => {
    vi.useFakeTimers();
    const events: StateChangeEvent[] = [];
    const breaker = new CircuitBreaker({ name: 'pager', strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 100 });
    const stop = breaker.on('stateChange', (e) => events.push(e));
    await breaker.execute(fail()).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(100);
    await breaker.execute(ok);
    const release = breaker.isolate();
    release();
    stop();
    breaker.isolate();
    expect(events.map((e) => `${e.from}>${e.to}`)).toEqual(['closed>open', 'open>half-open', 'half-open>closed', 'closed>isolated', 'isolated>closed']);
    expect(events[0]).toMatchObject({ name: 'pager', reason: '1 consecutive failures', openForMs: 100 });
    expect(() => breaker.on('nope' as never, () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('isolate() holds it open (not retryable) until every handle is released', async () => {
    const breaker = new CircuitBreaker();
    const a = breaker.isolate();
    const b = breaker.isolate();
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryable: false });
    a();
    a();
    expect(breaker.state).toBe('isolated');
    b();
    expect(breaker.state).toBe('closed');
    const c = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    breaker.isolate();
    c(); // released by reset() already: no effect on the new isolation
    expect(breaker.state).toBe('isolated');
  });

  it('round-trips through toJSON / fromJSON, counters included', async () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker({ name: 'ledger', strategy: { kind: 'consecutive', failureThreshold: 3 } });
    await breaker.execute(fail()).catch(() => undefined);
    await breaker.execute(fail()).catch(() => undefined);
    const copy = CircuitBreaker.fromJSON(JSON.parse(JSON.stringify(breaker.toJSON())), { strategy: { kind: 'consecutive', failureThreshold: 3 } });
    expect(copy.name).toBe('ledger');
    await copy.execute(fail()).catch(() => undefined);
    expect(copy.state).toBe('open');
    const snapshot = copy.toJSON();
    expect(snapshot).toMatchObject({ version: 1, state: 'open', opens: 1 });
    await vi.advanceTimersByTimeAsync(5_000);
    const restored = new CircuitBreaker({ snapshot });
    await expect(restored.execute(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 5_000 });
    expect(() => new CircuitBreaker({ snapshot: { ...snapshot, state: 'ajar' } as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('call() goes through its mesh, and rejects without one', async () => {
    await expect(new CircuitBreaker().call('a', 'b', { id: '1', role: 'user', content: 'x', metadata: {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it.each([
    [{ openDurationMs: 0 }],
    [{ halfOpenMaxCalls: 0 }],
    [{ halfOpenTimeoutMs: Infinity }],
    [{ strategy: { kind: 'consecutive', failureThreshold: 0 } }],
    [{ strategy: { kind: 'count', size: 10, minimumCalls: 11 } }],
    [{ strategy: { kind: 'count', failureRateThreshold: 1.5 } }],
    [{ strategy: { kind: 'time', windowMs: -1 } }],
    [{ strategy: { kind: 'hybrid' } }],
    [{ openBackoff: { maxOpenDurationMs: 10 } }],
    [{ isFailure: 42 }],
    [{ name: '' }],
  ])('rejects bad options %j with INVALID_ARGUMENT', (options) => {
    expect(() => new CircuitBreaker(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
