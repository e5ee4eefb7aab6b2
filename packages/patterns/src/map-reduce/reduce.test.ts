import { defineAgent, type Message } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { sum, summingMappers, useMeshes } from '../../test/meshes.js';
import { rejectionOf } from '../../test/helpers.js';
import { mapReduce } from './map-reduce.js';

const { meshWith } = useMeshes();

describe('mapReduce reducers', () => {
  it('accepts a reducer agent: results as content, chunk facts and failures in metadata', async () => {
    const got: Message[] = [];
    const mesh = await meshWith(
      ...summingMappers(2),
      defineAgent({
        name: 'reducer',
        handle: (m) => {
          got.push(m);
          return { total: sum(m.content as number[]) };
        },
      }),
    );
    const result = await mapReduce({ mesh, data: [1, 2, 3], mappers: ['m1', 'm2', 'ghost'], onError: 'skip', reducer: 'reducer', metadata: { tenant: 't-1' } });
    expect(result.value).toEqual({ total: 3 });
    expect(got[0]!.content).toEqual([1, 2]);
    expect(got[0]!.metadata).toEqual({
      tenant: 't-1',
      mapReduce: { jobId: result.jobId, chunkCount: 3, chunkIndexes: [0, 1], failures: [expect.objectContaining({ index: 2, mapper: 'ghost', code: 'AGENT_NOT_FOUND' })] },
    });
  });

  it('fails with the reducer error, keeping its code', async () => {
    const mesh = await meshWith(...summingMappers(1), defineAgent({ name: 'bad-reducer', handle: () => Promise.reject(new Error('disk full')) }));
    const agentError = await rejectionOf(mapReduce({ mesh, data: [1], mappers: ['m1'], reducer: 'bad-reducer' }));
    expect(agentError).toMatchObject({ code: 'HANDLER_ERROR', agent: 'bad-reducer', details: { phase: 'reduce' } });
    expect(agentError.message).toContain('disk full');
    const fnError = await rejectionOf(
      mapReduce({
        mesh,
        data: [1],
        mappers: ['m1'],
        reducer: () => {
          throw new TypeError('cannot read "total"');
        },
      }),
    );
    expect(fnError).toMatchObject({ code: 'HANDLER_ERROR', remote: { name: 'TypeError', message: 'cannot read "total"' } });
    expect(fnError.message).toContain('map-reduce reducer failed');
  });
});
