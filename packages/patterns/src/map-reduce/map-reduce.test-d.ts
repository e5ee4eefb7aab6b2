import type { JsonValue, Mesh } from '@agentmesh/core';
import { describe, expectTypeOf, it } from 'vitest';
import { defineMapper } from './mapper.js';
import { mapReduce } from './map-reduce.js';
import type { MapReduceResult, ReduceInfo } from './types.js';

declare const mesh: Mesh;

describe('mapReduce types', () => {
  it('infers the result type from a reducer function', () => {
    const run = mapReduce({ mesh, data: [1, 2, 3], mappers: ['m'], reducer: (results: readonly number[]) => results.length > 0 });
    expectTypeOf(run).toEqualTypeOf<Promise<MapReduceResult<boolean>>>();
  });

  it('types the reducer’s results by the mapped type, and its info', () => {
    void mapReduce<number, { count: number }, number>({
      mesh,
      data: [1],
      mappers: ['m'],
      reducer: (results, info) => {
        expectTypeOf(results).toEqualTypeOf<readonly { count: number }[]>();
        expectTypeOf(info).toEqualTypeOf<ReduceInfo>();
        return results.length;
      },
    });
  });

  it('gives JSON for a reducer agent', () => {
    expectTypeOf(mapReduce({ mesh, data: ['a'], mappers: ['m'], reducer: 'reducer' })).toEqualTypeOf<Promise<MapReduceResult<JsonValue>>>();
  });

  it('refuses data that is not JSON and an unknown onError', () => {
    // @ts-expect-error a Date is not JSON
    void mapReduce({ mesh, data: [new Date()], mappers: ['m'], reducer: 'r' });
    // @ts-expect-error not an error mode
    void mapReduce({ mesh, data: [1], mappers: ['m'], reducer: 'r', onError: 'ignore' });
  });

  it('types a mapper’s items and result', () => {
    defineMapper<{ sku: string }, number>({
      name: 'm',
      map: (items, chunk) => {
        expectTypeOf(items).toEqualTypeOf<{ sku: string }[]>();
        expectTypeOf(chunk.chunkIndex).toEqualTypeOf<number>();
        return items.length;
      },
    });
    // @ts-expect-error the mapper must return the declared type
    defineMapper<number, number>({ name: 'm', map: () => 'text' });
  });
});
