import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/define-agent.js';
import { MeshError } from '../errors/mesh-error.js';
import { createMesh } from './mesh.js';

describe('mesh.invokeDirect', () => {
  it('returns the reply itself when the callee answers synchronously', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const reply = mesh.invokeDirect('echo', 'hi', { from: 'caller' });
    expect(reply).not.toBeInstanceOf(Promise);
    expect(reply).toMatchObject({ role: 'assistant', content: 'hi' });
    expect(mesh.stats().inFlight).toBe(0);
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

  it('is what invoke resolves: invoke still always returns a promise', async () => {
    const mesh = createMesh();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const pending = mesh.invoke('echo', 'z');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toMatchObject({ content: 'z' });
    await mesh.close();
  });
});
