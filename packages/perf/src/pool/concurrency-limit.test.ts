import { describe, expect, it, vi } from 'vitest';
import { meshScope, registerGated } from '../../test/meshes.js';
import { settle } from '../../test/support.js';
import { AgentConnectionPool } from './connection-pool.js';
import { concurrencyLimit } from './concurrency-limit.js';
import { ConcurrencyLimiter } from './limiter.js';

const newMesh = meshScope();

describe('concurrencyLimit middleware', () => {
  it('bounds the calls in flight through a mesh; every call still gets its reply', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const agents = await registerGated(mesh, ['svc']);
    mesh.use(concurrencyLimit({ maxConcurrent: 2 }));
    const calls = Array.from({ length: 10 }, (_, i) => mesh.invoke('svc', { content: i }));
    await settle();
    expect(agents.gates).toHaveLength(2);
    await agents.drain();
    expect((await Promise.all(calls)).map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `svc:${i}`));
    expect(agents.peak()).toBe(2);
  });

  it('bounds each target with maxPerTarget', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const agents = await registerGated(mesh, ['a', 'b']);
    mesh.use(concurrencyLimit({ maxConcurrent: 10, maxPerTarget: 1 }));
    const calls = [mesh.invoke('a', '1'), mesh.invoke('a', '2'), mesh.invoke('b', '3')];
    await settle();
    expect(agents.gates).toHaveLength(2);
    await agents.drain();
    await Promise.all(calls);
    expect(agents.peakOf('a')).toBe(1);
  });

  it('removes a waiting call whose deadline passes: the caller gets TIMEOUT and the line empties', async () => {
    vi.useFakeTimers();
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const agents = await registerGated(mesh, ['svc']);
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1 });
    mesh.use(concurrencyLimit({ limiter }));
    const first = mesh.invoke('svc', 'a');
    const second = mesh.invoke('svc', 'b', { timeoutMs: 100 }).catch((e: unknown) => e);
    await settle();
    expect(limiter.stats().waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(await second).toMatchObject({ code: 'TIMEOUT' });
    expect(limiter.stats().waiting).toBe(0);
    await agents.drain();
    await first;
    expect(limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it("shares one bound with a pool's limiter", async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const agents = await registerGated(mesh, ['svc']);
    const other = newMesh({ transport: mesh.transport, closeTransport: false, defaultTimeoutMs: Infinity });
    const pool = new AgentConnectionPool({ mesh, maxConnections: 2 });
    other.use(concurrencyLimit({ limiter: pool.limiter }));
    const calls = [pool.invokeWithPool(undefined, 'svc', 'p1'), other.invoke('svc', 'm1'), other.invoke('svc', 'm2')];
    await settle();
    expect(agents.gates).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ inFlight: 2, waiting: 1 });
    await agents.drain();
    await Promise.all(calls);
  });

  it('refuses with QUEUE_FULL when the line is full', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const agents = await registerGated(mesh, ['svc']);
    mesh.use(concurrencyLimit({ maxConcurrent: 1, maxWaiting: 0 }));
    const first = mesh.invoke('svc', 'a');
    await expect(mesh.invoke('svc', 'b')).rejects.toMatchObject({ code: 'QUEUE_FULL', retryable: true });
    await agents.drain();
    await first;
  });
});
