import { describe, expect, it, vi } from 'vitest';
import { defineAgent } from '../agent/define-agent.js';
import type { Clock } from '../context/clock.js';
import { DeadlineScheduler } from '../context/deadline-scheduler.js';
import { timeoutError } from '../context/request-context.js';
import { MeshError } from '../errors/mesh-error.js';
import { createMessage } from '../message/message.js';
import { InMemoryTransport } from '../transport/in-memory.js';
import { createMesh } from './mesh.js';
import type { Middleware } from './types.js';

// Regressions found by an independent review: each of these once hung a call, broke other calls'
// deadlines, or let something through that should not pass.
describe('robustness', () => {
  it('refuses a timeout that is NaN, negative or not a number, and other deadlines keep firing', async () => {
    vi.useFakeTimers();
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'hang', handle: () => new Promise(() => undefined) }));
    for (const timeoutMs of [NaN, -1, '100' as unknown as number]) {
      await expect(mesh.invoke('hang', 'x', { timeoutMs })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    const later = mesh.invoke('hang', 'x', { timeoutMs: 50 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect(await later).toMatchObject({ code: 'TIMEOUT' });
    vi.useRealTimers();
  });

  it('refuses NaN in a child context and in the deadline scheduler', async () => {
    const mesh = createMesh();
    let childError: unknown;
    await mesh.register(
      defineAgent({
        name: 'a',
        handle: (_m, ctx) => {
          try {
            ctx.child({ timeoutMs: NaN });
          } catch (error) {
            childError = error;
          }
          return 'ok';
        },
      }),
    );
    await mesh.invoke('a', 'x');
    expect(childError).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => new DeadlineScheduler(mesh.clock).schedule(NaN, { onDeadline: () => undefined })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it("close() completes the mesh's own calls that a middleware held back, while refusing others'", async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const hold: Middleware = async (call, next) => {
      await new Promise((r) => setTimeout(r, 20));
      return next(call);
    };
    mesh.use(hold);
    const call = mesh.invoke('echo', 'accepted before close');
    const closing = mesh.close();
    await expect(call).resolves.toMatchObject({ content: 'accepted before close' });
    await closing;
  });

  it('a cancel listener that throws neither hangs its call nor stops later deadlines; its error is rethrown on its own', async () => {
    const rethrown: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => void rethrown.push(task));
    try {
      const mesh = createMesh();
      await mesh.register(
        defineAgent({
          name: 'bad',
          handle: (_m, ctx) => {
            ctx.cancellation.onCancel(() => {
              throw new Error('listener bug');
            });
            return new Promise(() => undefined);
          },
        }),
      );
      await mesh.register(defineAgent({ name: 'hang', handle: () => new Promise(() => undefined) }));
      const first = mesh.invoke('bad', 'x', { timeoutMs: 20 });
      const second = mesh.invoke('hang', 'x', { timeoutMs: 60 });
      await expect(first).rejects.toMatchObject({ code: 'TIMEOUT' });
      await expect(second).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(rethrown).toHaveLength(1);
      expect(() => rethrown[0]!()).toThrow('listener bug');
    } finally {
      spy.mockRestore();
    }
  });

  it('arms no timer longer than setTimeout allows (a far deadline does not spin)', async () => {
    const delays: number[] = [];
    const clock: Clock = {
      now: () => Date.now(),
      setTimeout: (callback, ms) => (delays.push(ms), setTimeout(callback, Math.min(ms, 1_000))),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const mesh = createMesh({ clock });
    await mesh.register(defineAgent({ name: 'later', handle: () => new Promise((r) => setTimeout(() => r('done'), 10)) }));
    await expect(mesh.invoke('later', 'x', { timeoutMs: 1e10 })).resolves.toMatchObject({ content: 'done' });
    expect(delays.length).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('describes any deadline a peer may send without throwing', () => {
    for (const deadline of [-1e17, 1e300, Infinity, NaN]) {
      expect(timeoutError('x', deadline)).toMatchObject({ code: 'TIMEOUT' });
    }
  });

  it('settles calls whose JavaScript middleware answers with a plain message, and close() does not hang', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const cached = createMessage({ content: 'from cache', role: 'assistant' });
    const cache = (() => cached) as unknown as Middleware;
    mesh.use(cache);
    await expect(mesh.invoke('echo', 'x', { timeoutMs: 1_000 })).resolves.toBe(cached);
    await expect(mesh.close()).resolves.toBeUndefined();
  });

  it('counts ids and names towards the message size limit', async () => {
    const mesh = createMesh({ limits: { maxMessageBytes: 1_000 } });
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    await expect(mesh.invoke('echo', createMessage({ id: 'i'.repeat(5_000), content: 'x' }))).rejects.toMatchObject({ code: 'INVALID_MESSAGE', message: expect.stringMatching(/limit/) });
    await expect(mesh.invoke('echo', createMessage({ name: 'n'.repeat(5_000), content: 'x' }))).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(mesh.invoke('echo', createMessage({ id: 'i'.repeat(900), content: 'x' }))).resolves.toBeDefined();
  });

  it("sends a handler's error whose details are not JSON, with a note instead of the details", async () => {
    const mesh = createMesh({ transport: new InMemoryTransport({ serialize: true }) });
    await mesh.register(
      defineAgent({
        name: 'odd',
        handle: () => {
          throw new MeshError('INVALID_MESSAGE', 'bad input', { details: { big: 1n } as never });
        },
      }),
    );
    const error = await mesh.invoke('odd', 'x').catch((e: unknown) => e);
    expect(MeshError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_MESSAGE', details: { detailsDropped: expect.stringContaining('big') } });
  });

  it("a child context's own deadline aborts its signal, and children clean up after themselves", async () => {
    vi.useFakeTimers();
    const mesh = createMesh();
    const seen: { reason?: unknown; listenersAfter?: number } = {};
    await mesh.register(
      defineAgent({
        name: 'a',
        handle: async (_m, ctx) => {
          const child = ctx.child({ timeoutMs: 30 });
          const aborted = new Promise((resolve) => child.signal.addEventListener('abort', () => resolve(child.signal.reason)));
          for (let i = 0; i < 100; i++) void ctx.child({ timeoutMs: 10 }).signal;
          seen.reason = await aborted;
          seen.listenersAfter = ctx.cancellation.listenerCount;
          return 'ok';
        },
      }),
    );
    const call = mesh.invoke('a', 'x', { timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(30);
    await expect(call).resolves.toMatchObject({ content: 'ok' });
    expect(seen.reason).toMatchObject({ code: 'TIMEOUT' });
    expect(seen.listenersAfter).toBe(0);
    vi.useRealTimers();
  });
});
