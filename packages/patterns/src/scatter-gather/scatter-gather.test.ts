import { getEventListeners } from 'node:events';
import { createMessage, defineAgent, MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { deferred, hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { useMeshes } from '../../test/meshes.js';
import { scatterGather } from './scatter-gather.js';
import type { ScatterGatherResult } from './types.js';

const { meshWith } = useMeshes();

const answer = (name: string, value: string) => defineAgent({ name, handle: () => value });
const later = (name: string, value: string, ms: number) =>
  defineAgent({
    name,
    handle: async () => {
      await new Promise((r) => setTimeout(r, ms));
      return value;
    },
  });
const failing = (name: string) =>
  defineAgent({
    name,
    handle: () => {
      throw new Error(`${name} is down`);
    },
  });
const hanging = (name: string, seen: RequestContext[], started?: () => void) => defineAgent({ name, handle: (_m, ctx) => hangUntilAborted(seen, started)(ctx) });
const statuses = (result: ScatterGatherResult) => result.outcomes.map((o) => `${o.target}:${o.status}`);

describe('scatterGather', () => {
  it('"all" waits for every target and reports each outcome in target order, never rejecting for them', async () => {
    vi.useFakeTimers();
    const mesh = await meshWith(later('slow', 'S', 30), answer('fast', 'F'), failing('down'));
    const run = scatterGather({ mesh, targets: ['slow', 'fast', 'down', 'ghost'], message: 'quote?', timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(30);
    const result = await run;
    expect(statuses(result)).toEqual(['slow:ok', 'fast:ok', 'down:error', 'ghost:error']);
    expect(result.outcomes[0]).toMatchObject({ value: { content: 'S' }, elapsedMs: 30 });
    expect(result.outcomes[2]).toMatchObject({ code: 'HANDLER_ERROR', retryable: true, remote: { message: 'down is down' } });
    expect(result.outcomes[3]).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(result.replies.map((r) => r.target)).toEqual(['fast', 'slow']);
  });

  it('sends the same whole message, metadata included, to every target', async () => {
    const seen: unknown[] = [];
    const probe = (name: string) => defineAgent({ name, handle: (m) => void seen.push(m) });
    const mesh = await meshWith(probe('a'), probe('b'));
    const message = createMessage({ content: { q: 'price' }, metadata: { type: 'quote', currency: 'EUR' } });
    await scatterGather({ mesh, targets: ['a', 'b'], message, timeoutMs: 1_000 });
    expect(seen).toEqual([message, message]);
  });

  it('"quorum" resolves once enough replied and cancels the stragglers (their ctx.signal aborts)', async () => {
    const seen: RequestContext[] = [];
    const mesh = await meshWith(answer('a', 'A'), failing('b'), answer('c', 'C'), hanging('d', seen), hanging('e', seen));
    const result = await scatterGather({ mesh, targets: ['a', 'b', 'c', 'd', 'e'], message: 'vote', quorum: 2, timeoutMs: 1_000 });
    expect(statuses(result)).toEqual(['a:ok', 'b:error', 'c:ok', 'd:cancelled', 'e:cancelled']);
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true]);
    expect(seen.every((c) => MeshError.is(c.signal.reason, 'CANCELLED'))).toBe(true);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('"quorum" defaults to a majority and rejects as soon as it cannot be reached', async () => {
    const seen: RequestContext[] = [];
    const mesh = await meshWith(failing('a'), hanging('b', seen), failing('c'), answer('d', 'D'));
    const error = await rejectionOf(scatterGather({ mesh, targets: ['d', 'a', 'b', 'c'], message: 'vote', mode: 'quorum', timeoutMs: 1_000 }));
    expect(error.code).toBe('HANDLER_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('needed 3 of 4 replies, got 1; 2 failed');
    expect(error.details).toMatchObject({ mode: 'quorum', need: 3 });
    expect(error.details?.['outcomes']).toEqual([
      { target: 'd', status: 'ok' },
      { target: 'a', status: 'error', code: 'HANDLER_ERROR', message: expect.any(String) },
      { target: 'b', status: 'cancelled' },
      { target: 'c', status: 'error', code: 'HANDLER_ERROR', message: expect.any(String) },
    ]);
    expect(seen[0]!.signal.aborted).toBe(true);
  });

  it('"first" takes the first reply, tolerating earlier failures, and cancels the rest', async () => {
    vi.useFakeTimers();
    const seen: RequestContext[] = [];
    const mesh = await meshWith(failing('down'), later('slow', 'slow', 50), later('quick', 'quick', 10), hanging('stuck', seen));
    const run = scatterGather({ mesh, targets: ['down', 'slow', 'quick', 'stuck'], message: 'x', mode: 'first', timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(10);
    const result = await run;
    expect(result.replies).toEqual([{ target: 'quick', index: 2, value: expect.objectContaining({ content: 'quick' }) }]);
    expect(statuses(result)).toEqual(['down:error', 'slow:cancelled', 'quick:ok', 'stuck:cancelled']);
    expect(seen[0]!.signal.aborted).toBe(true);
  });

  it('"first" rejects when every target failed', async () => {
    const mesh = await meshWith(failing('a'), failing('b'));
    const error = await rejectionOf(scatterGather({ mesh, targets: ['a', 'b'], message: 'x', mode: 'first', timeoutMs: 1_000 }));
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', details: { need: 1 } });
  });

  it('at timeoutMs, "all" reports the stragglers as TIMEOUT while "quorum" rejects with TIMEOUT', async () => {
    vi.useFakeTimers();
    const seen: RequestContext[] = [];
    const mesh = await meshWith(answer('a', 'A'), hanging('b', seen), hanging('c', seen));
    const all = scatterGather({ mesh, targets: ['a', 'b'], message: 'x', timeoutMs: 200 });
    const quorum = rejectionOf(scatterGather({ mesh, targets: ['a', 'b', 'c'], message: 'x', quorum: 2, timeoutMs: 200 }));
    await vi.advanceTimersByTimeAsync(199);
    expect(seen.map((c) => c.signal.aborted)).toEqual([false, false, false]);
    await vi.advanceTimersByTimeAsync(1);
    const result = await all;
    expect(statuses(result)).toEqual(['a:ok', 'b:error']);
    expect(result.outcomes[1]).toMatchObject({ code: 'TIMEOUT', elapsedMs: 200 });
    expect((await quorum).code).toBe('TIMEOUT');
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true, true]);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('runs every hop under the caller’s context; cancelling the caller rejects and aborts them all', async () => {
    const seen: RequestContext[] = [];
    const started = deferred();
    let gather: Promise<ScatterGatherResult> | undefined;
    let boss: RequestContext | undefined;
    const mesh = await meshWith(hanging('a', seen), hanging('b', seen, () => started.resolve()));
    await mesh.register(
      defineAgent({
        name: 'boss',
        handle: (_m, ctx) => {
          boss = ctx;
          gather = scatterGather({ mesh, targets: ['a', 'b'], message: 'x', timeoutMs: Infinity, context: ctx });
          return gather.then((r) => r.replies.length);
        },
      }),
    );
    const controller = new AbortController();
    const call = mesh.invoke('boss', 'go', { signal: controller.signal, timeoutMs: 5_000 });
    await started.promise;
    expect(seen.map((c) => [c.traceId, c.deadline, c.depth, c.from])).toEqual([
      [boss!.traceId, boss!.deadline, 2, 'boss'],
      [boss!.traceId, boss!.deadline, 2, 'boss'],
    ]);
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('CANCELLED');
    expect((await rejectionOf(gather!)).code).toBe('CANCELLED');
    expect(seen.map((c) => c.signal.aborted)).toEqual([true, true]);
  });

  it('aborting `signal` rejects with CANCELLED and leaves no listener behind', async () => {
    const seen: RequestContext[] = [];
    const started = deferred();
    const mesh = await meshWith(hanging('a', seen, () => started.resolve()));
    const controller = new AbortController();
    const run = rejectionOf(scatterGather({ mesh, targets: ['a', 'a'], message: 'x', timeoutMs: 5_000, signal: controller.signal }));
    await started.promise;
    controller.abort();
    expect((await run).code).toBe('CANCELLED');
    expect(seen).toHaveLength(2);
    expect(seen.every((c) => c.signal.aborted)).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it.each([
    ['no targets', { targets: [] }, 'targets must list at least one agent'],
    ['no timeout', { timeoutMs: undefined }, 'timeoutMs is required'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs must be a positive number'],
    ['a quorum above the targets', { quorum: 3 }, 'quorum must be an integer from 1 to 2'],
    ['a fractional quorum', { quorum: 1.5 }, 'quorum must be an integer'],
    ['a quorum with mode "all"', { quorum: 1, mode: 'all' }, 'quorum applies only to mode "quorum"'],
    ['an unknown mode', { mode: 'most' }, 'mode must be one of'],
  ])('rejects %s with INVALID_ARGUMENT', async (_label, override, text) => {
    const mesh = await meshWith(answer('a', 'A'));
    const options = { mesh, targets: ['a', 'a'], message: 'x', timeoutMs: 100, ...override } as unknown as Parameters<typeof scatterGather>[0];
    const error = await rejectionOf(scatterGather(options));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(text);
  });
});
