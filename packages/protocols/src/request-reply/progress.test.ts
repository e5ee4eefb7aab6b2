import { getEventListeners } from 'node:events';
import type { JsonValue, RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshErrorOf, track } from '../../test/support/outcome.js';
import { useFakeTime } from '../../test/support/time.js';
import { requestWorld, Summarize } from '../../test/support/requests.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker that reports `steps` progress frames, `everyMs` apart, then answers (or goes quiet). */
async function steadyWorker(steps: number, everyMs: number, options: { answer?: boolean } = {}) {
  const world = await requestWorld();
  const contexts: RequestContext[] = [];
  const reported: boolean[] = [];
  world.protocol.handleRequest(world.worker, Summarize, async (input, ctx) => {
    contexts.push(ctx);
    for (let i = 1; i <= steps; i++) {
      await sleep(everyMs);
      reported.push(ctx.reportProgress({ step: i }));
    }
    if (options.answer === false) await new Promise(() => undefined);
    return { summary: input.text, words: steps };
  });
  return { ...world, contexts, reported };
}

describe('RequestReplyProtocol: progress', () => {
  useFakeTime();

  it("delivers the handler's progress to onProgress in order, before the answer", async () => {
    const { protocol } = await steadyWorker(4, 10);
    const events: JsonValue[] = [];
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { onProgress: (p) => events.push(p) }).then((r) => events.push(r));
    await vi.advanceTimersByTimeAsync(40);
    await outcome;
    expect(events).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }, { step: 4 }, { summary: 'x', words: 4 }]);
  });

  it('without resetTimeoutOnProgress, progress does not extend the timeout', async () => {
    const { protocol } = await steadyWorker(5, 800);
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, onProgress: () => undefined }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await meshErrorOf(outcome.result)).code).toBe('TIMEOUT');
  });

  it('with resetTimeoutOnProgress, a long task that keeps reporting finishes past timeoutMs', async () => {
    const { protocol, clock } = await steadyWorker(5, 800);
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, resetTimeoutOnProgress: true }));
    await vi.advanceTimersByTimeAsync(3_900);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    await expect(outcome.result).resolves.toEqual({ summary: 'x', words: 5 });
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
  });

  it('with resetTimeoutOnProgress, times out timeoutMs after the last frame and aborts the callee', async () => {
    const { protocol, contexts, clock, mesh } = await steadyWorker(2, 600, { answer: false });
    const started = Date.now();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, resetTimeoutOnProgress: true }));
    await vi.advanceTimersByTimeAsync(2_199);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await meshErrorOf(outcome.result);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'request "summarize" to "worker" made no progress for 1000 ms' });
    expect(Date.now() - started).toBe(2_200);
    expect(contexts[0]!.signal.aborted).toBe(true);
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it('with resetTimeoutOnProgress, never runs past maxTotalTimeoutMs however chatty the callee', async () => {
    const { protocol, contexts } = await steadyWorker(1_000, 500);
    const started = Date.now();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 3_000 }));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await meshErrorOf(outcome.result)).code).toBe('TIMEOUT');
    expect(contexts[0]!.signal.aborted).toBe(true);
    // The callee is told the ceiling, not the idle budget.
    expect(contexts[0]!.deadline).toBe(started + 3_000);
  });

  it('with resetTimeoutOnProgress, the caller can still abort: CANCELLED, listener removed', async () => {
    const { protocol, contexts, clock } = await steadyWorker(100, 100);
    const controller = new AbortController();
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, resetTimeoutOnProgress: true, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(450);
    controller.abort();
    expect((await meshErrorOf(outcome)).code).toBe('CANCELLED');
    expect(contexts[0]!.signal.aborted).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.liveTimers).toBe(0);
  });

  it('logs a throwing onProgress and goes on', async () => {
    const { protocol, logger } = await steadyWorker(2, 10);
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { onProgress: () => { throw new Error('ui gone'); } });
    await vi.advanceTimersByTimeAsync(20);
    await expect(outcome).resolves.toMatchObject({ words: 2 });
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[0]![1]).toContain('onProgress threw');
  });

  it('tells the handler nobody listens when the caller asked for no progress', async () => {
    const { protocol, reported } = await steadyWorker(1, 10);
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' });
    await vi.advanceTimersByTimeAsync(10);
    await outcome;
    expect(reported).toEqual([false]);
  });
});
