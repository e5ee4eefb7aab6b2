import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/define-agent.js';
import { MeshError } from '../errors/mesh-error.js';
import { InMemoryTransport } from '../transport/in-memory.js';
import { createMesh } from './mesh.js';

describe('mesh.invokeDirect', () => {
  it('returns the reply itself when the callee answers synchronously', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const reply = mesh.invokeDirect('echo', 'hi', { from: 'caller' });
    expect(reply).not.toBeInstanceOf(Promise);
    expect(reply).toMatchObject({ role: 'assistant', content: 'hi' });
    expect(mesh.stats().inFlight).toBe(0);
    // invoke still always returns a promise.
    const pending = mesh.invoke('echo', 'z');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toMatchObject({ content: 'z' });
    await mesh.close();
  });

  it('returns a native promise for asynchronous answers, outgoing middleware and failures, and never throws', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'later', handle: async (m) => m.content }));
    await mesh.register(defineAgent({ name: 'broken', handle: () => { throw new Error('boom'); } }));
    const later = mesh.invokeDirect('later', 'x');
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toMatchObject({ content: 'x' });

    const broken = mesh.invokeDirect('broken', 'x');
    expect(broken).toBeInstanceOf(Promise);
    await expect(broken).rejects.toSatisfy((e) => MeshError.is(e, 'HANDLER_ERROR'));
    const missing = mesh.invokeDirect('nobody', 'x');
    expect(missing).toBeInstanceOf(Promise);
    await expect(missing).rejects.toSatisfy((e) => MeshError.is(e, 'AGENT_NOT_FOUND'));
    const invalid = mesh.invokeDirect('later', { content: () => 1 } as never);
    await expect(invalid).rejects.toSatisfy((e) => MeshError.is(e, 'INVALID_MESSAGE'));

    mesh.use((call, next) => next(call));
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const wrapped = mesh.invokeDirect('echo', 'y');
    expect(wrapped).toBeInstanceOf(Promise);
    await expect(wrapped).resolves.toMatchObject({ content: 'y' });
    await mesh.close();
  });

  it('turns a throwing access policy and a transport thenable whose then() throws into rejections', async () => {
    const policyBug = createMesh({
      access: () => {
        throw new Error('policy bug');
      },
    });
    await policyBug.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const denied = policyBug.invokeDirect('echo', 'x');
    expect(denied).toBeInstanceOf(Promise);
    await expect(denied).rejects.toThrow('policy bug');
    await expect(policyBug.invoke('echo', 'x')).rejects.toThrow('policy bug');
    expect(policyBug.stats().inFlight).toBe(0);

    // A transport answering with a foreign thenable that throws, with and without a deadline and
    // through middleware: the call fails, nothing throws, nothing stays in flight.
    const transport = new InMemoryTransport();
    const broken = { then: () => { throw new Error('then bug'); } };
    transport.request = () => broken as never;
    const mesh = createMesh({ transport });
    const direct = mesh.invokeDirect('echo', 'x');
    expect(direct).toBeInstanceOf(Promise);
    await expect(direct).rejects.toThrow('then bug');
    await expect(mesh.invoke('echo', 'x', { timeoutMs: Infinity })).rejects.toThrow('then bug');
    mesh.use((call, next) => next({ ...call, context: call.context.child({ timeoutMs: 1000 }) }));
    await expect(mesh.invoke('echo', 'x')).rejects.toThrow('then bug');
    expect(mesh.stats().inFlight).toBe(0);
    await mesh.close();
  });

  it('never throws nor leaks whatever the transport answers: a native promise with a throwing then, a throwing then getter, a non-envelope', async () => {
    const overridden = (): Promise<never> => {
      // Never settles, and its `then` throws: nothing is ever left floating.
      const p = new Promise<never>(() => undefined);
      void Object.defineProperty(p, 'then', {
        value: () => {
          throw new Error('then bug');
        },
      });
      return p;
    };
    const getter = (): unknown => ({
      get then(): never {
        throw new Error('getter bug');
      },
    });
    for (const [answer, error] of [
      [overridden, 'then bug'],
      [getter, 'getter bug'],
    ] as const) {
      for (const timeoutMs of [Infinity, 30_000]) {
        const transport = new InMemoryTransport();
        transport.request = () => answer() as never;
        const mesh = createMesh({ transport });
        const call = mesh.invokeDirect('echo', 'x', { timeoutMs });
        expect(call).toBeInstanceOf(Promise);
        await expect(call).rejects.toThrow(error);
        // Through a middleware that derives a shorter deadline for its attempt.
        mesh.use((c, next) => next({ ...c, context: c.context.child({ timeoutMs: 1000 }) }));
        await expect(mesh.invoke('echo', 'x', { timeoutMs })).rejects.toThrow(error);
        expect(mesh.stats()).toMatchObject({ inFlight: 0 });
        await mesh.close();
      }
    }

    const transport = new InMemoryTransport();
    transport.request = () => Promise.resolve(undefined as never);
    const mesh = createMesh({ transport });
    await expect(mesh.invoke('echo', 'x')).rejects.toBeInstanceOf(TypeError);
    await expect(mesh.invoke('echo', 'x', { timeoutMs: Infinity })).rejects.toBeInstanceOf(TypeError);
    expect(mesh.stats()).toMatchObject({ inFlight: 0 });
    await mesh.close();
  });

  it('fails the call, without throwing, when the transport answers at once with something that is not an envelope', async () => {
    for (const answer of [null, 42, {}, { ok: false }]) {
      const transport = new InMemoryTransport();
      transport.request = () => answer as never;
      const mesh = createMesh({ transport });
      const direct = mesh.invokeDirect('echo', 'x');
      expect(direct).toBeInstanceOf(Promise);
      await expect(direct).rejects.toBeDefined();
      // Through a middleware, next() itself returns a promise the middleware can catch.
      mesh.use((call, next) => next(call).catch(() => ({ id: 'fallback', role: 'assistant', content: 'fallback', metadata: {} })));
      await expect(mesh.invoke('echo', 'x')).resolves.toMatchObject({ content: 'fallback' });
      expect(mesh.stats()).toMatchObject({ inFlight: 0 });
      await mesh.close();
    }
    const transport = new InMemoryTransport();
    transport.request = () => ({ get then(): never { throw new Error('getter bug'); } }) as never;
    const mesh = createMesh({ transport });
    mesh.use((call, next) => next(call).catch(() => ({ id: 'fallback', role: 'assistant', content: 'fallback', metadata: {} })));
    await expect(mesh.invoke('echo', 'x')).resolves.toMatchObject({ content: 'fallback' });
    await mesh.close();
  });
});
