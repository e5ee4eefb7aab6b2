import { defineAgent, MeshError, type JsonValue, type RequestContext } from '@agentmesh/core';
import { beforeEach, expect, it } from 'vitest';
import { Header, type NatsTransport } from '../src/index.js';
import { describeWithNats } from './support/nats.js';
import { useWorld, until, type TestWorld } from './support/world.js';

describeWithNats('calls over NATS', () => {
  const current = useWorld();
  let world: TestWorld;
  beforeEach(() => {
    world = current();
  });

  it('shares load between replicas in one queue group', async () => {
    const caller = await world.mesh();
    const counts = [0, 0, 0];
    for (const i of [0, 1, 2]) {
      const mesh = await world.mesh();
      await mesh.register(defineAgent({ name: 'worker', handle: () => ++counts[i]! }));
    }
    await Promise.all(Array.from({ length: 300 }, () => caller.invoke('worker', 'job')));
    expect(counts.reduce((a, b) => a + b)).toBe(300);
    // Random queue-group balancing: each of 3 replicas gets ~100; 30 is far below any plausible draw.
    for (const count of counts) expect(count).toBeGreaterThan(30);
    const found = await caller.discover();
    expect(found).toEqual([{ name: 'worker', capabilities: [], replicas: 3 }]);
  });

  it('fails AGENT_NOT_FOUND fast when nobody serves the name (no responders), not by timeout', async () => {
    const caller = await world.mesh();
    const started = performance.now();
    const error = await caller.invoke('ghost', 'hello', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(MeshError.is(error, 'AGENT_NOT_FOUND')).toBe(true);
    expect(elapsed).toBeLessThan(250);
    // Names that cannot be subjects never reach the wire.
    await expect(caller.invoke('bad name', 'x')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await expect(caller.invoke('a.*', 'x')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });

  it('gives the callee the caller deadline and aborts it there; the caller gets TIMEOUT at its deadline', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    const transport = server.transport as NatsTransport;
    let seen: RequestContext | undefined;
    await server.register(defineAgent({ name: 'slow', handle: (_m, ctx) => ((seen = ctx), new Promise(() => undefined)) }));
    const started = Date.now();
    const error = await caller.invoke('slow', 'x', { timeoutMs: 300 }).catch((e: unknown) => e as MeshError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen?.deadline).toBeGreaterThanOrEqual(started + 300);
    expect(seen?.deadline).toBeLessThanOrEqual(started + 320);
    await until(() => seen?.signal.aborted === true);
    expect(MeshError.is(seen!.signal.reason, 'TIMEOUT')).toBe(true);
    // The hung handler is abandoned: the endpoint keeps no entry for it, the caller none either.
    await until(() => transport.stats().serving === 0);
    expect((caller.transport as NatsTransport).stats().pendingRequests).toBe(0);
  });

  it('tells the callee when the caller aborts, and carries progress frames before the reply', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    const transport = server.transport as NatsTransport;
    let signal: AbortSignal | undefined;
    await server.register(
      defineAgent({
        name: 'long',
        handle: async (_m, ctx) => {
          signal = ctx.signal;
          ctx.reportProgress({ step: 'started' });
          return new Promise(() => undefined);
        },
      }),
    );
    const controller = new AbortController();
    const frames: JsonValue[] = [];
    const outcome = caller.invoke('long', 'x', { signal: controller.signal, onProgress: (p) => frames.push(p) }).catch((e: unknown) => e);
    await until(() => frames.length === 1);
    expect(frames).toEqual([{ step: 'started' }]);
    controller.abort();
    expect(await outcome).toMatchObject({ code: 'CANCELLED' });
    await until(() => signal?.aborted === true);
    expect(MeshError.is(signal!.reason, 'CANCELLED')).toBe(true);
    await until(() => transport.stats().serving === 0);
    expect((caller.transport as NatsTransport).stats().pendingRequests).toBe(0);
  });

  it('answers a synchronous handler at once and drops progress it reports after answering', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    let late: RequestContext | undefined;
    await server.register(
      defineAgent({
        name: 'quick',
        handle: (m, ctx) => {
          ctx.reportProgress('before');
          late = ctx;
          return m.content;
        },
      }),
    );
    const frames: JsonValue[] = [];
    const reply = await caller.invoke('quick', 'x', { onProgress: (p) => frames.push(p) });
    expect(reply.content).toBe('x');
    late!.reportProgress('after');
    // A later call's reply arrives after anything the late report could have sent.
    await caller.invoke('quick', 'y');
    expect(frames).toEqual(['before']);
    expect((server.transport as NatsTransport).stats().serving).toBe(0);
  });

  it('puts deadline, trace, correlation id and sender in NATS headers', async () => {
    const caller = await world.mesh();
    const raw = await world.raw();
    const seen: { subject: string; headers: Record<string, string> }[] = [];
    const sub = raw.subscribe(`${world.prefix}.agent.spy`, {
      callback: (_e, msg) => {
        const h = msg.headers!;
        seen.push({ subject: msg.subject, headers: Object.fromEntries(h.keys().map((k) => [k, h.get(k)])) });
        const reply = { id: h.get(Header.id), ok: true, message: { id: 'r', role: 'assistant', content: 'ok', metadata: {} } };
        msg.respond(JSON.stringify(reply));
      },
    });
    await raw.flush();
    const before = Date.now();
    await expect(caller.invoke('spy', 'hi', { from: 'alice', timeoutMs: 5_000 })).resolves.toMatchObject({ content: 'ok' });
    sub.unsubscribe();
    const h = seen[0]!.headers;
    expect(Number(h[Header.deadline])).toBeGreaterThanOrEqual(before + 5_000);
    expect(h[Header.from]).toBe('alice');
    expect(h[Header.id]).toMatch(/.+/);
    expect(h[Header.trace]!.split(';')).toHaveLength(2);
    expect(h[Header.trace]!.split(';')[1]).toBe(h[Header.id]);
  });

  it('keeps error codes and remote details across the wire', async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    await server.register(
      defineAgent({
        name: 'strict',
        handle: () => {
          throw Object.assign(new RangeError('amount out of range'), { code: 'E_RANGE' });
        },
      }),
    );
    await expect(caller.invoke('strict', 'x')).rejects.toMatchObject({
      code: 'HANDLER_ERROR',
      retryable: false,
      remote: { name: 'RangeError', message: 'amount out of range', code: 'E_RANGE' },
    });
  });

  it('answers a reply too large for the server with INVALID_MESSAGE instead of leaving the caller hanging', async () => {
    const caller = await world.mesh({ limits: { maxMessageBytes: 4 * 1024 * 1024 } });
    const server = await world.mesh({ limits: { maxMessageBytes: 4 * 1024 * 1024 }, transport: { maxMessageBytes: 4 * 1024 * 1024 } });
    await server.register(defineAgent({ name: 'huge', handle: () => 'x'.repeat(2 * 1024 * 1024) }));
    await expect(caller.invoke('huge', 'x', { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(caller.invoke('huge', 'y'.repeat(2 * 1024 * 1024), { timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });
});
