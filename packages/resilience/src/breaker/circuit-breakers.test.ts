import { MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { deferred, Flaky, flush, meshWith, rejectionOf } from '../../test/helpers.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { circuitBreakers } from './circuit-breakers.js';
import type { StateChangeEvent } from './state.js';

const agents = [
  { name: 'healthy', handle: () => 'fine' },
  { name: 'broken', handle: () => Promise.reject(new Flaky('down')) },
];

describe('circuitBreakers() middleware', () => {
  it('regression: one failing target never opens the breaker of another', async () => {
    const mesh = await meshWith({}, ...agents);
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 3 } });
    mesh.use(breakers);
    for (let i = 0; i < 10; i++) {
      await mesh.invoke('broken', 'x').catch(() => undefined);
      await expect(mesh.invoke('healthy', 'x')).resolves.toMatchObject({ content: 'fine' });
    }
    expect(breakers.states()).toEqual({ broken: 'open', healthy: 'closed' });
    const error = await rejectionOf(mesh.invoke('broken', 'x'));
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', agent: 'broken' });
    expect(breakers.get('broken')).toBeInstanceOf(CircuitBreaker);
  });

  it('regression: hung calls are counted when the mesh abandons them at their deadline', async () => {
    vi.useFakeTimers();
    const mesh = await meshWith({}, { name: 'hang', handle: () => new Promise(() => undefined) });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 2 } });
    mesh.use(breakers);
    for (let i = 0; i < 2; i++) {
      const call = rejectionOf(mesh.invoke('hang', 'x', { timeoutMs: 100 }));
      await vi.advanceTimersByTimeAsync(100);
      expect((await call).code).toBe('TIMEOUT');
    }
    expect(breakers.states()).toEqual({ hang: 'open' });
  });

  it('a call the caller cancels is neutral, and frees a half-open probe slot', async () => {
    vi.useFakeTimers();
    const gate = deferred<string>();
    let calls = 0;
    const mesh = await meshWith({}, { name: 'svc', handle: () => (++calls === 1 ? Promise.reject(new Flaky('x')) : gate.promise) });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 50 });
    mesh.use(breakers);
    await mesh.invoke('svc', 'x').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(50);
    const controller = new AbortController();
    const probe = rejectionOf(mesh.invoke('svc', 'x', { signal: controller.signal }));
    await flush();
    await expect(mesh.invoke('svc', 'x')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    controller.abort();
    expect((await probe).code).toBe('CANCELLED');
    expect(breakers.states()).toEqual({ svc: 'half-open' });
    const next = mesh.invoke('svc', 'x');
    gate.resolve('back');
    await expect(next).resolves.toMatchObject({ content: 'back' });
    expect(breakers.states()).toEqual({ svc: 'closed' });
  });

  it('bounds a half-open probe by halfOpenTimeoutMs through its context', async () => {
    vi.useFakeTimers();
    let probeCtx: RequestContext | undefined;
    let calls = 0;
    const mesh = await meshWith({}, { name: 'svc', handle: (_m, ctx) => (++calls === 1 ? Promise.reject(new Flaky('x')) : ((probeCtx = ctx), new Promise(() => undefined))) });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 10, halfOpenTimeoutMs: 300 });
    mesh.use(breakers);
    await mesh.invoke('svc', 'x').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    const probe = rejectionOf(mesh.invoke('svc', 'x', { timeoutMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(300);
    expect((await probe).code).toBe('TIMEOUT');
    expect(probeCtx!.signal.aborted).toBe(true);
    expect(breakers.states()).toEqual({ svc: 'open' });
  });

  it('forwards every transition with the target as name, restores snapshots, deletes and resets', async () => {
    const events: StateChangeEvent[] = [];
    const mesh = await meshWith({}, ...agents);
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 1 }, onStateChange: (e) => events.push(e) });
    mesh.use(breakers);
    await mesh.invoke('broken', 'x').catch(() => undefined);
    expect(events).toMatchObject([{ name: 'broken', from: 'closed', to: 'open' }]);
    const saved = JSON.parse(JSON.stringify(breakers.toJSON())) as ReturnType<typeof breakers.toJSON>;
    const restored = circuitBreakers({ snapshot: saved });
    expect(restored.states()).toEqual({ broken: 'open' });
    const other = await meshWith({}, ...agents);
    other.use(restored);
    await expect(other.invoke('broken', 'x')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    restored.reset();
    expect(restored.states()).toEqual({ broken: 'closed' });
    expect(restored.delete('broken')).toBe(true);
    expect(restored.get('broken')).toBeUndefined();
  });

  it('takes per-target options', async () => {
    const mesh = await meshWith({}, ...agents, { name: 'fragile', handle: () => Promise.reject(new Flaky('x')) });
    const breakers = circuitBreakers({ strategy: { kind: 'consecutive', failureThreshold: 5 }, perTarget: (t) => (t === 'fragile' ? { strategy: { kind: 'consecutive', failureThreshold: 1 } } : undefined) });
    mesh.use(breakers);
    await mesh.invoke('fragile', 'x').catch(() => undefined);
    await mesh.invoke('broken', 'x').catch(() => undefined);
    expect(breakers.states()).toEqual({ fragile: 'open', broken: 'closed' });
  });

  it('fails fast on bad options', () => {
    expect(() => circuitBreakers({ openDurationMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => circuitBreakers({ perTarget: 3 as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('CircuitBreaker.call()', () => {
  it('guards mesh calls made with a caller context', async () => {
    const mesh = await meshWith({}, ...agents);
    const breaker = new CircuitBreaker({ mesh, strategy: { kind: 'consecutive', failureThreshold: 2 } });
    const message = { id: 'm', role: 'user', content: 'x', metadata: {} } as const;
    await expect(breaker.call('me', 'healthy', message)).resolves.toMatchObject({ content: 'fine' });
    await breaker.call('me', 'broken', message).catch(() => undefined);
    await breaker.call(undefined, 'broken', message).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const error = await rejectionOf(breaker.call('me', 'healthy', message));
    expect(MeshError.is(error, 'CIRCUIT_OPEN')).toBe(true);
  });
});
