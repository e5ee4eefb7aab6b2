import { getEventListeners } from 'node:events';
import { defineAgent, MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { useMeshes } from '../../test/meshes.js';
import { deferred, hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { mapReduce } from './map-reduce.js';
import type { MapReduceResult } from './types.js';

const { mesh: newMesh, meshWith } = useMeshes();

/** Mappers that record their context and hang until aborted. */
function hangingMappers(count: number, seen: RequestContext[], allStarted?: () => void) {
  return Array.from({ length: count }, (_, i) =>
    defineAgent({
      name: `m${i + 1}`,
      handle: (_m, ctx) => hangUntilAborted(seen, () => seen.length === count && allStarted?.())(ctx),
    }),
  );
}

describe('mapReduce and the caller context', () => {
  it('gives every hop the caller’s trace, deadline, principal and depth + 1, with the caller as sender', async () => {
    const seen: RequestContext[] = [];
    let boss: RequestContext | undefined;
    const recorder = (name: string) =>
      defineAgent({
        name,
        handle: (m, ctx) => {
          seen.push(ctx);
          return Array.isArray(m.content) ? m.content.length : 0;
        },
      });
    const mesh = await meshWith(recorder('m1'), recorder('m2'), recorder('reducer'));
    await mesh.register(
      defineAgent({
        name: 'boss',
        async handle(_m, ctx) {
          boss = ctx;
          const result = await mapReduce({ mesh, data: [1, 2, 3], mappers: ['m1', 'm2'], reducer: 'reducer', context: ctx });
          return result.value;
        },
      }),
    );
    await mesh.invoke('boss', 'go', { from: 'client', timeoutMs: 5_000, principal: { id: 'user-7' } });
    expect(seen).toHaveLength(3);
    for (const ctx of seen) {
      expect(ctx.traceId).toBe(boss!.traceId);
      expect(ctx.deadline).toBe(boss!.deadline);
      expect(ctx.depth).toBe(boss!.depth + 1);
      expect(ctx.from).toBe('boss');
      expect(ctx.principal).toEqual({ id: 'user-7' });
    }
  });

  it('regression (guide bug 10): a hop never resets depth, so runaway nesting stops at MAX_DEPTH', async () => {
    const mesh = newMesh({ maxDepth: 3 });
    await mesh.register(defineAgent({ name: 'leaf', handle: () => 1 }));
    await mesh.register(
      defineAgent({
        name: 'nested',
        handle: async (_m, ctx) => (await mapReduce({ mesh, data: [1], mappers: ['nested'], reducer: (r) => r[0] ?? null, context: ctx })).value,
      }),
    );
    const error = await rejectionOf(mesh.invoke('nested', 'go'));
    expect(error.code).toBe('MAX_DEPTH');
  });

  it('cancelling the caller cancels every outstanding hop (their ctx.signal aborts)', async () => {
    const seen: RequestContext[] = [];
    const started = deferred();
    let inner: Promise<MapReduceResult<number>> | undefined;
    const mesh = await meshWith(...hangingMappers(3, seen, () => started.resolve()));
    await mesh.register(
      defineAgent({
        name: 'boss',
        handle(_m, ctx) {
          inner = mapReduce({ mesh, data: [1, 2, 3], mappers: ['m1', 'm2', 'm3'], onError: 'skip', reducer: () => 0, context: ctx });
          return inner.then((r) => r.value);
        },
      }),
    );
    const controller = new AbortController();
    const call = mesh.invoke('boss', 'go', { signal: controller.signal });
    await started.promise;
    expect(seen.map((c) => c.signal.aborted)).toEqual([false, false, false]);
    controller.abort(new Error('user pressed stop'));
    expect((await rejectionOf(call)).code).toBe('CANCELLED');
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true, true]);
    expect(seen.every((c) => MeshError.is(c.signal.reason, 'CANCELLED'))).toBe(true);
    expect((await rejectionOf(inner!)).code).toBe('CANCELLED');
    expect(mesh.stats()).toMatchObject({ inFlight: 0, serving: 0, pendingDeadlines: 0 });
  });

  it('aborting `signal` cancels an anonymous run and every hop, and leaves no listener behind', async () => {
    const seen: RequestContext[] = [];
    const started = deferred();
    const mesh = await meshWith(...hangingMappers(2, seen, () => started.resolve()));
    const controller = new AbortController();
    const run = mapReduce({ mesh, data: [1, 2], mappers: ['m1', 'm2'], reducer: () => 0, signal: controller.signal });
    await started.promise;
    controller.abort();
    expect((await rejectionOf(run)).code).toBe('CANCELLED');
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true]);
    expect(seen.map((c) => c.from)).toEqual([undefined, undefined]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('fails at once, calling no mapper, when the signal is already aborted', async () => {
    const seen: RequestContext[] = [];
    const mesh = await meshWith(...hangingMappers(1, seen));
    const error = await rejectionOf(mapReduce({ mesh, data: [1], mappers: ['m1'], reducer: () => 0, signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect(seen).toHaveLength(0);
  });

  it('passes timeoutMs as TIMEOUT, aborting the hops, even under "skip"', async () => {
    vi.useFakeTimers();
    const seen: RequestContext[] = [];
    const mesh = await meshWith(...hangingMappers(2, seen));
    const run = mapReduce({ mesh, data: [1, 2], mappers: ['m1', 'm2'], onError: 'skip', reducer: () => 0, timeoutMs: 1_000 });
    const outcome = rejectionOf(run);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen.map((c) => c.signal.aborted)).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('map-reduce passed its deadline');
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true]);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0, timerActive: false });
  });

  it('stops a local reducer that outlives the deadline with TIMEOUT, aborting its signal', async () => {
    vi.useFakeTimers();
    const mesh = await meshWith(defineAgent({ name: 'm1', handle: () => 1 }));
    let reducerSignal: AbortSignal | undefined;
    const run = mapReduce({
      mesh,
      data: [1],
      mappers: ['m1'],
      timeoutMs: 500,
      reducer: (_r, info) => {
        reducerSignal = info.signal;
        return new Promise<number>(() => undefined);
      },
    });
    const outcome = rejectionOf(run);
    await vi.advanceTimersByTimeAsync(500);
    expect((await outcome).code).toBe('TIMEOUT');
    expect(reducerSignal?.aborted).toBe(true);
  });
});
