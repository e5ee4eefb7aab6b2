import { describe, expect, it } from 'vitest';
import { summingMappers, useMeshes } from '../../test/meshes.js';
import { rejectionOf } from '../../test/helpers.js';
import { mapReduce } from './map-reduce.js';

const { meshWith } = useMeshes();

describe('mapReduce options', () => {
  it('regression (guide bug 3): zero mappers is a clear INVALID_ARGUMENT, not a division by zero', async () => {
    const mesh = await meshWith();
    const error = await rejectionOf(mapReduce({ mesh, data: [1, 2], mappers: [], reducer: () => 0 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('mappers must list at least one agent name');
  });

  it.each([
    ['duplicate mappers', { mappers: ['m1', 'm1'] }, 'lists "m1" twice'],
    ['an invalid mapper name', { mappers: ['bad name'] }, 'invalid agent name'],
    ['chunkSize 0', { chunkSize: 0 }, 'chunkSize must be a positive integer'],
    ['fractional concurrency', { concurrency: 1.5 }, 'concurrency must be a positive integer'],
    ['an unknown onError', { onError: 'ignore' }, 'onError must be one of'],
    ['a negative timeout', { timeoutMs: -1 }, 'timeoutMs must be a positive number'],
    ['a reducer that is neither', { reducer: 42 }, 'reducer must be a function or an agent name'],
    ['data that is not an array', { data: 'abc' }, 'data must be an array'],
  ])('rejects %s with INVALID_ARGUMENT', async (_label, override, text) => {
    const mesh = await meshWith(...summingMappers(1));
    const options = { mesh, data: [1], mappers: ['m1'], reducer: () => 0, ...override } as unknown as Parameters<typeof mapReduce>[0];
    const error = await rejectionOf(mapReduce(options));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(text);
  });

});
