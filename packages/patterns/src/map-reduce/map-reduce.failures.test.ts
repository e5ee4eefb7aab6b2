import { defineAgent, MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { sum, useMeshes } from '../../test/meshes.js';
import { readChunk } from './chunk-message.js';
import { defineMapper } from './mapper.js';
import { mapReduce } from './map-reduce.js';

const { meshWith } = useMeshes();

const summing = (name: string) => defineMapper<number, number>({ name, map: (items) => sum(items) });
const failing = (name: string, calls: string[] = []) =>
  defineAgent({
    name,
    handle: (m) => {
      calls.push(`${name}:${readChunk(m).chunkIndex}`);
      throw new Error(`${name} is down`);
    },
  });

describe('mapReduce onError: "fail" (the default)', () => {
  it('rejects with the first failure, cancels chunks in flight and never sends the rest', async () => {
    const hung: RequestContext[] = [];
    const calls: string[] = [];
    const mesh = await meshWith(defineAgent({ name: 'slow', handle: (_m, ctx) => hangUntilAborted(hung)(ctx) }), failing('broken', calls));
    const error = await rejectionOf(mapReduce({ mesh, data: [1, 2, 3, 4], mappers: ['slow', 'broken'], chunkSize: 1, reducer: () => 0 }));
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', agent: 'broken', remote: { name: 'Error', message: 'broken is down' } });
    expect(error.message).toContain('chunk 1 of 4 failed on mapper "broken"');
    expect(error.details).toMatchObject({ failure: { index: 1, mapper: 'broken', code: 'HANDLER_ERROR' } });
    expect(hung).toHaveLength(1);
    expect(hung[0]!.signal.aborted).toBe(true);
    expect(MeshError.is(hung[0]!.signal.reason, 'CANCELLED')).toBe(true);
    expect(calls).toEqual(['broken:1']);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });
});

describe('mapReduce onError: "reassign"', () => {
  it('retries a failed chunk on another mapper and reports the reassignment', async () => {
    const calls: string[] = [];
    const mesh = await meshWith(failing('flaky', calls), summing('good1'), summing('good2'));
    const result = await mapReduce({ mesh, data: [1, 2, 3, 4, 5, 6], mappers: ['flaky', 'good1', 'good2'], onError: 'reassign', reducer: (r: readonly number[]) => sum(r) });
    expect(result).toMatchObject({ value: 21, succeeded: 3, failures: [] });
    expect(calls).toEqual(['flaky:0']);
    expect(result.reassigned).toEqual([{ index: 0, mapper: expect.stringMatching(/^good[12]$/), attempts: [expect.objectContaining({ mapper: 'flaky', code: 'HANDLER_ERROR' })] }]);
  });

  it('gives up after every mapper failed the chunk, reporting each attempt', async () => {
    const picky = (name: string) =>
      defineMapper<number, number>({
        name,
        map: (items) => {
          if (items.includes(13)) throw new Error(`${name} rejects 13`);
          return sum(items);
        },
      });
    const mesh = await meshWith(picky('a'), picky('b'), picky('c'));
    const data = Array.from({ length: 20 }, (_, i) => i);
    const result = await mapReduce({ mesh, data, mappers: ['a', 'b', 'c'], chunkSize: 5, onError: 'reassign', reducer: (r: readonly number[]) => sum(r) });
    expect(result.value).toBe(sum(data) - sum([10, 11, 12, 13, 14]));
    expect(result.failures).toHaveLength(1);
    const failure = result.failures[0]!;
    expect(failure).toMatchObject({ index: 2, size: 5, code: 'HANDLER_ERROR' });
    expect(failure.attempts.map((a) => a.mapper).sort()).toEqual(['a', 'b', 'c']);
    expect(failure.mapper).toBe(failure.attempts[2]!.mapper);
  });

  it('stops at maxAttempts, and only reassigns what reassignOn allows', async () => {
    const calls: string[] = [];
    const mesh = await meshWith(failing('x', calls), failing('y', calls), failing('z', calls));
    const limited = await mapReduce({ mesh, data: [1], mappers: ['x', 'y', 'z'], onError: 'reassign', maxAttempts: 2, reducer: () => 0 }).catch((e: unknown) => e as MeshError);
    expect(limited).toMatchObject({ code: 'HANDLER_ERROR', details: { failures: [expect.objectContaining({ attempts: [expect.anything(), expect.anything()] })] } });
    expect(calls).toHaveLength(2);
    calls.length = 0;
    const notRetryable = await mapReduce({ mesh, data: [1], mappers: ['x', 'y', 'z'], onError: 'reassign', reassignOn: (f) => f.retryable && f.code !== 'HANDLER_ERROR', reducer: () => 0 }).catch(
      (e: unknown) => e as MeshError,
    );
    expect(notRetryable).toMatchObject({ code: 'HANDLER_ERROR' });
    expect(calls).toHaveLength(1);
  });

  it('reassigns a chunk whose mapper hangs past chunkTimeoutMs, aborting the hung attempt', async () => {
    vi.useFakeTimers();
    const hung: RequestContext[] = [];
    const mesh = await meshWith(defineAgent({ name: 'stuck', handle: (_m, ctx) => hangUntilAborted(hung)(ctx) }), summing('good'));
    const run = mapReduce({ mesh, data: [1, 2], mappers: ['stuck', 'good'], onError: 'reassign', chunkTimeoutMs: 100, reducer: (r: readonly number[]) => sum(r) });
    await vi.advanceTimersByTimeAsync(99);
    expect(hung[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await run;
    expect(result).toMatchObject({ value: 3, reassigned: [{ index: 0, mapper: 'good', attempts: [expect.objectContaining({ mapper: 'stuck', code: 'TIMEOUT' })] }] });
    expect(MeshError.is(hung[0]!.signal.reason, 'TIMEOUT')).toBe(true);
  });
});
