import { getEventListeners } from 'node:events';
import { MeshError, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshErrorOf, track } from '../../test/support/outcome.js';
import { useFakeTime } from '../../test/support/time.js';
import { requestWorld, Summarize } from '../../test/support/requests.js';
import { defineRequest } from './define-request.js';

describe('RequestReplyProtocol: timeouts and cancellation', () => {
  useFakeTime();

  async function hanging() {
    const world = await requestWorld({ defaultTimeoutMs: 5_000 });
    const contexts: RequestContext[] = [];
    world.protocol.handleRequest(world.worker, Summarize, (_input, ctx) => {
      contexts.push(ctx);
      return new Promise<never>(() => undefined);
    });
    return { ...world, contexts };
  }

  it('applies the timeout for real: TIMEOUT exactly at timeoutMs, the callee signal aborts, nothing stays pending (guide bug 2)', async () => {
    const { protocol, contexts, mesh } = await hanging();
    const started = Date.now();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome.settled()).toBe(false);
    expect(protocol.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await meshErrorOf(outcome.result);
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBe(1_000);
    expect(contexts[0]!.signal.aborted).toBe(true);
    expect(protocol.pendingCount).toBe(0);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, pendingDeadlines: 0 });
  });

  it("uses the protocol's defaultTimeoutMs when the call names none", async () => {
    const { protocol } = await hanging();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await meshErrorOf(outcome.result)).code).toBe('TIMEOUT');
  });

  it('cancels with CANCELLED on abort, aborts the callee, and removes its abort listener', async () => {
    const { protocol, contexts } = await hanging();
    const controller = new AbortController();
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('user pressed stop'));
    const error = await meshErrorOf(outcome);
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('user pressed stop');
    expect(MeshError.is(contexts[0]!.signal.reason, 'CANCELLED')).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(protocol.pendingCount).toBe(0);
  });

  it('fails CANCELLED at once for an already-aborted signal, without sending', async () => {
    const { protocol, contexts, inbound } = await hanging();
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(contexts).toHaveLength(0);
    expect(inbound.messages).toHaveLength(0);
  });

  it('close() fails requests awaiting a deferred answer with CLOSED at once; running calls end as the mesh drains them', async () => {
    const { protocol, clock, worker } = await hanging();
    const Deferred = defineRequest('deferred', { input: Summarize.input, output: Summarize.output });
    protocol.handleRequest(worker, Deferred, (_i, _ctx, request) => request.defer());
    const running = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000 }));
    const idle = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'y' }, { resetTimeoutOnProgress: true, timeoutMs: 100 }));
    const deferred = track(protocol.sendRequest('caller', 'worker', Deferred, { text: 'z' }));
    await vi.advanceTimersByTimeAsync(1);
    expect(clock.liveTimers).toBe(2);
    protocol.close();
    expect((await meshErrorOf(deferred.result)).code).toBe('CLOSED');
    expect(protocol.pendingCount).toBe(2);
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'late' })).rejects.toMatchObject({ code: 'CLOSED' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await meshErrorOf(idle.result)).code).toBe('TIMEOUT');
    expect((await meshErrorOf(running.result)).code).toBe('TIMEOUT');
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
  });
});
