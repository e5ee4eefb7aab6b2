import { createMesh, createMessage, type RequestContext } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers.js';
import { chunkMessage, readChunk, type ChunkInfo } from './chunk-message.js';
import { defineMapper } from './mapper.js';

describe('defineMapper and readChunk', () => {
  it('hands the mapper the items, the chunk facts and the context', async () => {
    const mesh = createMesh();
    const seen: [number[], ChunkInfo, RequestContext][] = [];
    await mesh.register(
      defineMapper<number, number>({
        name: 'doubler',
        capabilities: ['map'],
        map: (items, chunk, ctx) => {
          seen.push([items, chunk, ctx]);
          return items.length * 2;
        },
      }),
    );
    const info = { jobId: 'job-1', chunkIndex: 3, chunkCount: 5, attempt: 2 };
    const reply = await mesh.invoke('doubler', chunkMessage([4, 5, 6], info, { tenant: 't' }));
    expect(reply).toMatchObject({ role: 'assistant', content: 6 });
    expect(seen[0]![0]).toEqual([4, 5, 6]);
    expect(seen[0]![1]).toMatchObject(info);
    expect(seen[0]![2].agentName).toBe('doubler');
    expect(mesh.registry.list()).toEqual([{ name: 'doubler', capabilities: ['map'] }]);
    await mesh.close();
  });

  it('sends a result that looks like a message as data, not as the reply itself', async () => {
    const mesh = createMesh();
    const lookalike = { id: 'x', role: 'user', content: 'hi', metadata: {} };
    await mesh.register(defineMapper({ name: 'tricky', map: async () => lookalike }));
    const reply = await mesh.invoke('tricky', chunkMessage([1], { jobId: 'j', chunkIndex: 0, chunkCount: 1, attempt: 1 }, undefined));
    expect(reply.content).toEqual(lookalike);
    await mesh.close();
  });

  it('refuses anything that is not a chunk with INVALID_MESSAGE', async () => {
    const mesh = createMesh();
    await mesh.register(defineMapper({ name: 'm', map: (items) => items.length }));
    expect((await rejectionOf(mesh.invoke('m', 'Process this data chunk: [1,2]'))).code).toBe('INVALID_MESSAGE');
    expect((await rejectionOf(mesh.invoke('m', { content: [1], metadata: { mapReduce: { jobId: 'j', chunkIndex: -1, chunkCount: 1, attempt: 1 } } }))).code).toBe('INVALID_MESSAGE');
    expect(() => readChunk(createMessage({ content: [1], metadata: { mapReduce: 'chunk 0' } }))).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    await mesh.close();
  });
});
