import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../agent/agent.js';
import { defineAgent } from '../agent/define-agent.js';
import type { RequestContext } from '../context/request-context.js';
import { MeshError } from '../errors/mesh-error.js';
import type { Message } from '../message/message.js';
import { createMesh } from './mesh.js';
import type { Middleware } from './types.js';

const echo = () => defineAgent({ name: 'echo', handle: (m) => m });

describe('mesh middleware', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs middleware outermost first, around the call, and sees the derived context', async () => {
    const mesh = createMesh();
    await mesh.register(echo());
    const trail: string[] = [];
    const tag =
      (name: string): Middleware =>
      async (call, next) => {
        trail.push(`${name}>${call.to}@${call.context.depth}`);
        const reply = await next(call);
        trail.push(`<${name}`);
        return reply;
      };
    mesh.use(tag('outer')).use(tag('inner'));
    await mesh.invoke('echo', 'x', { from: 'caller' });
    expect(trail).toEqual(['outer>echo@1', 'inner>echo@1', '<inner', '<outer']);
  });

  it('lets a middleware retry, and enforces a per-attempt deadline it derives', async () => {
    vi.useFakeTimers();
    const mesh = createMesh();
    let attempts = 0;
    const signals: AbortSignal[] = [];
    await mesh.register(
      defineAgent({
        name: 'flaky',
        handle: (_m, ctx) => {
          attempts++;
          signals.push(ctx.signal);
          return attempts < 3 ? new Promise(() => undefined) : 'third time';
        },
      }),
    );
    mesh.use(async (call, next) => {
      for (;;) {
        try {
          return await next({ ...call, context: call.context.child({ timeoutMs: 100 }) });
        } catch (error) {
          if (!MeshError.is(error, 'TIMEOUT') || call.context.cancellation.cancelled) throw error;
        }
      }
    });
    const reply = mesh.invoke('flaky', 'x', { timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(250);
    await expect(reply).resolves.toMatchObject({ content: 'third time' });
    expect(attempts).toBe(3);
    expect(signals[0]!.aborted && signals[1]!.aborted).toBe(true);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('turns a middleware that throws synchronously into a rejected call, and still closes', async () => {
    const mesh = createMesh();
    await mesh.register(echo());
    mesh.use(() => {
      throw new MeshError('INVALID_ARGUMENT', 'broken middleware');
    });
    await expect(mesh.invoke('echo', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(mesh.stats().inFlight).toBe(0);
    await mesh.close();
  });

  it('keeps the code of a MeshError a caller aborts its signal with', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'slow', handle: () => new Promise(() => undefined) }));
    const controller = new AbortController();
    const call = mesh.invoke('slow', 'x', { signal: controller.signal });
    controller.abort(new MeshError('TIMEOUT', 'idle too long'));
    await expect(call).rejects.toMatchObject({ code: 'TIMEOUT', message: 'idle too long' });
    await expect(mesh.invoke('slow', 'x', { signal: controller.signal })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('wraps handlers with inbound middleware on the serving side', async () => {
    const mesh = createMesh();
    await mesh.register(echo());
    mesh.useInbound((call, next) => (call.message.metadata['protocol'] === 'ping' ? 'pong' : next(call)));
    expect((await mesh.invoke('echo', { content: 'a', metadata: { protocol: 'ping' } })).content).toBe('pong');
    expect((await mesh.invoke('echo', 'b')).content).toBe('b');
  });
});

describe('contexts', () => {
  it('derives child contexts that keep the trace and depth and never extend the deadline', async () => {
    const mesh = createMesh();
    let seen: RequestContext | undefined;
    await mesh.register(defineAgent({ name: 'probe', handle: (_m, ctx) => void (seen = ctx) }));
    await mesh.invoke('probe', 'x', { timeoutMs: 1_000 });
    const ctx = seen!;
    const longer = ctx.child({ timeoutMs: 60_000 });
    const shorter = ctx.child({ timeoutMs: 10 });
    expect(longer.deadline).toBe(ctx.deadline);
    expect(shorter.deadline!).toBeLessThan(ctx.deadline!);
    expect(longer).toMatchObject({ traceId: ctx.traceId, depth: ctx.depth, parentSpanId: ctx.spanId, requestId: ctx.requestId });
    expect(ctx.remainingMs()).toBeLessThanOrEqual(1_000);
  });

  it('gives nested calls depth + 1, the same trace, and the caller as `from`', async () => {
    const mesh = createMesh();
    const seen: RequestContext[] = [];
    await mesh.register(defineAgent({ name: 'a', handle(m, ctx) { seen.push(ctx); return this.invoke('b', m, { context: ctx }); } }));
    await mesh.register(defineAgent({ name: 'b', handle: (m, ctx) => { seen.push(ctx); return m; } }));
    await mesh.invoke('a', 'x');
    expect(seen.map((c) => [c.agentName, c.from, c.depth])).toEqual([['a', undefined, 1], ['b', 'a', 2]]);
    expect(seen[1]!.traceId).toBe(seen[0]!.traceId);
    expect(seen[1]!.parentSpanId).toBe(seen[0]!.spanId);
  });
});

describe('agents and options', () => {
  it('validates names and options with INVALID_ARGUMENT', () => {
    expect(() => defineAgent({ name: 'has space', handle: () => 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => defineAgent({ name: 'a..b', handle: () => 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createMesh({ maxDepth: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createMesh({ defaultTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses calls from an agent that is not registered, and NO_HANDLER from the base class', async () => {
    const mesh = createMesh();
    const lonely = new Agent({ name: 'lonely' });
    await expect(lonely.invoke('x', 'y')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await mesh.register(lonely);
    await expect(mesh.invoke('lonely', 'y')).rejects.toMatchObject({ code: 'NO_HANDLER' });
  });

  it('closes agents after draining, and unregisters them', async () => {
    const mesh = createMesh();
    const closed: string[] = [];
    class Flushing extends Agent {
      override handle(m: Message): Message {
        return m;
      }
      override close(): void {
        closed.push(this.name);
      }
    }
    await mesh.register(new Flushing({ name: 'f1' }));
    await mesh.close();
    expect(closed).toEqual(['f1']);
    expect(mesh.registry.size).toBe(0);
  });

  it('refuses new top-level requests from other meshes while closing, retryably, but serves nested ones', async () => {
    const transport = new (await import('../transport/in-memory.js')).InMemoryTransport();
    const server = createMesh({ transport, closeTransport: false });
    const client = createMesh({ transport, closeTransport: false });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await server.register(defineAgent({ name: 'slow', async handle(m, ctx) { await gate; return this.invoke('echo', m, { context: ctx }); } }));
    await server.register(echo());
    const inFlight = client.invoke('slow', 'x');
    await new Promise((r) => setImmediate(r));
    const closing = server.close();
    await expect(client.invoke('echo', 'new')).rejects.toMatchObject({ code: 'CLOSED', retryable: true });
    release();
    await expect(inFlight).resolves.toMatchObject({ content: 'x' });
    await closing;
    await client.close();
  });

  it('understands allow-lists with wildcards', async () => {
    const mesh = createMesh({ access: { '*': ['public'], admin: ['*'] } });
    await mesh.register(defineAgent({ name: 'public', handle: () => 'ok' }));
    await mesh.register(defineAgent({ name: 'secret', handle: () => 'ok' }));
    await expect(mesh.invoke('public', 'x')).resolves.toBeDefined();
    await expect(mesh.invoke('secret', 'x', { from: 'admin' })).resolves.toBeDefined();
    await expect(mesh.invoke('secret', 'x', { from: 'guest' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('rejects progress data that is not JSON', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'p', handle: (_m, ctx) => { ctx.reportProgress({ n: 1n } as never); return 'x'; } }));
    await expect(mesh.invoke('p', 'x', { onProgress: () => undefined })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });
});
