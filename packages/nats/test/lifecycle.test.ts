import { Cancellation, createMesh, defineAgent, MeshError, nextId } from '@agentmesh/core';
import { beforeEach, expect, it } from 'vitest';
import { NatsTransport, type NatsTransportStats } from '../src/index.js';
import { describeWithNats, NATS_URL } from './support/nats.js';
import { freePort } from './support/nats-server.js';
import { useWorld, until, type TestWorld } from './support/world.js';

const quiet: Partial<NatsTransportStats> = { pendingRequests: 0, serving: 0 };

describeWithNats('lifecycle', () => {
  const current = useWorld();
  let world: TestWorld;
  beforeEach(() => {
    world = current();
  });

  it('close() lets in-flight requests finish, then refuses everything with CLOSED', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    const transport = server.transport as NatsTransport;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await server.register(defineAgent({ name: 'slow', handle: async (m) => (await gate, m) }));
    const inFlight = caller.invoke('slow', 'job');
    await until(() => transport.stats().serving === 1);
    let closed = false;
    const closing = transport.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    // The replica already left the queue group: new calls find nobody.
    await expect(caller.invoke('slow', 'new')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    release();
    await expect(inFlight).resolves.toMatchObject({ content: 'job' });
    await closing;
    const envelope = { id: nextId(), to: 'slow', message: { id: 'm', role: 'user' as const, content: 'x', metadata: {} }, depth: 1, traceId: 't', spanId: 's' };
    await expect(transport.request(envelope, { cancellation: new Cancellation() })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(transport.publish({ topic: 'x', message: envelope.message })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(transport.subscribe('x', () => undefined)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(transport.serve('again', () => ({ id: 'x', ok: true, message: envelope.message }), { name: 'again', capabilities: [] })).rejects.toMatchObject({ code: 'CLOSED' });
    expect(transport.stats()).toMatchObject({ ...quiet, endpoints: 0, subscriptions: 0 });
    expect(transport.connection?.isClosed()).toBe(true);
  });

  it('cancels handlers still running at closeTimeoutMs with a retryable error, so no caller hangs', async () => {
    const caller = await world.mesh();
    const server = await world.mesh({ transport: { closeTimeoutMs: 150 } });
    let signal: AbortSignal | undefined;
    await server.register(defineAgent({ name: 'stuck', handle: (_m, ctx) => ((signal = ctx.signal), new Promise(() => undefined)) }));
    const outcome = caller.invoke('stuck', 'x', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await until(() => signal !== undefined);
    const started = Date.now();
    await server.transport.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    const error = await outcome;
    expect(MeshError.is(error, 'TRANSPORT_ERROR')).toBe(true);
    expect((error as MeshError).retryable).toBe(true);
    expect(signal?.aborted).toBe(true);
  });

  it('leaves a given connection open unless told to close it', async () => {
    const raw = await world.raw();
    const borrowed = await NatsTransport.connect({ connection: raw, prefix: world.prefix });
    await borrowed.close();
    expect(raw.isClosed()).toBe(false);
    const owned = await NatsTransport.connect({ connection: raw, prefix: world.prefix, closeConnection: true });
    await owned.close();
    expect(raw.isClosed()).toBe(true);
    expect(() => new NatsTransport({ connection: raw, servers: NATS_URL })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new NatsTransport({ prefix: 'bad prefix' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new NatsTransport({ closeTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('fails pending and new calls TRANSPORT_ERROR when its connection is closed under it', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'hang', handle: () => new Promise(() => undefined) }));
    const raw = await world.raw();
    const transport = await NatsTransport.connect({ connection: raw, prefix: world.prefix });
    const caller = createMesh({ transport });
    const pending = caller.invoke('hang', 'x', { timeoutMs: 1_000 }).catch((e: unknown) => e);
    await until(() => transport.stats().pendingRequests === 1);
    await raw.close();
    expect(await pending).toMatchObject({ code: 'TRANSPORT_ERROR' });
    await expect(caller.invoke('hang', 'y')).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await expect(caller.publish('t', 'z')).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(transport.stats()).toMatchObject({ connected: false, pendingRequests: 0 });
    await caller.close();
  });

  it('refuses invalid addresses, topics and durable names when used directly', async () => {
    const transport = await world.transport();
    const message = { id: 'm', role: 'user' as const, content: 'x', metadata: {} };
    const reply = { id: 'x', ok: true as const, message };
    await expect(transport.serve('bad name', () => reply, { name: 'bad name', capabilities: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(transport.serve('a.>', () => reply, { name: 'a.>', capabilities: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const topic of ['a.*', 'a.>', 'a b', '', 'a..b']) await expect(transport.publish({ topic, message })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(transport.subscribe('a..b', () => undefined)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(transport.subscribe('a.b', () => undefined, { durable: 'x.y' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fails TRANSPORT_ERROR when the server cannot be reached', async () => {
    const port = await freePort();
    const transport = new NatsTransport({ servers: `127.0.0.1:${port}`, connectOptions: { timeout: 500 } });
    await expect(transport.ready()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await expect(transport.discover()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await transport.close();
  });

  it('discovers agents with capabilities and replica counts, and forgets them when they leave', async () => {
    const observer = await world.mesh();
    expect(await observer.discover()).toEqual([]);
    const a = await world.mesh();
    const b = await world.mesh();
    await a.register(defineAgent({ name: 'triage', capabilities: ['classify'], handle: () => 'a' }));
    await b.register(defineAgent({ name: 'triage', capabilities: ['classify', 'route'], handle: () => 'b' }));
    await b.register(defineAgent({ name: 'billing', handle: () => 'b' }));
    expect(await observer.discover()).toEqual([
      { name: 'billing', capabilities: [], replicas: 1 },
      { name: 'triage', capabilities: ['classify', 'route'], replicas: 2 },
    ]);
    await b.unregister('triage');
    expect(await observer.discover()).toEqual([
      { name: 'billing', capabilities: [], replicas: 1 },
      { name: 'triage', capabilities: ['classify'], replicas: 1 },
    ]);
  });

  it('keeps no pending entries after many aborted, timed-out and failed calls', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'echo', handle: (m) => m }));
    await server.register(defineAgent({ name: 'hang', handle: () => new Promise(() => undefined) }));
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const controller = new AbortController();
      const target = i % 3 === 0 ? 'hang' : i % 3 === 1 ? 'echo' : 'ghost';
      calls.push(caller.invoke(target, 'x', { signal: controller.signal, timeoutMs: 2_000 }).catch(() => undefined));
      if (i % 2 === 0) setTimeout(() => controller.abort(), 5);
    }
    await Promise.all(calls);
    await until(() => (server.transport as NatsTransport).stats().serving === 0 && (caller.transport as NatsTransport).stats().pendingRequests === 0);
    expect(caller.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });
});
