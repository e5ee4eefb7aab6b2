import { getEventListeners } from 'node:events';
import { defineAgent, MeshError, type JsonValue } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshErrorOf, track } from '../../test/support/outcome.js';
import { useFakeTime } from '../../test/support/time.js';
import { deferringWorld, requestWorld, Summarize } from '../../test/support/requests.js';
import { REQUEST_REPLY_PROTOCOL } from './wire.js';

describe('RequestReplyProtocol: answers that come later', () => {
  useFakeTime();

  it('keeps the request pending after the acknowledgement and resolves it with the later answer (inReplyTo)', async () => {
    const { protocol, replies, inbound } = await deferringWorld();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(outcome.settled()).toBe(false);
    expect(protocol.pendingCount).toBe(1);
    const reply = replies[0]!;
    expect(reply).toMatchObject({ replyTo: 'caller', settled: false });
    await expect(reply.resolve({ summary: 'later', words: 1 })).resolves.toBe(true);
    await expect(outcome.result).resolves.toEqual({ summary: 'later', words: 1 });
    const answer = inbound.messages.find((m) => m.to === 'caller')!;
    expect(answer.from).toBe('worker');
    expect(answer.message.metadata).toEqual({ protocol: REQUEST_REPLY_PROTOCOL, inReplyTo: reply.requestId, replyKind: 'result' });
    expect(protocol.pendingCount).toBe(0);
  });

  it('carries progress of a deferred answer in order, and it resets an idle timeout', async () => {
    const { protocol, replies, clock } = await deferringWorld();
    const events: JsonValue[] = [];
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000, resetTimeoutOnProgress: true, onProgress: (p) => events.push(p) }));
    await vi.advanceTimersByTimeAsync(1);
    const reply = replies[0]!;
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(900);
      void reply.progress({ pct: i * 30 });
    }
    await vi.advanceTimersByTimeAsync(900);
    expect(outcome.settled()).toBe(false);
    await reply.resolve({ summary: 'done', words: 3 });
    await expect(outcome.result).resolves.toMatchObject({ summary: 'done' });
    expect(events).toEqual([{ pct: 30 }, { pct: 60 }, { pct: 90 }]);
    expect(clock.liveTimers).toBe(0);
  });

  it('rejects with the failure a deferred answer carries, code kept', async () => {
    const { protocol, replies } = await deferringWorld();
    const a = protocol.sendRequest('caller', 'worker', Summarize, { text: 'a' });
    const b = protocol.sendRequest('caller', 'worker', Summarize, { text: 'b' });
    await vi.advanceTimersByTimeAsync(1);
    await replies[0]!.reject(new MeshError('QUEUE_FULL', 'renderer saturated', { retryAfterMs: 250 }));
    await replies[1]!.reject(new TypeError('bad frame'));
    await expect(a).rejects.toMatchObject({ code: 'QUEUE_FULL', retryAfterMs: 250, message: 'renderer saturated' });
    await expect(b).rejects.toMatchObject({ code: 'HANDLER_ERROR', remote: { name: 'TypeError', message: 'bad frame' }, retryable: false });
  });

  it('fails INVALID_MESSAGE when the deferred answer breaks the output schema', async () => {
    const { protocol, replies } = await deferringWorld();
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' });
    await vi.advanceTimersByTimeAsync(1);
    await replies[0]!.resolve({ summary: 7 } as never);
    await expect(outcome).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('times out a deferred request at its deadline; the late answer is dropped, logged at debug, and reported undelivered', async () => {
    const { protocol, replies, logger, clock } = await deferringWorld();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await meshErrorOf(outcome.result)).toMatchObject({ code: 'TIMEOUT', agent: 'worker' });
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
    await expect(replies[0]!.resolve({ summary: 'too late', words: 0 })).resolves.toBe(false);
    expect(logger.debug).toHaveBeenCalledWith(expect.objectContaining({ inReplyTo: replies[0]!.requestId }), expect.stringContaining('dropped a reply nobody waits for'));
  });

  it('cancels a deferred request on abort and removes its listener', async () => {
    const { protocol, clock } = await deferringWorld();
    const controller = new AbortController();
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect((await meshErrorOf(outcome)).code).toBe('CANCELLED');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.liveTimers).toBe(0);
  });

  it("ends a deferred request with its parent context: the parent's cancellation and deadline", async () => {
    const { mesh, protocol } = await deferringWorld();
    await mesh.register(defineAgent({ name: 'boss', handle: (_m, ctx) => protocol.sendRequest('boss', 'worker', Summarize, { text: 'x' }, { context: ctx }) }));
    const controller = new AbortController();
    const cancelled = track(mesh.invoke('boss', 'go', { timeoutMs: 2_000, signal: controller.signal }));
    const timedOut = track(mesh.invoke('boss', 'go', { timeoutMs: 2_000 }));
    await vi.advanceTimersByTimeAsync(500);
    expect(protocol.pendingCount).toBe(2);
    controller.abort();
    expect((await meshErrorOf(cancelled.result)).code).toBe('CANCELLED');
    // The parent's cancellation ended the inner request at once, not at its own deadline.
    expect(protocol.pendingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect((await meshErrorOf(timedOut.result)).code).toBe('TIMEOUT');
    expect(protocol.pendingCount).toBe(0);
  });

  it('accepts an answer sent before the acknowledgement (a handler that finishes at once)', async () => {
    const { protocol, worker } = await requestWorld();
    protocol.handleRequest(worker, Summarize, (input, _ctx, request) => {
      const reply = request.defer();
      void reply.resolve({ summary: input.text, words: 0 });
      return reply;
    });
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'quick' })).resolves.toEqual({ summary: 'quick', words: 0 });
  });

  it('drops unknown replies, non-replies and replies from the wrong agent', async () => {
    const { mesh, protocol, replies, logger } = await deferringWorld();
    expect(protocol.handleReply({ id: 'm', role: 'assistant', content: 1, metadata: { protocol: REQUEST_REPLY_PROTOCOL, inReplyTo: 'no-such-id' } })).toBe(false);
    expect(protocol.handleReply({ id: 'm', role: 'assistant', content: 1, metadata: {} })).toBe(false);
    expect(logger.debug).toHaveBeenCalledTimes(2);
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }));
    await vi.advanceTimersByTimeAsync(1);
    const forged = { content: { summary: 'forged', words: 0 }, metadata: { protocol: REQUEST_REPLY_PROTOCOL, inReplyTo: replies[0]!.requestId } };
    await expect(mesh.invoke('caller', forged, { from: 'mallory' })).resolves.toMatchObject({ content: { delivered: false } });
    expect(outcome.settled()).toBe(false);
    await replies[0]!.resolve({ summary: 'real', words: 0 });
    await expect(outcome.result).resolves.toMatchObject({ summary: 'real' });
  });

  it('takes answers the application routes itself, e.g. over a topic, through handleReply', async () => {
    const { mesh, protocol, worker } = await requestWorld();
    const subscription = mesh.subscribe('answers.caller', (m) => void protocol.handleReply(m, { from: 'worker' }));
    await subscription.ready;
    protocol.handleRequest(worker, Summarize, (input, _ctx, request) => {
      const answer = { content: { summary: input.text, words: 2 }, metadata: { protocol: REQUEST_REPLY_PROTOCOL, inReplyTo: request.requestId, replyKind: 'result' } };
      setTimeout(() => void mesh.publish('answers.caller', answer), 10);
      return request.defer();
    });
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'via topic' });
    await vi.advanceTimersByTimeAsync(10);
    await expect(outcome).resolves.toEqual({ summary: 'via topic', words: 2 });
  });

  it('refuses to answer twice or report progress after the answer', async () => {
    const { protocol, replies } = await deferringWorld();
    const outcome = protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' });
    await vi.advanceTimersByTimeAsync(1);
    const reply = replies[0]!;
    await reply.resolve({ summary: 'one', words: 1 });
    await expect(reply.resolve({ summary: 'two', words: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(reply.reject(new Error('x'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(reply.progress(1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(outcome).resolves.toMatchObject({ summary: 'one' });
  });

  it('cannot defer a request that names nobody to answer, and reports an answer that cannot be delivered', async () => {
    const { mesh, protocol, replies } = await deferringWorld();
    const anonymous = { content: { text: 'x' }, metadata: { protocol: REQUEST_REPLY_PROTOCOL, requestId: 'r-1', requestType: 'summarize' } };
    await expect(mesh.invoke('worker', anonymous)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(1);
    await mesh.unregister('caller');
    await expect(replies[0]!.resolve({ summary: 's', words: 0 })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await meshErrorOf(outcome.result)).code).toBe('TIMEOUT');
  });
});
