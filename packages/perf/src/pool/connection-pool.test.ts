import { defineAgent, type MeshError, type Message } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshScope, registerGated } from '../../test/meshes.js';
import { deferred, settle } from '../../test/support.js';
import { AgentConnectionPool, DEFAULT_MAX_CONNECTIONS } from './connection-pool.js';

const newMesh = meshScope();

describe('AgentConnectionPool.invokeWithPool (the guide held the semaphore only for the lookup)', () => {
  it('with max 2, ten concurrent calls never have more than 2 in flight, each holding its slot for the whole call', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const { peak, drain, gates } = await registerGated(mesh, ['worker']);
    const pool = new AgentConnectionPool({ mesh, maxConnections: 2 });
    const calls = Array.from({ length: 10 }, (_, i) => pool.invokeWithPool('client', 'worker', String(i)));
    await settle();
    expect(gates).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ inFlight: 2, waiting: 8, perTarget: { worker: { inFlight: 2, waiting: 8 } } });
    await drain();
    const replies = await Promise.all(calls);
    expect(replies.map((m: Message) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `worker:"${i}"`));
    expect(peak()).toBe(2);
    expect(pool.stats()).toMatchObject({ inFlight: 0, waiting: 0, peakInFlight: 2, perTarget: {} });
  });

  it('bounds each target with maxPerTarget while others proceed', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const { peak, peakOf, drain } = await registerGated(mesh, ['a', 'b']);
    const pool = new AgentConnectionPool({ mesh, maxConnections: 3, maxPerTarget: 1 });
    const calls = [...['1', '2', '3'].map((m) => pool.invokeWithPool(undefined, 'a', m)), pool.invokeWithPool(undefined, 'b', 'x')];
    await settle();
    expect(pool.stats().perTarget).toEqual({ a: { inFlight: 1, waiting: 2 }, b: { inFlight: 1, waiting: 0 } });
    await drain();
    await Promise.all(calls);
    expect(peakOf('a')).toBe(1);
    expect(peak()).toBe(2);
  });

  it('releases the slot when the call fails, and passes the failure on unchanged', async () => {
    const mesh = newMesh();
    await mesh.register(defineAgent({ name: 'broken', handle: () => Promise.reject(new Error('nope')) }));
    const pool = new AgentConnectionPool({ mesh, maxConnections: 1 });
    const failures = await Promise.allSettled([1, 2, 3].map(() => pool.invokeWithPool('me', 'broken', 'x')));
    for (const failure of failures) expect(failure).toMatchObject({ status: 'rejected', reason: { code: 'HANDLER_ERROR' } });
    await expect(pool.invokeWithPool('me', 'missing', 'x')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(pool.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it("fails a waiter with ACQUIRE_TIMEOUT on the mesh's clock, and with QUEUE_FULL beyond maxWaiting", async () => {
    vi.useFakeTimers();
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const { drain } = await registerGated(mesh, ['slow']);
    const pool = new AgentConnectionPool({ mesh, maxConnections: 1, maxWaiting: 1, acquireTimeoutMs: 500 });
    const first = pool.invokeWithPool(undefined, 'slow', 'a');
    const second = pool.invokeWithPool(undefined, 'slow', 'b').catch((e: unknown) => e as MeshError);
    await expect(pool.invokeWithPool(undefined, 'slow', 'c')).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await vi.advanceTimersByTimeAsync(500);
    expect(await second).toMatchObject({ code: 'ACQUIRE_TIMEOUT' });
    await drain();
    await expect(first).resolves.toMatchObject({ content: 'slow:"a"' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes the caller context: the call inherits it, and the wait ends when the request is cancelled', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const { drain } = await registerGated(mesh, ['target']);
    const pool = new AgentConnectionPool({ mesh, maxConnections: 1 });
    const traces: string[] = [];
    await mesh.register(
      defineAgent({
        name: 'caller',
        async handle(message, ctx) {
          traces.push(ctx.traceId);
          return (await pool.invokeWithPool(this.name, 'target', message, ctx)).content;
        },
      }),
    );
    const busy = pool.invokeWithPool(undefined, 'target', 'first');
    const controller = new AbortController();
    const nested = mesh.invoke('caller', 'second', { signal: controller.signal });
    await settle();
    expect(pool.stats().waiting).toBe(1);
    controller.abort();
    await expect(nested).rejects.toMatchObject({ code: 'CANCELLED' });
    await settle();
    expect(pool.stats().waiting).toBe(0);
    await drain();
    await busy;
    const ok = mesh.invoke('caller', 'third');
    await drain();
    await expect(ok).resolves.toMatchObject({ content: 'target:"third"' });
    expect(traces).toHaveLength(2);
  });

  it('close() rejects waiters with CLOSED, refuses new calls and waits for calls in flight', async () => {
    const mesh = newMesh({ defaultTimeoutMs: Infinity });
    const { drain } = await registerGated(mesh, ['w']);
    const pool = new AgentConnectionPool({ mesh, maxConnections: 1 });
    const running = pool.invokeWithPool(undefined, 'w', 'a');
    const waiting = pool.invokeWithPool(undefined, 'w', 'b');
    const closing = pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(pool.invokeWithPool(undefined, 'w', 'c')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(pool.getConnection('w')).rejects.toMatchObject({ code: 'CLOSED' });
    await drain();
    await closing;
    await expect(running).resolves.toMatchObject({ content: 'w:"a"' });
    expect(pool.stats()).toMatchObject({ closed: true, inFlight: 0 });
  });
});

describe('AgentConnectionPool.getConnection (the guide cached agents the registry had dropped)', () => {
  it('returns the agent registered now, never one that was unregistered, and a replacement under the same name', async () => {
    const mesh = newMesh();
    const pool = new AgentConnectionPool({ mesh });
    const original = defineAgent({ name: 'db', handle: () => 'v1' });
    await mesh.register(original);
    await expect(pool.getConnection('db')).resolves.toBe(original);
    await mesh.unregister('db');
    await expect(pool.getConnection('db')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND', agent: 'db' });
    const replacement = defineAgent({ name: 'db', handle: () => 'v2' });
    await mesh.register(replacement);
    await expect(pool.getConnection('db')).resolves.toBe(replacement);
    await expect(pool.invokeWithPool(undefined, 'db', 'q')).resolves.toMatchObject({ content: 'v2' });
  });

  it('needs a mesh and has a default of 10 connections', () => {
    expect(() => new AgentConnectionPool({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const mesh = newMesh();
    expect(new AgentConnectionPool({ mesh }).stats().maxConnections).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(DEFAULT_MAX_CONNECTIONS).toBe(10);
    expect(() => new AgentConnectionPool({ mesh, maxConnections: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('AgentConnectionPool with a deferred handler', () => {
  it('counts a slot from before the call starts until after its reply arrives', async () => {
    const mesh = newMesh();
    const reply = deferred<string>();
    await mesh.register(defineAgent({ name: 'one', handle: () => reply.promise }));
    const pool = new AgentConnectionPool({ mesh, maxConnections: 1 });
    const call = pool.invokeWithPool(undefined, 'one', 'x');
    expect(pool.stats().inFlight).toBe(1);
    await settle();
    expect(pool.stats().inFlight).toBe(1);
    reply.resolve('done');
    await call;
    expect(pool.stats().inFlight).toBe(0);
  });
});
