import { InMemoryTransport, defineAgent, type JsonValue, type Message } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { sum, summingMappers, useMeshes } from '../../test/meshes.js';
import { rejectionOf } from '../../test/helpers.js';
import { readChunk } from './chunk-message.js';
import { defineMapper } from './mapper.js';
import { mapReduce } from './map-reduce.js';

const { mesh: newMesh, meshWith } = useMeshes();

describe('mapReduce', () => {
  it('sends structured chunks, reduces the results in chunk order', async () => {
    const seen: Message[] = [];
    const mesh = await meshWith(...summingMappers(3, seen));
    const reduced: number[][] = [];
    const result = await mapReduce({
      mesh,
      data: [1, 2, 3, 4, 5, 6, 7],
      mappers: ['m1', 'm2', 'm3'],
      reducer: (results: readonly number[]) => {
        reduced.push([...results]);
        return sum(results);
      },
    });
    expect(result).toMatchObject({ value: 28, chunkCount: 3, succeeded: 3, failures: [], reassigned: [] });
    expect(reduced).toEqual([[6, 9, 13]]);
    const byIndex = [...seen].sort((a, b) => readChunk(a).chunkIndex - readChunk(b).chunkIndex);
    expect(byIndex.map((m) => m.content)).toEqual([[1, 2, 3], [4, 5], [6, 7]]);
    expect(byIndex.map((m) => m.metadata['mapReduce'])).toEqual([0, 1, 2].map((chunkIndex) => ({ jobId: result.jobId, chunkIndex, chunkCount: 3, attempt: 1 })));
  });

  it('regression (guide bug 3): fewer items than mappers never makes an empty chunk', async () => {
    const seen: Message[] = [];
    const mesh = await meshWith(...summingMappers(3, seen));
    const result = await mapReduce({ mesh, data: [10, 20], mappers: ['m1', 'm2', 'm3'], reducer: (r: readonly number[]) => sum(r) });
    expect(result).toMatchObject({ value: 30, chunkCount: 2 });
    expect(seen).toHaveLength(2);
    expect(seen.every((m) => Array.isArray(m.content) && m.content.length === 1)).toBe(true);
  });

  it('regression (guide bug 3): with "skip", failed chunks are reported and never reach the reducer as data', async () => {
    const mesh = await meshWith(
      defineAgent({ name: 'ok', handle: (m) => sum(readChunk<number>(m).items) }),
      defineAgent({
        name: 'broken',
        handle: () => {
          throw new RangeError('mapper ran out of tokens');
        },
      }),
    );
    let reducerInput: readonly JsonValue[] = [];
    const result = await mapReduce({
      mesh,
      data: [1, 2, 3, 4],
      mappers: ['ok', 'broken'],
      onError: 'skip',
      reducer: (results, info) => {
        reducerInput = results;
        expect(info.chunkIndexes).toEqual([0]);
        expect(info.failures.map((f) => f.index)).toEqual([1]);
        return results.length;
      },
    });
    expect(reducerInput).toEqual([3]);
    expect(result.value).toBe(1);
    expect(result.failures).toEqual([
      expect.objectContaining({ index: 1, size: 2, mapper: 'broken', code: 'HANDLER_ERROR', retryable: false, remote: { name: 'RangeError', message: 'mapper ran out of tokens' } }),
    ]);
    expect(result.failures[0]!.message).toContain('mapper ran out of tokens');
    expect(result.failures[0]!.attempts).toHaveLength(1);
  });

  it('with "skip", rejects when every chunk failed, listing each failure', async () => {
    const mesh = await meshWith();
    const error = await rejectionOf(mapReduce({ mesh, data: [1, 2, 3], mappers: ['ghost1', 'ghost2'], onError: 'skip', reducer: () => 0 }));
    expect(error.code).toBe('AGENT_NOT_FOUND');
    expect(error.message).toContain('all 2 chunks failed');
    expect(error.details?.['failures']).toEqual([
      expect.objectContaining({ index: 0, mapper: 'ghost1', code: 'AGENT_NOT_FOUND' }),
      expect.objectContaining({ index: 1, mapper: 'ghost2', code: 'AGENT_NOT_FOUND' }),
    ]);
  });

  it('reduces nothing for empty data, without calling a mapper', async () => {
    const seen: Message[] = [];
    const mesh = await meshWith(...summingMappers(2, seen));
    const result = await mapReduce({ mesh, data: [], mappers: ['m1', 'm2'], reducer: (r) => r.length });
    expect(result).toMatchObject({ value: 0, chunkCount: 0, succeeded: 0 });
    expect(seen).toHaveLength(0);
  });

  it('honours chunkSize, and bounds concurrency', async () => {
    vi.useFakeTimers();
    let running = 0;
    let peak = 0;
    const slow = (name: string) =>
      defineMapper<number, number>({
        name,
        map: async (items) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 10));
          running--;
          return sum(items);
        },
      });
    const mesh = await meshWith(slow('a'), slow('b'), slow('c'), slow('d'));
    const data = Array.from({ length: 50 }, (_, i) => i);
    const run = mapReduce({ mesh, data, mappers: ['a', 'b', 'c', 'd'], chunkSize: 3, concurrency: 2, reducer: (r: readonly number[]) => sum(r) });
    await vi.advanceTimersByTimeAsync(10);
    expect(running).toBe(2);
    await vi.runAllTimersAsync();
    expect(await run).toMatchObject({ value: sum(data), chunkCount: 17, succeeded: 17 });
    expect(peak).toBe(2);
  });

  it('gives more chunks to a faster mapper (least busy first)', async () => {
    vi.useFakeTimers();
    const counts: Record<string, number> = { fast: 0, slow: 0 };
    const mapper = (name: string, ms: number) =>
      defineMapper<number, number>({
        name,
        map: async (items) => {
          counts[name]!++;
          await new Promise((r) => setTimeout(r, ms));
          return items.length;
        },
      });
    const mesh = await meshWith(mapper('fast', 1), mapper('slow', 60));
    const run = mapReduce({ mesh, data: Array.from({ length: 20 }, (_, i) => i), mappers: ['fast', 'slow'], chunkSize: 1, reducer: (r: readonly number[]) => sum(r) });
    await vi.runAllTimersAsync();
    expect((await run).value).toBe(20);
    expect(counts).toEqual({ fast: 19, slow: 1 });
  });

  it('keeps items structured end to end, over a serializing transport', async () => {
    const mesh = newMesh({ transport: new InMemoryTransport({ serialize: true }) });
    const items = [{ sku: 'a-1', qty: 2, tags: ['x'] }, { sku: 'b-2', qty: 0, tags: [] }, { sku: 'c-3', qty: 5, note: null }];
    await mesh.register(defineMapper<{ qty: number }, { qty: number }[]>({ name: 'echo', map: (chunk) => chunk }));
    const result = await mapReduce({ mesh, data: items, mappers: ['echo'], reducer: (r: readonly { qty: number }[][]) => r.flat(), metadata: { tenant: 't-9' } });
    expect(result.value).toEqual(items);
  });

  it('maps 10k items over 8 mappers', async () => {
    const seen: Message[] = [];
    const mesh = await meshWith(...summingMappers(8, seen));
    const data = Array.from({ length: 10_000 }, (_, i) => i);
    const result = await mapReduce({ mesh, data, mappers: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'], reducer: (r: readonly number[]) => sum(r) });
    expect(result).toMatchObject({ value: sum(data), chunkCount: 8, succeeded: 8 });
    expect(seen.map((m) => (m.content as number[]).length)).toEqual(Array(8).fill(1250));
  });

});
