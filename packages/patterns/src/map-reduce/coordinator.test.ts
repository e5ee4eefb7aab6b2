import { InMemoryTransport, defineAgent, type Message, type Mesh, type RequestContext } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { deferred, hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { sum, useMeshes } from '../../test/meshes.js';
import { readChunk } from './chunk-message.js';
import { MapReduceCoordinator } from './coordinator.js';
import { defineMapper } from './mapper.js';

const { mesh: newMesh } = useMeshes();

async function setup(options: { serialize?: boolean } = {}): Promise<{ mesh: Mesh; chunks: Message[] }> {
  const mesh = newMesh({ transport: new InMemoryTransport({ serialize: options.serialize ?? false }) });
  const chunks: Message[] = [];
  for (const name of ['m1', 'm2']) {
    await mesh.register(
      defineAgent({
        name,
        handle: (m) => {
          chunks.push(m);
          return sum(readChunk<number>(m).items);
        },
      }),
    );
  }
  return { mesh, chunks };
}

describe('MapReduceCoordinator', () => {
  it('runs the job in the message and replies with the value and a report, over a serializing transport', async () => {
    const { mesh, chunks } = await setup({ serialize: true });
    await mesh.register(new MapReduceCoordinator({ name: 'coordinator', mappers: ['m1', 'm2', 'm3'], reducer: (r: readonly number[]) => sum(r) }));
    const reply = await mesh.invoke('coordinator', { content: { data: [1, 2, 3, 4, 5, 6], onError: 'skip' }, metadata: { tenant: 'acme' } });
    expect(reply.content).toBe(10);
    expect(reply.metadata['mapReduce']).toMatchObject({
      chunkCount: 3,
      succeeded: 2,
      failures: [expect.objectContaining({ index: 2, mapper: 'm3', code: 'AGENT_NOT_FOUND' })],
      reassigned: [],
    });
    expect(chunks.map((c) => c.metadata['tenant'])).toEqual(['acme', 'acme']);
    expect(chunks.map((c) => c.content)).toEqual([[1, 2], [3, 4]]);
  });

  it('accepts a bare data array, and a reducer agent', async () => {
    const { mesh } = await setup();
    await mesh.register(defineAgent({ name: 'total', handle: (m) => ({ total: sum(m.content as number[]) }) }));
    await mesh.register(new MapReduceCoordinator({ name: 'coordinator', mappers: ['m1', 'm2'], reducer: 'total', chunkSize: 1 }));
    const reply = await mesh.invoke('coordinator', { content: [1, 2, 3] });
    expect(reply.content).toEqual({ total: 6 });
    expect(reply.metadata['mapReduce']).toMatchObject({ chunkCount: 3, succeeded: 3 });
  });

  it('fails the call with the run’s error code, never a success that says "error"', async () => {
    const { mesh } = await setup();
    await mesh.register(defineMapper({ name: 'broken', map: () => Promise.reject(new Error('boom')) }));
    await mesh.register(new MapReduceCoordinator({ name: 'coordinator', mappers: ['m1', 'broken'], reducer: () => 0 }));
    const error = await rejectionOf(mesh.invoke('coordinator', { content: [1, 2] }));
    expect(error.code).toBe('HANDLER_ERROR');
    expect(error.message).toContain('failed on mapper "broken"');
  });

  it('refuses a malformed job with INVALID_MESSAGE before calling anyone', async () => {
    const { mesh, chunks } = await setup();
    await mesh.register(new MapReduceCoordinator({ name: 'coordinator', mappers: ['m1'], reducer: () => 0 }));
    for (const content of ['Process this data chunk: [1]', { items: [1] }, { data: [1], chunkSize: 0 }, { data: [1], onError: 'ignore' }]) {
      expect((await rejectionOf(mesh.invoke('coordinator', { content }))).code).toBe('INVALID_MESSAGE');
    }
    expect(chunks).toHaveLength(0);
  });

  it('refuses zero mappers when built', () => {
    expect(() => new MapReduceCoordinator({ name: 'coordinator', mappers: [], reducer: () => 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('cancelling the request cancels the chunks in flight', async () => {
    const mesh = newMesh();
    const seen: RequestContext[] = [];
    const started = deferred();
    await mesh.register(defineAgent({ name: 'slow', handle: (_m, ctx) => hangUntilAborted(seen, () => started.resolve())(ctx) }));
    await mesh.register(new MapReduceCoordinator({ name: 'coordinator', mappers: ['slow'], reducer: () => 0 }));
    const controller = new AbortController();
    const call = mesh.invoke('coordinator', { content: [1, 2] }, { signal: controller.signal });
    await started.promise;
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('CANCELLED');
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(seen[0]!.from).toBe('coordinator');
  });
});
